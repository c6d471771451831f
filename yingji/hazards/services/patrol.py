"""Patrols: plans per grid, GPS check-ins within the plan's tolerance, finished and missed patrols.

A plan asks for one patrol per period (a day, or an ISO week from Monday). A
check-in is refused, with the distance, when the phone's position is farther
from the point than the plan's tolerance; the patrol is done when every stop
has a check-in. A period that ended without a finished patrol is missed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.accounts.models import Membership
from yingji.core.scope import ensure, ensure_in
from yingji.hazards import checklists
from yingji.hazards.models import (
    CheckIn,
    HazardSource,
    PatrolFrequency,
    PatrolPlan,
    PatrolRecord,
    PatrolStop,
    RiskPoint,
)
from yingji.hazards.services.photos import check_photos, store
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.routing.geo import haversine_m

PLAN_FIELDS = ("name", "worker", "frequency", "tolerance_m", "starts_on", "is_active")


def period_start(plan: PatrolPlan | str, day: datetime.date) -> datetime.date:
    """The first day of the period containing `day` (the day itself, or that week's Monday)."""
    frequency = plan if isinstance(plan, str) else plan.frequency
    return day if frequency == PatrolFrequency.DAILY else day - datetime.timedelta(days=day.weekday())


def period_length(frequency: str) -> datetime.timedelta:
    return datetime.timedelta(days=1 if frequency == PatrolFrequency.DAILY else 7)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(haversine_m(lon1, lat1, lon2, lat2))


# ---------------------------------------------------------------- plans
def route_points(user: Any, codes: Sequence[str]) -> list[RiskPoint]:
    """The risk points of a route given as codes in walking order (the web form's and the API's), as the
    user sees them; unknown or out-of-sight codes refuse the route, named."""
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not codes:
        raise ValidationError({"route": _("Choose at least one risk point.")})
    found = {p.code: p for p in RiskPoint.objects.visible_to(user).filter(code__in=codes)
             .select_related("jurisdiction")}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError({"route": _("No risk point with these codes in your area: %(codes)s.") % {
            "codes": "、".join(unknown)}})
    return [found[c] for c in codes]


@transaction.atomic
def create_plan(*, actor: Any, jurisdiction: Jurisdiction, name: str, points: Sequence[RiskPoint],
                starts_on: datetime.date | None = None, **fields: Any) -> PatrolPlan:
    """A patrol plan of a grid through `points` in this order."""
    ensure_in(actor, "hazards.add_patrolplan", jurisdiction.path)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    if jurisdiction.level != Level.GRID:
        raise ValidationError({"jurisdiction": _("A patrol plan belongs to a grid.")})
    plan = PatrolPlan(jurisdiction=jurisdiction, name=name.strip(), starts_on=starts_on or timezone.localdate(),
                      **fields)
    if not plan.name:
        raise ValidationError({"name": _("This field is required.")})
    if plan.frequency not in PatrolFrequency.values:
        raise ValidationError({"frequency": _("Unknown frequency.")})
    if not 5 <= plan.tolerance_m <= 5000:
        raise ValidationError({"tolerance_m": _("Between 5 and 5000 metres.")})
    _check_worker(plan)
    plan.save()
    set_stops(plan, points, actor=actor)
    return plan


def _check_worker(plan: PatrolPlan) -> None:
    """The plan's grid worker must hold a role in the grid's community (the one who walks it)."""
    if plan.worker_id is None:
        return
    community_path = plan.jurisdiction.path.rsplit("/", 2)[0] + "/"
    if not Membership.objects.filter(user_id=plan.worker_id, user__is_active=True,
                                     jurisdiction__path__startswith=community_path).exists():
        raise ValidationError({"worker": _("The grid worker must hold a role in the grid's community.")})


@transaction.atomic
def update_plan(plan: PatrolPlan, *, actor: Any, points: Sequence[RiskPoint] | None = None,
                **fields: Any) -> PatrolPlan:
    """Change a plan's fields (PLAN_FIELDS, and its grid within the actor's area) and, given `points`, its route."""
    ensure(actor, "change", plan)
    unknown = set(fields) - {*PLAN_FIELDS, "jurisdiction"}
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    if "jurisdiction" in fields:
        if fields["jurisdiction"].level != Level.GRID:
            raise ValidationError({"jurisdiction": _("A patrol plan belongs to a grid.")})
        ensure_in(actor, "hazards.change_patrolplan", fields["jurisdiction"].path)
    for key, value in fields.items():
        setattr(plan, key, value.strip() if key == "name" and isinstance(value, str) else value)
    if not plan.name:
        raise ValidationError({"name": _("This field is required.")})
    if plan.frequency not in PatrolFrequency.values:
        raise ValidationError({"frequency": _("Unknown frequency.")})
    if not 5 <= plan.tolerance_m <= 5000:
        raise ValidationError({"tolerance_m": _("Between 5 and 5000 metres.")})
    _check_worker(plan)
    plan.save()
    if points is not None:
        set_stops(plan, points, actor=actor)
    elif "jurisdiction" in fields:  # the route must still lie in the (new) grid's community
        set_stops(plan, [s.risk_point for s in plan.stops.select_related("risk_point__jurisdiction")], actor=actor)
    return plan


@transaction.atomic
def set_stops(plan: PatrolPlan, points: Sequence[RiskPoint], *, actor: Any) -> None:
    """The plan's route: these risk points, in this order; each must lie in the plan's community."""
    ensure(actor, "change", plan)
    if not points:
        raise ValidationError({"points": _("Choose at least one risk point.")})
    community_path = plan.jurisdiction.path.rsplit("/", 2)[0] + "/"
    outside = [p.code for p in points if not p.jurisdiction.path.startswith(community_path)]
    if outside:
        raise ValidationError({"points": _("These risk points lie outside the grid's community: %(codes)s.") % {
            "codes": ", ".join(outside)}})
    plan.stops.all().delete()
    PatrolStop.objects.bulk_create([PatrolStop(plan=plan, risk_point=p, order=i) for i, p in enumerate(points)])


# ---------------------------------------------------------------- check-ins
@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    record: PatrolRecord
    hazard: Any = None
    created: bool = True  # False: a resend of a check-in already recorded (same idempotency key)


def _resent(actor: Any, key: str) -> CheckInResult | None:
    """The check-in this actor already sent with this idempotency key, if any (the queued phone's retry)."""
    if not key or actor is None:
        return None
    found = CheckIn.objects.filter(checked_by=actor, idempotency_key=key).select_related("record").first()
    if found is None:
        return None
    return CheckInResult(found, found.record, found.hazards.order_by("pk").first(), created=False)


def check_in(*, actor: Any, plan: PatrolPlan, risk_point: RiskPoint, lon: float, lat: float,
             accuracy_m: float | None = None, answers: list[dict[str, Any]] | None = None, note: str = "",
             photos: Sequence[Any] = (), hazard: dict[str, Any] | None = None,
             at: datetime.datetime | None = None, idempotency_key: str = "") -> CheckInResult:
    """Check in at a stop of the plan; refused with the distance when outside the tolerance.

    `hazard` ({title, severity, description}) reports a hazard found at the point (source: patrol).
    The same (actor, `idempotency_key`) again answers the first check-in (created False) and writes
    nothing: a phone's queue resends until it hears back, as it does a hazard report.
    """
    ensure_in(actor, "hazards.patrol", plan.jurisdiction.path)
    key = (idempotency_key or "").strip()[:64]
    resent = _resent(actor, key)
    if resent is not None:
        return resent
    at = at or timezone.now()
    if not plan.is_active:
        raise ValidationError({"plan": _("This patrol plan is no longer active.")})
    if not plan.stops.filter(risk_point=risk_point).exists():
        raise ValidationError({"risk_point": _("This risk point is not on the patrol plan.")})
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError({"lon": _("Coordinates must be longitude, latitude in WGS-84 degrees.")})
    distance = distance_m(lon, lat, risk_point.lon, risk_point.lat)
    if distance > plan.tolerance_m:
        raise ValidationError({"lon": _(
            "You are %(distance)s m from %(point)s; check in within %(tolerance)s m of it.") % {
            "distance": round(distance), "point": risk_point.name, "tolerance": plan.tolerance_m}})
    cleaned_answers = _answers(answers or [], risk_point.category)
    images = check_photos(list(photos))
    with transaction.atomic():
        record = _record_for(plan, actor, at)
        try:
            with transaction.atomic():
                item = CheckIn.objects.create(record=record, risk_point=risk_point, jurisdiction=plan.jurisdiction,
                                              at=at, lon=lon, lat=lat, accuracy_m=accuracy_m,
                                              distance_m=round(distance, 1), answers=cleaned_answers, note=note[:500],
                                              checked_by=actor, idempotency_key=key)
        except IntegrityError as exc:
            resent = _resent(actor, key)  # the same key arrived twice at once: the other request's stands
            if resent is not None:
                return resent
            raise ValidationError({"risk_point": _("You have already checked in at this point for this patrol.")}) \
                from exc
        store(images, owner=item, actor=actor)
        found = None
        if hazard:
            from yingji.hazards.services.hazards import report_hazard

            found = report_hazard(actor=actor, source=HazardSource.PATROL, jurisdiction=plan.jurisdiction,
                                  lon=lon, lat=lat, risk_point=risk_point, check_in=item,
                                  category=risk_point.category, **hazard)
        done = record.check_ins.count()
        if done >= plan.stops.count() and record.finished_at is None:
            record.finished_at = at
            record.save(update_fields=["finished_at"])
    return CheckInResult(item, record, found)


def _answers(answers: list[dict[str, Any]], category: str) -> list[dict[str, Any]]:
    """The checklist as answered, by item key: every item once, ok unless answered otherwise.

    An answer names its item by `key` (checklists.py); an older phone's `item`, the question's text in
    any of the site's languages, is read as the same key."""
    given: dict[str, dict[str, Any]] = {}
    unknown = []
    for answer in answers:
        if not isinstance(answer, dict):
            continue
        named = str(answer.get("key") or answer.get("item") or "")
        key = checklists.key_for(category, named)
        if key is None:
            unknown.append(named)
        else:
            given[key] = answer
    if unknown:
        raise ValidationError({"answers": _("Not on this point's checklist: %(items)s.") % {
            "items": "、".join(sorted(unknown))}})
    return [{"key": item.key, "ok": bool(given.get(item.key, {}).get("ok", True)),
             "note": str(given.get(item.key, {}).get("note", ""))[:200]}
            for item in checklists.checklist(category)]


def _record_for(plan: PatrolPlan, actor: Any, at: datetime.datetime) -> PatrolRecord:
    day = timezone.localdate(at)
    start = period_start(plan, day)
    record, _created = PatrolRecord.objects.get_or_create(
        plan=plan, period_start=start,
        defaults={"jurisdiction_id": plan.jurisdiction_id, "worker": actor, "started_at": at})
    return record


# ---------------------------------------------------------------- missed patrols
@dataclass(frozen=True)
class MissedPatrol:
    plan: PatrolPlan
    period_start: datetime.date
    checked: int
    stops: int


def missed_patrols(queryset: Any, since: datetime.date, until: datetime.date | None = None) -> list[MissedPatrol]:
    """Periods between `since` and `until` (yesterday) of the plans in `queryset` without a finished patrol.

    Only periods that have ended count; four queries whatever the number of plans.
    """
    return missed_patrols_page(queryset, since, None, until)[0]


def missed_patrols_page(queryset: Any, since: datetime.date, first: int | None,
                        until: datetime.date | None = None) -> tuple[list[MissedPatrol], int]:
    """The `first` missed periods (all when None), newest first, and how many there are."""
    periods = missed_periods(queryset, since, until)
    return periods[:first], len(periods)


class MissedPeriods(Sequence[MissedPatrol]):
    """The missed periods as plain rows, newest first; a slice reads the plans of its rows as models,
    with their jurisdiction and worker (so a Paginator reads a page's plans only: the district's
    patrols page built ~1,800 models for its 600 active plans, issue 13)."""

    def __init__(self, rows: list[tuple[datetime.date, str, str, int, int]], stops: dict[int, int]) -> None:
        self._rows, self._stops = rows, stops

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            return self[index:index + 1 or None][0]  # out of range: IndexError from the empty slice
        shown = self._rows[index]
        loaded = PatrolPlan.objects.select_related("jurisdiction", "worker").in_bulk({row[3] for row in shown})
        return [MissedPatrol(loaded[pk], start, count, self._stops.get(pk, 0))
                for start, _path, _name, pk, count in shown]


def missed_periods(queryset: Any, since: datetime.date, until: datetime.date | None = None) -> MissedPeriods:
    """Periods between `since` and `until` (yesterday) of the plans in `queryset` without a finished
    patrol, worked out on plain rows (four queries whatever the number of plans)."""
    until = until or timezone.localdate() - datetime.timedelta(days=1)
    active = queryset.filter(is_active=True)
    plans = list(active.values_list("pk", "frequency", "starts_on", "jurisdiction__path", "name"))
    if not plans:
        return MissedPeriods([], {})
    stops: dict[int, int] = {}
    for plan_id in PatrolStop.objects.filter(plan__in=active.values("pk")).values_list("plan_id", flat=True):
        stops[plan_id] = stops.get(plan_id, 0) + 1
    records = {(r["plan_id"], r["period_start"]): r for r in
               PatrolRecord.objects.filter(plan__in=active.values("pk"),
                                           period_start__gte=period_start("weekly", since))
               .values("plan_id", "period_start", "finished_at", "pk")}
    checked: dict[int, int] = {}
    for record_id in CheckIn.objects.filter(record_id__in=[r["pk"] for r in records.values()
                                                            if r["finished_at"] is None]
                                            ).values_list("record_id", flat=True):
        checked[record_id] = checked.get(record_id, 0) + 1
    missed: list[tuple[datetime.date, str, str, int, int]] = []
    for pk, frequency, starts_on, path, name in plans:
        step = period_length(frequency)
        start = period_start(frequency, max(since, starts_on))
        if start < starts_on:
            start += step  # a week that began before the plan is not owed
        while start + step - datetime.timedelta(days=1) <= until:
            record = records.get((pk, start))
            if record is None or record["finished_at"] is None:
                missed.append((start, path, name, pk, checked.get(record["pk"], 0) if record else 0))
            start += step
    missed.sort(key=lambda m: (m[0], m[1], m[2]), reverse=True)
    return MissedPeriods(missed, stops)
