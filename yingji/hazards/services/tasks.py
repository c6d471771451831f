"""A person's hazard work for today: patrols due, hazards to rectify or recheck, own open reports.

The grid worker's phone page and GET /api/v1/hazards/tasks read this; a
fixed handful of queries whatever the size of the district.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yingji.core.scope import granted_paths, path_allowed
from yingji.hazards.models import Hazard, HazardStatus, PatrolPlan, PatrolRecord
from yingji.hazards.models.hazard import DEADLINE_STATUSES, OPEN_STATUSES
from yingji.hazards.services.patrol import period_start
from yingji.jurisdictions.locate import locate
from yingji.jurisdictions.models import Jurisdiction

LIST_LIMIT = 50


def overdue(queryset: QuerySet[Hazard], now: Any = None) -> QuerySet[Hazard]:
    return queryset.filter(status__in=DEADLINE_STATUSES, deadline__lt=now or timezone.now())


def report_jurisdiction(user: Any, lon: float, lat: float) -> Jurisdiction | None:
    """Where a report at (lon, lat) belongs: the deepest jurisdiction there when the user may report in it,
    else the user's own (a grid worker standing just across the boundary still reports into their grid)."""
    found = locate(lon, lat)
    if found is not None and path_allowed(user, "hazards.report", found.path):
        return found
    return home_jurisdiction(user)


def home_jurisdiction(user: Any) -> Jurisdiction | None:
    """Where a user reports by default: the deepest jurisdiction in which they may report hazards."""
    paths = granted_paths(user, "hazards.report")
    if not paths:
        return None
    return Jurisdiction.objects.filter(path=max(paths, key=len)).first()


@dataclass
class PatrolDue:
    plan: PatrolPlan
    period_start: Any
    stops: int
    checked: int

    @property
    def done(self) -> bool:
        return self.checked >= self.stops


@dataclass
class Tasks:
    patrols: list[PatrolDue] = field(default_factory=list)
    to_rectify: list[Hazard] = field(default_factory=list)
    to_recheck: list[Hazard] = field(default_factory=list)
    my_open_reports: list[Hazard] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def hazard(h: Hazard) -> dict[str, Any]:
            return {"id": h.id, "reference": h.reference, "title": h.title, "status": h.status,
                    "status_label": h.get_status_display(), "deadline": h.deadline, "overdue": h.is_overdue(),
                    "jurisdiction": h.jurisdiction.name}
        return {
            "patrols": [{"plan": p.plan.id, "name": p.plan.name, "period_start": p.period_start, "stops": p.stops,
                         "checked": p.checked, "done": p.done} for p in self.patrols],
            "to_rectify": [hazard(h) for h in self.to_rectify],
            "to_recheck": [hazard(h) for h in self.to_recheck],
            "my_open_reports": [hazard(h) for h in self.my_open_reports],
        }


def today(user: Any) -> Tasks:
    now = timezone.now()
    day = timezone.localdate(now)
    tasks = Tasks()
    plans = list(PatrolPlan.objects.visible_to(user).filter(is_active=True, starts_on__lte=day)
                 .filter(Q(worker=user) | Q(worker__isnull=True, jurisdiction__path__in=granted_paths(
                     user, "hazards.patrol")))
                 .annotate(stop_count=Count("stops")).select_related("jurisdiction").order_by("name")[:LIST_LIMIT])
    if plans:
        starts = {p.pk: period_start(p, day) for p in plans}
        checked = {(r["plan_id"], r["period_start"]): r["n"] for r in
                   PatrolRecord.objects.filter(plan__in=plans, period_start__in=set(starts.values()))
                   .values("plan_id", "period_start").annotate(n=Count("check_ins"))}
        tasks.patrols = [PatrolDue(p, starts[p.pk], p.stop_count, checked.get((p.pk, starts[p.pk]), 0))  # type: ignore[attr-defined]
                         for p in plans]
    base = Hazard.objects.select_related("jurisdiction").order_by("deadline", "reported_at")
    tasks.to_rectify = list(base.filter(assignee=user, status__in=DEADLINE_STATUSES)[:LIST_LIMIT])
    tasks.to_recheck = list(base.restrict(user, "recheck").filter(status=HazardStatus.RECHECKING)
                            .exclude(rectified_by=user)[:LIST_LIMIT])
    tasks.my_open_reports = list(base.filter(reported_by=user, status__in=OPEN_STATUSES)
                                 .order_by("-reported_at")[:LIST_LIMIT])
    return tasks
