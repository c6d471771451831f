"""The warning workflow on yingji.workflows: approval before release where the level needs it.

    draft ──submit──▶ pending ──approve──▶ approved ──release──▶ released ──(update released)──▶ superseded
      │ ▲               │                                │        ├─(cancel released)─▶ cancelled
      │ └────reject─────┘                                │        └─(expired, job)────▶ expired
      └──────────────release (level without approval)────┘
    a Cancel message: draft/approved ──release_cancel──▶ cancelled

Which levels need approval is settings.YINGJI_WARNING_APPROVAL_LEVELS (orange
and red by default). Approving needs `warnings.approve` over the warning's
jurisdiction (streets, the district) and someone other than the composer
(services.approve checks that); releasing needs `warnings.publish`. A warning
pending longer than YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES is escalated to
the approvers once (escalation.py, run by the job `workflows.deadlines`). The
steps' side effects (freezing and signing the CAP, ending the warning an
update or cancel replaces, the fan-out) are in services.py.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.warnings.escalation import approval_deadline, overdue_approval
from yingji.warnings.models import EarlyWarning, MsgType, State
from yingji.workflows.machine import Deadline, Transition, Workflow

PUBLISH = "warnings.publish"
APPROVE = "warnings.approve"
CHANGE = "warnings.change_earlywarning"


def needs_approval(level: str) -> bool:
    """Whether a warning of this level must be approved before release (settings.YINGJI_WARNING_APPROVAL_LEVELS)."""
    from django.conf import settings

    return level in set(getattr(settings, "YINGJI_WARNING_APPROVAL_LEVELS", ["orange", "red"]))


def _approval_needed(warning: EarlyWarning) -> Any:
    return None if needs_approval(warning.level) else _("A warning of this level is released without approval.")


def _approved_if_needed(warning: EarlyWarning) -> Any:
    if warning.state == State.DRAFT and needs_approval(warning.level):
        return _("A %(level)s warning must be approved before it is released.") % {
            "level": warning.get_level_display()}
    return None


def _a_warning(warning: EarlyWarning) -> Any:
    if warning.msg_type not in (MsgType.ALERT, MsgType.UPDATE):
        return _("Only alerts and updates are released this way; a cancellation lifts the warning.")
    return None


def _a_cancel(warning: EarlyWarning) -> Any:
    return None if warning.msg_type == MsgType.CANCEL else _("Only a cancellation lifts a warning.")


def _not_expired(warning: EarlyWarning) -> Any:
    times = [i.expires for i in warning.infos.all() if i.expires is not None]
    now = getattr(warning, "_release_now", None) or timezone.now()
    if times and max(times) <= now:
        return _("The warning would already have expired.")
    return None


def _previous_in_force(warning: EarlyWarning) -> Any:
    if warning.previous_id is not None and warning.previous.state != State.RELEASED:  # type: ignore[union-attr]
        return _("The warning this one refers to is no longer in force.")
    return None


S = State
WARNING = Workflow(
    "warnings.warning", EarlyWarning, field="state", states=State,
    wrong_state=_("This warning is %(status)s; it cannot be changed that way."),
    transitions=[
        Transition("submit", source=[S.DRAFT], target=S.PENDING, permission=CHANGE, guards=[_approval_needed],
                   label=_("Submit for approval")),
        Transition("approve", source=[S.PENDING], target=S.APPROVED, permission=APPROVE,
                   label=pgettext_lazy("warning", "Approve"),
                   denied=_("Only the street or the district approves warnings for %(place)s.")),
        Transition("reject", source=[S.PENDING], target=S.DRAFT, permission=APPROVE, label=_("Send back"),
                   style="secondary"),
        Transition("release", source=[S.DRAFT, S.APPROVED], target=S.RELEASED, permission=PUBLISH,
                   guards=[_a_warning, _approved_if_needed, _not_expired, _previous_in_force],
                   label=_("Release now")),
        Transition("release_cancel", source=[S.DRAFT, S.APPROVED], target=S.CANCELLED, permission=PUBLISH,
                   guards=[_a_cancel, _approved_if_needed, _previous_in_force], label=_("Release the cancellation")),
        # Consequences of other steps, never buttons.
        Transition("supersede", source=[S.RELEASED], target=S.SUPERSEDED),
        Transition("lift", source=[S.RELEASED], target=S.CANCELLED),
        Transition("expire", source=[S.RELEASED], target=S.EXPIRED),
    ],
    # Left waiting for approval past YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES: the approvers are told.
    deadlines={S.PENDING: Deadline(after=approval_deadline, escalate=overdue_approval)},
)


def release_step(warning: EarlyWarning) -> str:
    return "release_cancel" if warning.msg_type == MsgType.CANCEL else "release"


def at(warning: EarlyWarning, now: datetime.datetime) -> EarlyWarning:
    """Let the guards judge expiry at the caller's clock (tests pass `now`)."""
    warning._release_now = now  # type: ignore[attr-defined]
    return warning
