"""Hazard statistics: found, closed and overdue per street and month; time to close; recurrence at a place.

One read of the hazards in scope and period (plain tuples), folded in Python:
a district's year is tens of thousands of rows.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from yingji.hazards.models import Hazard, HazardStatus
from yingji.hazards.services.escalation import ancestor_path
from yingji.jurisdictions.models import Jurisdiction, Level

# Two hazards of one category this close (or at one risk point) within a year are "the same place again".
RECURRENCE_METRES = 50
RECURRENCE_DAYS = 365


def months(start: datetime.date, end: datetime.date) -> list[str]:
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass
class StreetStats:
    street: Jurisdiction
    found: dict[str, int] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)
    close_days: list[float] = field(default_factory=list)
    recurrent: int = 0

    @property
    def found_total(self) -> int:
        return sum(self.found.values())

    @property
    def closed_total(self) -> int:
        return sum(self.closed.values())

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue.values())

    @property
    def average_close_days(self) -> float | None:
        return round(sum(self.close_days) / len(self.close_days), 1) if self.close_days else None


@dataclass
class Place:
    label: str
    street: str
    count: int


@dataclass
class HazardStats:
    months: list[str]
    streets: list[StreetStats]
    places: list[Place]
    open_now: int
    overdue_now: int

    def chart(self) -> dict[str, Any]:
        return {"months": self.months, "streets": [s.street.name for s in self.streets],
                "found": [sum(s.found.get(m, 0) for s in self.streets) for m in self.months],
                "closed": [sum(s.closed.get(m, 0) for s in self.streets) for m in self.months],
                "overdue": [sum(s.overdue.get(m, 0) for s in self.streets) for m in self.months],
                "average_days": [s.average_close_days or 0 for s in self.streets],
                "recurrent": [s.recurrent for s in self.streets]}


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon1) * 111_320 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, (lat2 - lat1) * 110_540)


def compute(user: Any, start: datetime.date, end: datetime.date) -> HazardStats:
    """Figures of the hazards the user sees, reported from `start` to `end` (inclusive), per street."""
    now = timezone.now()
    streets = {s.path: StreetStats(s) for s in
               Jurisdiction.objects.visible_to(user).filter(level=Level.STREET).order_by("code")}
    if not streets:  # a community officer: one row for their own area
        top = Jurisdiction.objects.visible_to(user).order_by("depth", "path").first()
        if top is not None:
            streets = {top.path: StreetStats(top)}
    depth = {len(p.strip("/").split("/")) - 1 for p in streets}
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    finish = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()))
    rows = (Hazard.objects.visible_to(user).filter(reported_at__gte=begin, reported_at__lt=finish)
            .order_by("reported_at").values_list("jurisdiction__path", "status", "reported_at", "closed_at",
                                                 "deadline", "category", "risk_point_id", "lon", "lat",
                                                 "risk_point__name"))
    seen: dict[tuple[Any, ...], list[tuple[datetime.datetime, float, float]]] = defaultdict(list)
    places: dict[tuple[str, str], int] = defaultdict(int)
    local = timezone.get_current_timezone()
    for path, status, reported, closed, deadline, category, point_id, lon, lat, point_name in rows.iterator(2000):
        row = None
        for d in depth:
            row = streets.get(ancestor_path(path, d))
            if row is not None:
                break
        if row is None:
            continue
        month = reported.astimezone(local).strftime("%Y-%m")
        row.found[month] = row.found.get(month, 0) + 1
        if status == HazardStatus.CLOSED and closed is not None:
            closed_month = closed.astimezone(local).strftime("%Y-%m")
            row.closed[closed_month] = row.closed.get(closed_month, 0) + 1
            row.close_days.append((closed - reported).total_seconds() / 86400)
        if deadline is not None and status != HazardStatus.DISMISSED and \
                (closed or now) > deadline and deadline <= now:
            due_month = deadline.astimezone(local).strftime("%Y-%m")
            row.overdue[due_month] = row.overdue.get(due_month, 0) + 1
        # Recurrence: the same risk point, or the same category within RECURRENCE_METRES, in the last year.
        key: tuple[Any, ...] = ("point", point_id) if point_id else ("cell", category, round(lon, 3), round(lat, 3))
        earlier = seen[key]
        if any((reported - t).days <= RECURRENCE_DAYS and _metres(lon, lat, x, y) <= RECURRENCE_METRES
               for t, x, y in earlier[-20:]):
            row.recurrent += 1
            places[(point_name or f"{lon:.4f}, {lat:.4f}", row.street.name)] += 1
        earlier.append((reported, lon, lat))
    open_qs = Hazard.objects.visible_to(user).filter(status__in=[
        HazardStatus.REPORTED, HazardStatus.ASSIGNED, HazardStatus.RECTIFYING, HazardStatus.RECHECKING])
    overdue_now = open_qs.filter(status__in=[HazardStatus.ASSIGNED, HazardStatus.RECTIFYING], deadline__lt=now)
    top = sorted((Place(label, street, n + 1) for (label, street), n in places.items()), key=lambda p: -p.count)[:15]
    return HazardStats(months(start, end), list(streets.values()), top, open_qs.count(), overdue_now.count())
