"""The indicators measured on the ledgers that exist today, registered in `yingji.core.indicators`.

Each answers `Measured(achieved, required, records)` for one jurisdiction's subtree and one period,
reusing the owning app's own rule (the 1-3-5 clock of incidents, duty's lateness of a report, the
"1+3+1" target rows of coverage, the one phone/ID validator) — never a second definition of it.

Drills, training days and coverage, quiz participation: the `drills` and `training` apps register
theirs in their own `indicators.py` (discovered the same way); see docs/assessments.md.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.expressions import Microseconds
from yingji.core.indicators import Measured, Window, indicator
from yingji.coverage.services.targets import ONE_THREE_ONE, TargetRow
from yingji.duty.models import IncidentReport
from yingji.duty.services.upward import is_late
from yingji.hazards.models import Hazard
from yingji.hazards.models.hazard import HazardStatus
from yingji.incidents.models import Incident
from yingji.incidents.services.clock import TARGETS_S, Measure
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.plans.models import Plan, PlanStatus
from yingji.resources.models import Station
from yingji.supplies.models import Warehouse
from yingji.warnings.models import EarlyWarning, WarningRecipient

CLOCK_FIELDS = {"dispatch": "dispatched_at", "arrival": "arrived_at", "handling": "handled_at"}


def _judged_at(window: Window) -> datetime.datetime:
    """A period still running is judged now; a past one at its end."""
    return min(timezone.now(), window.end_at)


def station_targets(area: Jurisdiction, params: dict[str, Any], communities: int | None = None) -> dict[str, int]:
    """Stations needed by type: `targets` {type: count} ("1+3+1" by default), and for
    `half_of_communities` types, one in at least half of the area's communities ("两过半"; counted
    unless given)."""
    need = {str(k): int(v) for k, v in (params["targets"] if "targets" in params else ONE_THREE_ONE).items()}
    half = params.get("half_of_communities") or []
    if half:
        if communities is None:
            communities = Jurisdiction.objects.filter(level=Level.COMMUNITY, path__startswith=area.path).count()
        for kind in half:
            need[str(kind)] = max(need.get(str(kind), 0), math.ceil(communities / 2))
    return need


@indicator("resources.stations_by_type", _("Stations built by type against targets"),
           record_url=lambda s: reverse("resources:station_detail", args=[s.pk]))
def stations_by_type(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """In-service stations registered by the end of the period, counted by type against the targets
    (coverage's TargetRow says what is missing); `extra` counts the stations beyond the targets."""
    need = station_targets(area, params)
    have: dict[str, int] = {}
    for kind in stations_built(area.path, window, need).values_list("kind", flat=True):
        have[kind] = have.get(kind, 0) + 1
    return stations_measured(area, need, have, stations_built(area.path, window, need).order_by("code"))


def stations_built(path: str, window: Window, need: dict[str, int]) -> Any:
    return Station.objects.in_subtree(path).filter(is_active=True, kind__in=list(need), created_at__lt=window.end_at)


def stations_measured(area: Jurisdiction, need: dict[str, int], have: dict[str, int], records: Any) -> Measured:
    row = TargetRow(area, have, need)
    required = sum(need.values())
    extra = sum(max(0, have.get(kind, 0) - n) for kind, n in need.items())
    return Measured(achieved=required - row.missing_total, required=required, records=records, extra=extra, details={"have": have, "need": need, "missing": row.missing})


@indicator("hazards.closed_on_time", _("Hazards closed on time"),
           record_url=lambda h: reverse("hazards:detail", args=[h.pk]))
def hazards_closed_on_time(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Hazards whose rectification deadline fell in the period: closed by the deadline, out of all."""
    counts = hazards_due(area.path, window).aggregate(**HAZARD_COUNTS)
    return hazards_measured(counts, hazards_due(area.path, window).order_by("deadline"))


HAZARD_COUNTS = {"all": Count("pk"), "on_time": Count("pk", filter=Q(status=HazardStatus.CLOSED,
                                                                       closed_at__lte=F("deadline")))}


def hazards_due(path: str, window: Window) -> Any:
    return (Hazard.objects.in_subtree(path).filter(deadline__gte=window.start_at, deadline__lt=window.end_at)
            .exclude(status=HazardStatus.DISMISSED))


def hazards_measured(counts: dict[str, int], records: Any) -> Measured:
    return Measured(achieved=counts["on_time"], required=counts["all"], records=records)


@indicator("incidents.one_three_five", _("1-3-5 compliance"),
           record_url=lambda i: reverse("incidents:detail", args=[i.pk]))
def one_three_five(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Incidents received in the period whose every 1-3-5 target was met (incidents' clock decides
    what met means; a target never reached is not met). Merged duplicates are not counted."""
    keys = clock_keys(params)
    met = total = 0
    for elapsed in incidents_received(area.path, window).values_list(*elapsed_us(keys)):
        total += 1
        met += all_met(keys, elapsed)
    return incidents_measured(met, total, incidents_received(area.path, window).order_by("received_at"))


def clock_keys(params: dict[str, Any]) -> list[str]:
    return [k for k in ("dispatch", "arrival", "handling") if k in set(params.get("measures") or TARGETS_S)]


def elapsed_us(keys: list[str]) -> list[Microseconds]:
    """Each measure's time since the call in whole microseconds, worked out by the database (as
    clock.aggregate reads them: reading four date-times per incident was most of the indicator's CPU)."""
    return [Microseconds(CLOCK_FIELDS[k], "received_at") for k in keys]


def all_met(keys: list[str], elapsed: Any) -> bool:
    """The clock's own measures (a time before the call counts as 0 s, as clock._seconds says)."""
    return all(Measure(k, None if us is None else max(0.0, us / 1_000_000), TARGETS_S[k]).met
               for k, us in zip(keys, elapsed, strict=True))


def incidents_received(path: str, window: Window) -> Any:
    return Incident.objects.in_subtree(path).filter(received_at__gte=window.start_at, received_at__lt=window.end_at,
                                                    merged_into=None)


def incidents_measured(met: int, total: int, records: Any) -> Measured:
    return Measured(achieved=met, required=total, records=records)


@indicator("warnings.acknowledged", _("Warnings acknowledged"),
           record_url=lambda r: reverse("warnings:progress", args=[r.warning_id]))
def warnings_acknowledged(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """People of the area a warning released in the period went to: those who acknowledged it."""
    # Ids from two small subqueries rather than joins: the recipients' indexes on jurisdiction and
    # warning then serve the count (a join on the path prefix scanned every recipient: 4× slower).
    rows = recipients_of(area.path, window)
    return recipients_measured(rows.aggregate(**RECIPIENT_COUNTS),
                               rows.select_related("warning").order_by("warning_id", "pk"))


RECIPIENT_COUNTS = {"all": Count("pk"), "acknowledged": Count("pk", filter=Q(acknowledged_at__isnull=False))}


def recipients_of(path: str, window: Window) -> Any:
    return WarningRecipient.objects.filter(
        jurisdiction__in=Jurisdiction.objects.filter(path__startswith=path).values("pk"),
        warning__in=EarlyWarning.objects.filter(released_at__gte=window.start_at,
                                                released_at__lt=window.end_at).values("pk"))


def recipients_measured(counts: dict[str, int], records: Any) -> Measured:
    return Measured(achieved=counts["acknowledged"], required=counts["all"], records=records)


@indicator("duty.reports_on_time", _("Duty reports on time"),
           record_url=lambda r: reverse("duty:incident_report", args=[r.pk]))
def duty_reports_on_time(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Incident reports up the chain (首报、续报、终报) due in the period: submitted by their deadline
    (duty's own is_late rule)."""
    judged = _judged_at(window)
    reports = reports_due(area.path, window)
    rows = list(reports.only("pk", "due_at", "submitted_at"))
    return reports_measured(sum(not is_late(r, judged) for r in rows), len(rows), reports.order_by("due_at"))


def reports_due(path: str, window: Window) -> Any:
    return IncidentReport.objects.in_subtree(path).filter(due_at__gte=window.start_at, due_at__lt=window.end_at)


def reports_measured(on_time: int, total: int, records: Any) -> Measured:
    return Measured(achieved=on_time, required=total, records=records)


@indicator("plans.current", _("Plans current"),
           record_url=lambda p: reverse("plans:detail", args=[p.pk]))
def plans_current(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Plans of the area that are approved and not past their review date at the end of the period,
    out of all its plans (at least `min_plans`, 1 by default: an area without a plan scores nothing)."""
    plans = plans_of(area.path, window)
    return plans_measured(params, plans.aggregate(**plan_counts(window)), plans.order_by("title"))


def plans_of(path: str, window: Window) -> Any:
    return Plan.objects.in_subtree(path).filter(created_at__lt=window.end_at)


def plan_counts(window: Window) -> dict[str, Any]:
    current = Q(status=PlanStatus.APPROVED) & (Q(review_due=None) | Q(review_due__gte=window.end))
    return {"all": Count("pk"), "current": Count("pk", filter=current)}


def plans_measured(params: dict[str, Any], counts: dict[str, int], records: Any) -> Measured:
    required = max(counts["all"], int(params.get("min_plans", 1)))
    return Measured(achieved=counts["current"], required=required, records=records)


@indicator("supplies.stock_counted", _("Stock counted"),
           record_url=lambda w: reverse("supplies:warehouse", args=[w.code]))
def stock_counted(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """In-service warehouses of the area counted (盘点) within `days` (90 by default) before the end
    of the period, out of all of them."""
    since = counted_since(window, params)
    warehouses = warehouses_of(area.path, window)
    lasts = list(warehouses.values_list("last_count", flat=True))
    return warehouses_measured(sum(1 for last in lasts if last is not None and last >= since), len(lasts),
                               warehouses.order_by("code"))


def counted_since(window: Window, params: dict[str, Any]) -> datetime.datetime:
    return window.end_at - datetime.timedelta(days=int(params.get("days", 90)))


def warehouses_of(path: str, window: Window) -> Any:
    return (Warehouse.objects.in_subtree(path).filter(is_active=True, created_at__lt=window.end_at)
            .annotate(last_count=Max("counts__counted_at", filter=Q(counts__counted_at__lt=window.end_at))))


def warehouses_measured(counted: int, total: int, records: Any) -> Measured:
    return Measured(achieved=counted, required=total, records=records)


@indicator("quality.ledgers", _("Ledger completeness and quality (三基)"))
def ledger_quality(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Rows of the checked ledgers without a problem (a required field empty, a phone or an ID number
    the one validator refuses, stock not counted), out of all rows: the ledger quality report's figures."""
    from yingji.assessments.quality import quality_report

    report = quality_report(area, stock_days=int(params.get("stock_days", 90)), now=window.end_at)
    return quality_measured(area, report.total_rows, report.problem_rows)


def quality_measured(area: Jurisdiction, rows: int, problem_rows: int) -> Measured:
    return Measured(achieved=rows - problem_rows, required=rows,
                    details={"report": f"{reverse('assessments:quality')}?jurisdiction={area.code}"})
