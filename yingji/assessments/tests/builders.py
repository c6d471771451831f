"""Constructed ledgers for the assessment tests: every row written directly (bulk_create), so the
figures in docs/assessments.md can be checked by hand against exactly these rows."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from yingji.duty.models import IncidentReport
from yingji.hazards.models import Hazard
from yingji.hazards.models.hazard import HazardStatus
from yingji.incidents.models import Incident
from yingji.plans.models import Plan
from yingji.resources.models import Station
from yingji.supplies.models import StockCount, Warehouse
from yingji.warnings.models import EarlyWarning, WarningRecipient

_n = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute, second))


def stations(where: Any, kind: str, n: int, *, registered: datetime.datetime, active: bool = True) -> list[Station]:
    rows = Station.objects.bulk_create([
        Station(jurisdiction=where, code=f"AS{next(_n):05d}", name=f"{where.name}{kind}站", kind=kind, lon=114.02,
                lat=22.52, address="测试路1号", phone="0755-83000000", is_active=active) for _ in range(n)])
    Station.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=registered)
    return rows


def incident(where: Any, received: datetime.datetime, *, dispatch_s: float | None, arrive_s: float | None,
             handle_s: float | None, **fields: Any) -> Incident:
    def after(s: float | None) -> datetime.datetime | None:
        return None if s is None else received + datetime.timedelta(seconds=s)

    return Incident.objects.bulk_create([Incident(
        jurisdiction=where, type_code="21100", channel="119", lon=114.02, lat=22.52, received_at=received,
        dispatched_at=after(dispatch_s), arrived_at=after(arrive_s), handled_at=after(handle_s), **fields)])[0]


def hazard(where: Any, deadline: datetime.datetime, *, closed: datetime.datetime | None,
           status: str | None = None) -> Hazard:
    return Hazard.objects.bulk_create([Hazard(
        jurisdiction=where, title="楼道堆放杂物", category="old_residential", severity="general", source="grid_worker",
        status=status or (HazardStatus.CLOSED if closed else HazardStatus.ASSIGNED), lon=114.02, lat=22.52,
        reported_at=deadline - datetime.timedelta(days=10), deadline=deadline, closed_at=closed)])[0]


def warning_to(where: Any, released: datetime.datetime, people: int, acknowledged: int) -> EarlyWarning:
    warning = EarlyWarning.objects.bulk_create([EarlyWarning(
        jurisdiction=where, identifier=f"w-{next(_n)}", sender="test", level="yellow", hazard="rainstorm",
        state="released", released_at=released, sent=released)])[0]
    WarningRecipient.objects.bulk_create([
        WarningRecipient(warning=warning, key=f"p{next(_n)}", group="grid_workers", jurisdiction=where,
                         acknowledged_at=released + datetime.timedelta(minutes=5) if i < acknowledged else None)
        for i in range(people)])
    return warning


def duty_report(parent: Incident, due: datetime.datetime, submitted: datetime.datetime | None) -> IncidentReport:
    where = parent.jurisdiction
    return IncidentReport.objects.bulk_create([IncidentReport(
        incident=parent, jurisdiction=where, kind="follow_up", number=next(_n), title="续报", body="…", drafted_at=due,
        due_at=due, submitted_at=submitted, status="submitted" if submitted else "draft")])[0]


def plan(where: Any, *, status: str, review_due: datetime.date | None,
         registered: datetime.datetime) -> Plan:
    row = Plan.objects.bulk_create([Plan(jurisdiction=where, title=f"预案{next(_n)}", kind="special",
                                         status=status, review_due=review_due)])[0]
    Plan.objects.filter(pk=row.pk).update(created_at=registered)
    return row


def warehouse(where: Any, *, registered: datetime.datetime, counted: datetime.datetime | None) -> Warehouse:
    code = f"AW{next(_n):05d}"
    row = Warehouse.objects.bulk_create([Warehouse(
        jurisdiction=where, code=code, name=f"{where.name}{code}", level="community", lon=114.02, lat=22.52,
        keeper_name="仓管", phone="0755-83000001", address="测试路2号")])[0]
    Warehouse.objects.filter(pk=row.pk).update(created_at=registered)
    if counted is not None:
        StockCount.objects.bulk_create([StockCount(warehouse=row, number=f"PD{next(_n):06d}", counted_at=counted)])
    return row
