"""The daily duty report (值班日报): what a jurisdiction's subtree recorded in one local day.

Compiling reads the day's shifts of the jurisdiction (with their handovers, and the ones that
left none), its own duty log, the important entries (events, instructions) of the units right
below, the incidents received in its subtree, the warnings released for it, the hazards reported,
closed and overdue in it, the units below with
their figures and their own reports. The result is
kept as plain data in `DailyReport.content`, so the report, its Excel and its PDF read the same
after the ledgers move on; compiling again (before submission) refreshes it.

Everything is read in a fixed number of queries whatever the size of the subtree (a district's
report reads its ten streets and 92 communities at once, not one by one).
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure_in
from yingji.duty import times
from yingji.duty.models import (
    DailyReport,
    EntryKind,
    Handover,
    LogEntry,
    ReportStatus,
    Shift,
    ShiftKind,
    ShiftMember,
)
from yingji.duty.services.rosters import DUTY_LEVELS
from yingji.duty.workflows import DAILY_REPORT
from yingji.hazards.models import Hazard
from yingji.hazards.models.hazard import DEADLINE_STATUSES as HAZARD_DEADLINE_STATUSES
from yingji.incidents.models import OPEN_STATUSES, Incident
from yingji.jurisdictions.models import Jurisdiction
from yingji.warnings.models import EarlyWarning
from yingji.warnings.models import State as WarningState

CONTENT_VERSION = 1
MAX_ITEMS = 500
# Entries of the units right below that a report carries up: what the level above must know.
CARRIED_UP = (EntryKind.EVENT, EntryKind.INSTRUCTION)


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value, times.zone()).isoformat() if value is not None else None


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def _unit_of(path: str, units: list[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    for prefix, unit in units:
        if path.startswith(prefix):
            return unit
    return None


def _shifts(jurisdiction: Jurisdiction, start: datetime.datetime, end: datetime.datetime,
            now: datetime.datetime) -> list[dict[str, Any]]:
    rows = (Shift.objects.filter(jurisdiction=jurisdiction, starts_at__lt=end, ends_at__gt=start)
            .select_related("leader", "taken_over_by")
            .prefetch_related(Prefetch("staff", ShiftMember.objects.select_related("user").order_by("user_id")),
                              Prefetch("handover", Handover.objects.select_related("written_by", "acknowledged_by")))
            .order_by("starts_at", "id"))
    shifts = []
    for shift in rows:
        handover = getattr(shift, "handover", None)  # the reverse one-to-one raises when there is none
        shifts.append({
            "id": shift.pk, "label": shift.label, "kind": shift.kind, "note": shift.note,
            "starts_at": _iso(shift.starts_at), "ends_at": _iso(shift.ends_at),
            "leader": _name(shift.leader), "members": [_name(m.user) for m in shift.staff.all()],
            "taken_over_at": _iso(shift.taken_over_at), "taken_over_by": _name(shift.taken_over_by),
            "handover": None if handover is None else {
                "notes": handover.notes, "written_by": _name(handover.written_by),
                "written_at": _iso(handover.written_at), "acknowledged_by": _name(handover.acknowledged_by),
                "acknowledged_at": _iso(handover.acknowledged_at)},
            "handover_missing": shift.kind == ShiftKind.REGULAR and shift.ends_at <= now and handover is None,
        })
    return shifts


def _entry(entry: LogEntry, unit: str | None) -> dict[str, Any]:
    return {"id": entry.pk, "at": _iso(entry.at), "kind": entry.kind, "summary": entry.summary,
            "author": entry.author_name, "subject": entry.subject_label, "unit": unit}


def _incidents(jurisdiction: Jurisdiction, start: datetime.datetime, end: datetime.datetime,
               units: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    in_subtree = Incident.objects.filter(jurisdiction__path__startswith=jurisdiction.path, merged_into=None)
    received = list(in_subtree.filter(received_at__gte=start, received_at__lt=end).order_by("received_at")
                    .values_list("pk", "reference", "received_at", "type_code", "severity", "status", "address",
                                 "jurisdiction__name", "jurisdiction__path", "deaths", "injuries"))
    closed = in_subtree.filter(closed_at__gte=start, closed_at__lt=end).count()
    still_open = in_subtree.filter(status__in=OPEN_STATUSES, received_at__lt=end).count()
    for row in received:
        unit = _unit_of(row[8], units)
        if unit is not None:
            unit["incidents"] += 1
    by_type = Counter(row[3] for row in received)
    return {
        "received": len(received), "closed": closed, "open": still_open,
        "deaths": sum(r[9] for r in received), "injuries": sum(r[10] for r in received),
        "by_type": [{"type": code, "count": n} for code, n in by_type.most_common()],
        "items": [{"id": pk, "reference": ref, "received_at": _iso(at), "type": code, "severity": severity,
                   "status": status, "address": address, "jurisdiction": place}
                  for pk, ref, at, code, severity, status, address, place, _path, _d, _i in received[:MAX_ITEMS]],
    }


def _hazards(jurisdiction: Jurisdiction, start: datetime.datetime, end: datetime.datetime,
             units: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Hazards of the subtree: reported that day (listed), closed that day, past their deadline at its end."""
    in_subtree = Hazard.objects.filter(jurisdiction__path__startswith=jurisdiction.path)
    reported = list(in_subtree.filter(reported_at__gte=start, reported_at__lt=end).order_by("reported_at")
                    .values_list("pk", "reference", "reported_at", "title", "severity", "status",
                                 "jurisdiction__name", "jurisdiction__path"))
    for row in reported:
        unit = _unit_of(row[7], units)
        if unit is not None:
            unit["hazards"] += 1
    return {
        "reported": len(reported),
        "closed": in_subtree.filter(closed_at__gte=start, closed_at__lt=end).count(),
        "overdue": in_subtree.filter(status__in=HAZARD_DEADLINE_STATUSES, deadline__lt=end).count(),
        "items": [{"id": pk, "reference": ref, "reported_at": _iso(at), "title": title, "severity": severity,
                   "status": status, "jurisdiction": place}
                  for pk, ref, at, title, severity, status, place, _path in reported[:MAX_ITEMS]],
    }


def _warnings(jurisdiction: Jurisdiction, start: datetime.datetime, end: datetime.datetime) -> dict[str, Any]:
    """Warnings released that day for the area: by it or below it, or by a level above it (which covers it)."""
    above = [f"/{'/'.join(jurisdiction.ancestor_codes[:n])}/" for n in range(1, len(jurisdiction.ancestor_codes))]
    for_area = Q(jurisdiction__path__startswith=jurisdiction.path) | Q(jurisdiction__path__in=above)
    released = list(EarlyWarning.objects.filter(for_area, released_at__gte=start, released_at__lt=end)
                    .select_related("jurisdiction").prefetch_related("infos").order_by("released_at"))
    in_force = EarlyWarning.objects.filter(for_area, state=WarningState.RELEASED, released_at__lt=end).count()
    return {
        "released": len(released), "in_force": in_force,
        "items": [{"id": w.pk, "released_at": _iso(w.released_at), "level": w.level, "hazard": w.hazard,
                   "headline": w.headline, "issuer": w.jurisdiction.name, "msg_type": w.msg_type,
                   "state": w.state} for w in released[:MAX_ITEMS]],
    }


def build_content(jurisdiction: Jurisdiction, day: datetime.date, now: datetime.datetime) -> dict[str, Any]:
    start, end = times.day_bounds(day)
    children = list(Jurisdiction.objects.filter(parent=jurisdiction, level__in=DUTY_LEVELS).order_by("code"))
    unit_rows = {c.pk: {"code": c.code, "name": c.name, "level": c.level, "log": 0, "events": 0, "incidents": 0,
                        "hazards": 0, "shifts": 0, "handovers_missing": 0, "report": None} for c in children}
    # Longest paths first, so that a row is counted under the unit whose subtree holds it.
    units = sorted(((c.path, unit_rows[c.pk]) for c in children), key=lambda u: -len(u[0]))

    own_log = [_entry(e, None) for e in LogEntry.objects.filter(jurisdiction=jurisdiction, at__gte=start, at__lt=end)
               .order_by("at", "id")]
    carried = []
    below = (LogEntry.objects.filter(jurisdiction__path__startswith=jurisdiction.path, at__gte=start, at__lt=end)
             .exclude(jurisdiction=jurisdiction).select_related("jurisdiction").order_by("at", "id"))
    for entry in below.only("pk", "at", "kind", "summary", "author_name", "subject_label", "jurisdiction__name",
                            "jurisdiction__path", "jurisdiction__parent_id"):
        unit = _unit_of(entry.jurisdiction.path, units)
        if unit is not None:
            unit["log"] += 1
            unit["events"] += entry.kind in CARRIED_UP
        # Each level reports to the one above: the units right below carry their events and instructions
        # up; what lies deeper reached them through their own reports and is counted here.
        if entry.kind in CARRIED_UP and entry.jurisdiction.parent_id == jurisdiction.pk and len(carried) < MAX_ITEMS:
            carried.append(_entry(entry, entry.jurisdiction.name))

    below_shifts = (Shift.objects.filter(jurisdiction__path__startswith=jurisdiction.path, starts_at__lt=end,
                                         ends_at__gt=start).exclude(jurisdiction=jurisdiction)
                    .values_list("jurisdiction__path", "kind", "ends_at", "handover__id"))
    for path, kind, ends_at, handover_id in below_shifts:
        unit = _unit_of(path, units)
        if unit is not None:
            unit["shifts"] += 1
            unit["handovers_missing"] += kind == ShiftKind.REGULAR and ends_at <= now and handover_id is None
    for report in DailyReport.objects.filter(jurisdiction__in=children, day=day).only(
            "jurisdiction_id", "compiled_at", "summary", "status"):
        unit_rows[report.jurisdiction_id]["report"] = {"id": report.pk, "compiled_at": _iso(report.compiled_at),
                                                       "summary": report.summary, "status": report.status}

    shifts = _shifts(jurisdiction, start, end, now)
    content: dict[str, Any] = {
        "version": CONTENT_VERSION,
        "jurisdiction": {"id": jurisdiction.pk, "code": jurisdiction.code, "name": jurisdiction.name,
                         "level": jurisdiction.level},
        "day": day.isoformat(), "from": _iso(start), "to": _iso(end), "compiled_at": _iso(now),
        "shifts": shifts, "log": own_log, "carried_up": carried,
        "incidents": _incidents(jurisdiction, start, end, units),
        "warnings": _warnings(jurisdiction, start, end),
        "hazards": _hazards(jurisdiction, start, end, units),
        "units": [unit_rows[c.pk] for c in children],
    }
    content["totals"] = {
        "log": len(own_log) + sum(u["log"] for u in content["units"]),
        "events": sum(1 for e in own_log if e["kind"] in CARRIED_UP) + sum(u["events"] for u in content["units"]),
        "incidents": content["incidents"].get("received", 0),
        "warnings": content["warnings"]["released"],
        "hazards": content["hazards"]["reported"],
        "handovers_missing": sum(1 for s in shifts if s["handover_missing"])
        + sum(u["handovers_missing"] for u in content["units"]),
    }
    return content


@transaction.atomic
def compile_report(*, actor: Any, jurisdiction: Jurisdiction, day: datetime.date, summary: str | None = None,
                   now: datetime.datetime | None = None) -> DailyReport:
    """Compile (or compile again) a jurisdiction's daily report of `day` from the ledgers."""
    ensure_in(actor, "duty.compile_report", jurisdiction.path)
    now = now or timezone.now()
    if jurisdiction.level not in DUTY_LEVELS:
        raise ValidationError({"jurisdiction": _("A grid keeps no duty of its own.")})
    if day > times.local_day(now):
        raise ValidationError({"day": _("A day to come has no report yet.")})
    if summary is not None and len(summary) > 4000:
        raise ValidationError({"summary": _("At most %(n)s characters.") % {"n": 4000}})
    report = (DailyReport.objects.select_for_update().filter(jurisdiction=jurisdiction, day=day).first()
              or DailyReport(jurisdiction=jurisdiction, day=day))
    if report.status != ReportStatus.DRAFT:
        raise ValidationError({"day": _("This report is %(status)s: it is compiled again only when back in draft.")
                               % {"status": report.get_status_display()}})
    new = report.pk is None
    report.content = build_content(jurisdiction, day, now)
    report.compiled_at, report.compiled_by = now, actor
    if summary is not None:
        report.summary = summary.strip()
    report.save()
    if new:
        DAILY_REPORT.start(report, actor=actor, now=now)
    return report


def step(report: DailyReport, name: str, *, actor: Any, note: str = "",
         now: datetime.datetime | None = None) -> DailyReport:
    """Review, submit, reopen, receive or return a daily report (workflows.DAILY_REPORT).

    The duty leader reviews what the officer compiled: not the one who compiled it (four eyes). The level
    above says what to correct when it returns a report."""
    now = now or timezone.now()
    if name == "return" and not (note or "").strip():
        raise ValidationError({"note": _("Say what is to be corrected.")})

    def four_eyes(obj: DailyReport) -> None:
        if name == "review" and obj.compiled_by_id == getattr(actor, "pk", None):
            raise ValidationError({"status": _("Someone other than the compiler reviews the report.")})

    with transaction.atomic():
        return DAILY_REPORT.transition(report, name, actor=actor, note=note, now=now, effect=four_eyes)
