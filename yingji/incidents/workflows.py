"""The incident's status on yingji.workflows: the one place that says how it moves.

    reported ──dispatch──▶ dispatched ──arrive──▶ on_scene ──handle──▶ handled
        └──────────────┴───────────────┴─── close ──▶ closed
        └──────────────┴───────────────┴─── merge ──▶ cancelled (a duplicate report)

Dispatch, close and merge are officers' steps (incidents.dispatch,
incidents.change_incident over the incident's jurisdiction). Arrive and handle
are automatic: the first team to report arrival puts the incident on scene,
the first to report handling marks it initially handled (services/respond.py,
which checks the responder's own permission on the call-out). The 1-3-5
clock fields stay the services' work; intake records the start (reported) and
every status change leaves a WorkflowEvent beside the incident's own timeline
(IncidentEvent).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yingji.incidents.models import OPEN_STATUSES, Incident, Status
from yingji.workflows.machine import Transition, Workflow

INCIDENT = Workflow(
    "incidents.incident", Incident, states=Status,
    wrong_state=_("This incident is %(status)s; it cannot be changed that way."),
    transitions=[
        Transition("dispatch", source=[Status.REPORTED], target=Status.DISPATCHED, permission="incidents.dispatch",
                   label=_("Call teams")),
        Transition("arrive", source=[Status.REPORTED, Status.DISPATCHED], target=Status.ON_SCENE),
        Transition("handle", source=[Status.REPORTED, Status.DISPATCHED, Status.ON_SCENE], target=Status.HANDLED),
        Transition("close", source=OPEN_STATUSES, target=Status.CLOSED, permission="incidents.change_incident",
                   label=_("Close out")),
        Transition("merge", source=OPEN_STATUSES, target=Status.CANCELLED, permission="incidents.change_incident",
                   label=_("Merge into another incident"), style="secondary"),
    ],
)
