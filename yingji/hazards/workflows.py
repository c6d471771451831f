"""The hazard closed loop (隐患闭环) on yingji.workflows: who may take which step, from which state.

    reported ──assign──▶ assigned ──start──▶ rectifying ──submit──▶ rechecking ──pass──▶ closed
        │                                        ▲                       │
        └──dismiss──▶ dismissed                  └─────────fail──────────┘

The steps' facts (unit, person, deadline, evidence, recheck) are recorded by
services/loop.py in the step's transaction. There is no step from rectifying
to closed: a hazard is closed only by a recheck, and the recheck refuses the
person who rectified (services/loop.py, because it depends on the actor).
The rectification deadline spans assigned and rectifying, and an overdue
hazard climbs the tree repeatedly, so its escalation is the bulk job in
services/escalation.py rather than a per-state Deadline.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yingji.hazards.models import Hazard, HazardStatus
from yingji.workflows.machine import Transition, Workflow

S = HazardStatus
ASSIGN, RECTIFY, RECHECK = "hazards.assign", "hazards.rectify", "hazards.recheck"


def is_assignee(user: Any, hazard: Hazard) -> bool:
    """The responsible person named at assignment may rectify whatever their role."""
    return getattr(user, "pk", None) is not None and hazard.assignee_id == user.pk


HAZARD = Workflow(
    "hazards.hazard", Hazard, states=HazardStatus,
    wrong_state=_("This hazard is %(status)s; it cannot be changed that way."),
    transitions=[
        Transition("assign", source=[S.REPORTED], target=S.ASSIGNED, permission=ASSIGN, label=_("Assign"),
                   denied=_("Only the community or street of %(place)s assigns its hazards.")),
        Transition("start", source=[S.ASSIGNED], target=S.RECTIFYING, permission=RECTIFY, also=is_assignee,
                   label=_("Start rectifying"),
                   denied=_("Only the responsible unit rectifies %(place)s.")),
        Transition("submit", source=[S.RECTIFYING], target=S.RECHECKING, permission=RECTIFY, also=is_assignee,
                   label=_("Rectified: ask for a recheck"),
                   denied=_("Only the responsible unit rectifies %(place)s.")),
        Transition("pass", source=[S.RECHECKING], target=S.CLOSED, permission=RECHECK,
                   label=_("Recheck passed: close"),
                   denied=_("You may not recheck hazards of %(place)s.")),
        Transition("fail", source=[S.RECHECKING], target=S.RECTIFYING, permission=RECHECK,
                   label=_("Recheck failed: rectify again"), style="secondary",
                   denied=_("You may not recheck hazards of %(place)s.")),
        Transition("dismiss", source=[S.REPORTED], target=S.DISMISSED, permission=ASSIGN,
                   label=_("Dismiss (not a hazard, or a duplicate)"), style="secondary",
                   denied=_("Only the community or street of %(place)s assigns its hazards.")),
    ],
)
