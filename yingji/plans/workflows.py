"""The approval of a plan on yingji.workflows.

    draft ──submit──▶ pending ──approve──▶ approved
      ▲                  │                    │
      └─────return───────┘                    │
      └──────────────revise───────────────────┘  (the next version, a draft again)

Communities and streets submit (plans.submit); the street or the district
approves (plans.approve), never the officer who submitted it (separation of
duties, the machine's `not_after`). A plan is submitted only with a card to use.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yingji.plans.models import Plan, PlanStatus
from yingji.workflows.machine import Transition, Workflow

S = PlanStatus
SUBMIT, APPROVE = "plans.submit", "plans.approve"


def has_steps(plan: Plan) -> str | None:
    return None if plan.steps.exists() else _("Write the plan's card (at least one step) before submitting it.")


def has_types(plan: Plan) -> str | None:
    return None if plan.incident_types else _("Name the incident types the plan covers before submitting it.")


PLAN = Workflow(
    "plans.plan", Plan, states=PlanStatus,
    wrong_state=_("This plan is %(status)s; it cannot be changed that way."),
    transitions=[
        Transition("submit", source=[S.DRAFT], target=S.PENDING, permission=SUBMIT, guards=[has_types, has_steps],
                   label=_("Submit for approval"), denied=_("You may not submit plans of %(place)s.")),
        Transition("approve", source=[S.PENDING], target=S.APPROVED, permission=APPROVE, label=_("Approve"),
                   denied=_("Only the street or the district approves plans of %(place)s."),
                   not_after=["submit"],
                   not_after_denied=_("You submitted this plan; another officer approves it.")),
        Transition("return", source=[S.PENDING], target=S.DRAFT, permission=APPROVE, label=_("Return for changes"),
                   style="secondary", denied=_("Only the street or the district approves plans of %(place)s.")),
        Transition("revise", source=[S.APPROVED], target=S.DRAFT, permission=SUBMIT,
                   label=_("Revise (next version)"), style="secondary",
                   denied=_("You may not submit plans of %(place)s.")),
    ],
)
