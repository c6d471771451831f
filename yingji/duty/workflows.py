"""Duty's workflows on yingji.workflows: daily reports and incident reports up the chain, shift swaps.

Daily report (值班日报), at a command centre, then the level above:

    draft ──review──▶ reviewed ──submit──▶ submitted ──receive──▶ received
      ▲                  │                     │
      └──────reopen──────┘◀────────return──────┘  (the level above sends it back, saying why)

Incident report (首报、续报、终报), by the incident's street to the level above:

    draft ──submit──▶ submitted ──receive──▶ received
      ▲                    │
      └──────return────────┘

    A first report in draft has a deadline (settings.YINGJI_DUTY_FIRST_REPORT_MINUTES after the call came
    in); when it passes, the deadlines job escalates it (services/upward.py).

Shift swap (换班): the replacement agrees, the roster's manager approves and the roster changes.

    requested ──agree──▶ agreed ──approve──▶ approved
        │                  │
        ├──decline/reject──┴──▶ rejected
        └──cancel──────────┴──▶ cancelled

Who: review, submit and return need the duty actions over the reporting command centre or the one
above (`where=`); agree is the replacement's own step, cancel the requester's.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.duty import escalation
from yingji.duty.models import DailyReport, IncidentReport, ReportStatus, SwapRequest, SwapStatus
from yingji.workflows.machine import Deadline, Place, Transition, Workflow

R = ReportStatus
S = SwapStatus
REVIEW = "duty.review_report"
SUBMIT = "duty.submit_report"
RECEIVE = "duty.receive_report"
APPROVE_SWAP = "duty.approve_swap"


def level_above(report: Any) -> list[Place]:
    """Where a report goes: the jurisdiction above the reporting one."""
    parent = report.jurisdiction.parent
    if parent is None:
        return [("", str(_("the level above")))]
    return [(parent.path, parent.name)]


def has_level_above(report: Any) -> Any:
    return None if report.jurisdiction.parent_id else _("There is no level above to report to.")


def is_replacement(user: Any, swap: SwapRequest) -> bool:
    return getattr(user, "pk", None) is not None and swap.replacement_id == user.pk


def is_requester(user: Any, swap: SwapRequest) -> bool:
    return getattr(user, "pk", None) is not None and swap.requester_id == user.pk


def personal(swap: SwapRequest) -> list[Place]:
    """A place no permission covers: the step is the person's own (`also`), whatever their role."""
    return [("", str(_("this request")))]


def shift_not_started(swap: SwapRequest) -> Any:
    if swap.shift.starts_at <= timezone.now():
        return _("The shift has started: it can no longer be swapped.")
    if swap.counterpart_id and swap.counterpart.starts_at <= timezone.now():
        return _("The shift offered in exchange has started.")
    return None


DAILY_REPORT = Workflow(
    "duty.dailyreport", DailyReport, states=ReportStatus,
    wrong_state=_("This report is %(status)s; it cannot be changed that way."),
    transitions=[
        Transition("review", source=[R.DRAFT], target=R.REVIEWED, permission=REVIEW, label=_("Reviewed")),
        Transition("submit", source=[R.REVIEWED], target=R.SUBMITTED, permission=SUBMIT,
                   guards=[has_level_above], label=_("Submit to the level above")),
        Transition("reopen", source=[R.REVIEWED], target=R.DRAFT, permission=REVIEW, label=_("Back to draft"),
                   style="secondary"),
        Transition("receive", source=[R.SUBMITTED], target=R.RECEIVED, permission=RECEIVE, where=level_above,
                   denied=_("Only the level above receives this report."), label=_("Receive")),
        Transition("return", source=[R.SUBMITTED], target=R.DRAFT, permission=RECEIVE, where=level_above,
                   denied=_("Only the level above returns this report."), label=_("Return for correction"),
                   style="secondary"),
    ],
)


def _first_report_time(report: IncidentReport) -> datetime.timedelta:
    """The deadline counts from the call, not from when the draft was written."""
    if report.due_at is None:
        return datetime.timedelta(days=3650)
    return report.due_at - report.drafted_at


INCIDENT_REPORT = Workflow(
    "duty.incidentreport", IncidentReport, states=ReportStatus,
    wrong_state=_("This report is %(status)s; it cannot be changed that way."),
    transitions=[
        Transition("submit", source=[R.DRAFT], target=R.SUBMITTED, permission=SUBMIT, guards=[has_level_above],
                   label=_("Submit to the level above")),
        Transition("receive", source=[R.SUBMITTED], target=R.RECEIVED, permission=RECEIVE, where=level_above,
                   denied=_("Only the level above receives this report."), label=_("Receive")),
        Transition("return", source=[R.SUBMITTED], target=R.DRAFT, permission=RECEIVE, where=level_above,
                   denied=_("Only the level above returns this report."), label=_("Return for correction"),
                   style="secondary"),
    ],
    deadlines={R.DRAFT: Deadline(after=_first_report_time, escalate=escalation.first_report_overdue)},
)


SWAP = Workflow(
    "duty.swaprequest", SwapRequest, states=SwapStatus,
    wrong_state=_("This swap is %(status)s; it cannot be changed that way."),
    transitions=[
        # The replacement's own word: no role covers it (`personal`), only being the replacement (`also`).
        Transition("agree", source=[S.REQUESTED], target=S.AGREED, permission="duty.agree_to_swap",
                   where=personal, also=is_replacement, guards=[shift_not_started], label=_("Agree to stand in"),
                   denied=_("Only the colleague asked may agree.")),
        Transition("decline", source=[S.REQUESTED], target=S.REJECTED, permission="duty.agree_to_swap",
                   where=personal, also=is_replacement, label=_("Decline"), style="secondary",
                   denied=_("Only the colleague asked may decline.")),
        Transition("approve", source=[S.AGREED], target=S.APPROVED, permission=APPROVE_SWAP,
                   guards=[shift_not_started], label=_("Approve")),
        Transition("reject", source=[S.REQUESTED, S.AGREED], target=S.REJECTED, permission=APPROVE_SWAP,
                   label=_("Reject"), style="secondary"),
        Transition("cancel", source=[S.REQUESTED, S.AGREED], target=S.CANCELLED, permission="duty.cancel_swap",
                   where=personal, also=is_requester, label=_("Withdraw"), style="secondary",
                   denied=_("Only the requester may withdraw the request.")),
    ],
)
