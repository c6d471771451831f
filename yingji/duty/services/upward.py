"""Incidents reported up the chain (首报、续报、终报) and the officer on duty assigned to each incident.

After intake, the incident's street is responsible: its officer on duty at that moment is assigned
to the incident, and a first report is drafted from the incident, due
settings.YINGJI_DUTY_FIRST_REPORT_MINUTES after the call came in. The officer completes it and
submits it to the level above (the district), which receives it from its queue — or returns it.
Follow-ups are drafted by the officer as the incident develops; the final report is drafted when
the incident is closed. A first report still in draft at its deadline is escalated by the
workflows' deadlines job.

None of this runs inside intake (hundreds of calls a second at peak): the `duty.incidents` job
(jobs.py) picks up the new and the closed incidents every few seconds — batch intake included.
"""

from __future__ import annotations

import datetime
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ROOT_PATH, ensure, ensure_in, granted_paths
from yingji.duty import times
from yingji.duty.models import DailyReport, IncidentAssignment, IncidentReport, ReportKind, ReportStatus
from yingji.duty.services import alerts
from yingji.duty.services import now as duty_now
from yingji.duty.workflows import INCIDENT_REPORT
from yingji.incidents.models import Incident, Status
from yingji.jurisdictions.models import Jurisdiction, Level

# How far back the job looks for incidents it has not handled (a runner stopped for a while catches up).
SWEEP_WINDOW = datetime.timedelta(hours=6)
SWEEP_BATCH = 500
MAX_BODY = 8000


def first_report_due(incident: Incident) -> datetime.datetime:
    return incident.received_at + datetime.timedelta(minutes=settings.YINGJI_DUTY_FIRST_REPORT_MINUTES)


def street_of(incident: Incident) -> Jurisdiction | None:
    """The street (街道) the incident lies in: it reports the incident upwards."""
    memo = _streets.get()
    if memo is not None and incident.jurisdiction_id in memo:
        return memo[incident.jurisdiction_id]
    codes = incident.jurisdiction.ancestor_codes
    street = Jurisdiction.objects.filter(code__in=codes, level=Level.STREET).first()
    if memo is not None:
        memo[incident.jurisdiction_id] = street
    return street


# Within one sweep, the street of each jurisdiction is looked up once (a burst of calls shares a few streets).
_streets: ContextVar[dict[int, Jurisdiction | None] | None] = ContextVar("duty_streets", default=None)


def _local(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment, times.zone()):%m月%d日%H时%M分}" if moment else "—"


def draft_text(incident: Incident, kind: str, number: int, now: datetime.datetime) -> tuple[str, str]:
    """Title and body drafted from the incident as it stands: the officer completes them before submitting."""
    names = {ReportKind.FIRST: _("First report"), ReportKind.FOLLOW_UP: _("Follow-up report %(n)s") % {"n": number},
             ReportKind.FINAL: _("Final report")}
    teams = "、".join(sorted({d.team.name for d in incident.dispatches.select_related("team")})) or _("none yet")
    lines = [
        _("At %(time)s, %(place)s (%(address)s): %(type)s, %(severity)s.") % {
            "time": _local(incident.received_at), "place": incident.jurisdiction.name,
            "address": incident.address or "—", "type": incident.type_label,
            "severity": incident.get_severity_display()},
        _("Reported through %(channel)s; reference %(reference)s.") % {
            "channel": incident.get_channel_display(), "reference": incident.reference},
        _("Situation: %(description)s") % {"description": incident.description or "—"},
        _("Teams called: %(teams)s. Status: %(status)s.") % {"teams": teams, "status": incident.get_status_display()},
    ]
    if kind == ReportKind.FINAL:
        lines.append(_("Closed at %(time)s: %(outcome)s; %(deaths)s dead, %(injuries)s injured, %(rescued)s rescued; "
                       "direct loss %(loss)s yuan.") % {
            "time": _local(incident.closed_at), "outcome": incident.get_outcome_display() or "—",
            "deaths": incident.deaths, "injuries": incident.injuries, "rescued": incident.rescued,
            "loss": incident.loss_yuan})
        if incident.evaluation:
            lines.append(_("Evaluation: %(text)s") % {"text": incident.evaluation})
    title = f"【{names[kind]}】{incident.jurisdiction.name}{incident.type_label}"
    return title[:200], "\n".join(lines)[:MAX_BODY]


def _create(incident: Incident, street: Jurisdiction, kind: str, number: int, now: datetime.datetime,
            due_at: datetime.datetime | None, actor: Any = None) -> IncidentReport:
    title, body = draft_text(incident, kind, number, now)
    report = IncidentReport.objects.create(incident=incident, jurisdiction=street, kind=kind, number=number,
                                           title=title, body=body, drafted_at=now, due_at=due_at)
    INCIDENT_REPORT.start(report, actor=actor, now=now)
    return report


def draft_first_report(incident: Incident, *, now: datetime.datetime) -> IncidentReport | None:
    """The first report of a new incident, once (a second call answers the existing one)."""
    street = street_of(incident)
    if street is None:
        return None
    existing = IncidentReport.objects.filter(incident=incident, kind=ReportKind.FIRST).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _create(incident, street, ReportKind.FIRST, 1, now, first_report_due(incident))
    except IntegrityError:  # another runner drafted it meanwhile
        return IncidentReport.objects.filter(incident=incident, kind=ReportKind.FIRST).first()


def draft_final_report(incident: Incident, *, now: datetime.datetime) -> IncidentReport | None:
    street = street_of(incident)
    if street is None:
        return None
    existing = IncidentReport.objects.filter(incident=incident, kind=ReportKind.FINAL).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _create(incident, street, ReportKind.FINAL, 1, now, None)
    except IntegrityError:
        return IncidentReport.objects.filter(incident=incident, kind=ReportKind.FINAL).first()


@transaction.atomic
def draft_follow_up(incident: Incident, *, actor: Any, now: datetime.datetime | None = None) -> IncidentReport:
    """A follow-up report (续报) drafted from the incident as it stands now, numbered after the last one."""
    now = now or timezone.now()
    street = street_of(incident)
    if street is None:
        raise ValidationError({"incident": _("This incident lies in no street: nobody reports it upwards.")})
    ensure_in(actor, "duty.submit_report", street.path)
    if not IncidentReport.objects.filter(incident=incident, kind=ReportKind.FIRST).exists():
        raise ValidationError({"kind": _("The first report comes first.")})
    if IncidentReport.objects.filter(incident=incident, kind=ReportKind.FINAL).exists():
        raise ValidationError({"kind": _("The final report is written: no follow-up after it.")})
    last = IncidentReport.objects.filter(incident=incident, kind=ReportKind.FOLLOW_UP).aggregate(n=Max("number"))["n"]
    return _create(incident, street, ReportKind.FOLLOW_UP, (last or 0) + 1, now, None, actor=actor)


@transaction.atomic
def edit_report(report: IncidentReport, *, actor: Any, title: str, body: str) -> IncidentReport:
    """Complete or correct a report while it is a draft."""
    ensure(actor, "change", report)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError({"body": _("A submitted report no longer changes.")})
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title or len(title) > 200:
        errors["title"] = _("The title needs 1 to 200 characters.")
    if not body or len(body) > MAX_BODY:
        errors["body"] = _("Write 1 to %(n)s characters.") % {"n": MAX_BODY}
    if errors:
        raise ValidationError(errors)
    report.title, report.body = title, body
    report.save()
    return report


def step(report: IncidentReport, name: str, *, actor: Any, note: str = "",
         now: datetime.datetime | None = None) -> IncidentReport:
    """Submit, receive or return a report (the level above must say why it returns one)."""
    now = now or timezone.now()
    if name == "return" and not (note or "").strip():
        raise ValidationError({"note": _("Say what is to be corrected.")})

    def effect(obj: IncidentReport) -> None:
        if name == "submit":
            obj.submitted_at, obj.submitted_by = now, actor
            obj.save(update_fields=["submitted_at", "submitted_by", "updated_at"])

    with transaction.atomic():
        return INCIDENT_REPORT.transition(report, name, actor=actor, note=note, now=now, effect=effect)


def is_late(report: IncidentReport, now: datetime.datetime) -> bool:
    """A report past its deadline: submitted after it, or still not submitted."""
    if report.due_at is None:
        return False
    return (report.submitted_at or now) > report.due_at


# ---------------------------------------------------------------- assignment and the job
def assign(incident: Incident, *, now: datetime.datetime) -> IncidentAssignment | None:
    """Assign the leader of the street's shift under way at the call to the incident (once; nobody when
    the street had nobody on duty — the gap shows on the incident's page)."""
    street = street_of(incident)
    post = duty_now.on_duty_at_level(incident.jurisdiction.path, Level.STREET, at=incident.received_at) \
        if street is not None else None
    shift = post.shifts[0] if post is not None and post.shifts else None
    try:
        with transaction.atomic():
            assignment = IncidentAssignment.objects.create(
                incident=incident, jurisdiction=street or incident.jurisdiction, shift_id=shift.id if shift else None,
                officer_id=shift.leader.id if shift else None, assigned_at=now)
    except IntegrityError:  # assigned (and alerted) meanwhile by another runner
        return IncidentAssignment.objects.filter(incident=incident).first()
    # Who hears of it (alerts.alert_assigned): everyone on the street's shifts under way, the leader first.
    assignment.on_duty = tuple(dict.fromkeys(p.id for s in (post.shifts if post else ()) for p in s.people))  # type: ignore[attr-defined]
    return assignment


def sweep(now: datetime.datetime) -> dict[str, int]:
    """The job's work: assign and draft first reports for new incidents, final reports for closed ones."""
    token = _streets.set({})
    try:
        return _sweep(now)
    finally:
        _streets.reset(token)


def _sweep(now: datetime.datetime) -> dict[str, int]:
    since = now - SWEEP_WINDOW
    unassigned = (Incident.objects.filter(received_at__gte=since, received_at__lte=now, merged_into=None)
                  .exclude(status=Status.CANCELLED)
                  .filter(~Exists(IncidentAssignment.objects.filter(incident=OuterRef("pk"))))
                  .select_related("jurisdiction").order_by("received_at")[:SWEEP_BATCH])
    assigned = drafted = finals = 0
    to_alert = []
    for incident in unassigned:
        assignment = assign(incident, now=now)
        if assignment is not None:
            assigned += 1
            if hasattr(assignment, "on_duty"):
                to_alert.append((assignment, assignment.on_duty))
        if draft_first_report(incident, now=now) is not None:
            drafted += 1
    alerted = len(alerts.alert_assigned(to_alert, now)) if to_alert else 0
    closed = (Incident.objects.filter(status=Status.CLOSED, closed_at__gte=since, closed_at__lte=now)
              .filter(Exists(IncidentReport.objects.filter(incident=OuterRef("pk"), kind=ReportKind.FIRST)))
              .filter(~Exists(IncidentReport.objects.filter(incident=OuterRef("pk"), kind=ReportKind.FINAL)))
              .select_related("jurisdiction").order_by("closed_at")[:SWEEP_BATCH])
    for incident in closed:
        if draft_final_report(incident, now=now) is not None:
            finals += 1
    return {"assigned": assigned, "alerted": alerted, "first_reports": drafted, "final_reports": finals}


# ---------------------------------------------------------------- the queue of the level above
def addressed_to(user: Any) -> list[str]:
    """The command centres whose queue the user keeps: where they may receive reports (outermost)."""
    return granted_paths(user, "duty.receive_report")


def queue(user: Any, now: datetime.datetime) -> dict[str, Any]:
    """What the units right below the user's command centres sent up and wait for: daily and incident
    reports submitted, and first reports still in draft past their deadline."""
    paths = addressed_to(user)
    if not paths:
        return {"daily": [], "incident": [], "overdue": []}
    below = Q() if ROOT_PATH in paths else Q(jurisdiction__parent__path__in=paths)
    daily = (DailyReport.objects.filter(below, status=ReportStatus.SUBMITTED).select_related("jurisdiction")
             .defer("content").order_by("day", "jurisdiction__code"))
    incident = (IncidentReport.objects.filter(below, status=ReportStatus.SUBMITTED)
                .select_related("jurisdiction", "incident").order_by("submitted_at"))
    overdue = (IncidentReport.objects.filter(below, status=ReportStatus.DRAFT, due_at__lt=now)
               .select_related("jurisdiction", "incident").order_by("due_at"))
    return {"daily": list(daily[:200]), "incident": list(incident[:200]), "overdue": list(overdue[:200])}
