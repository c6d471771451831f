"""The command dashboard's figures (指挥一张图): one answer per user and area, built from the ledgers.

Every figure starts from the owning app's scoped queryset (`visible_to(user)`), narrowed to the
area's subtree, and is computed by the owning app's own rule where one exists: the 1-3-5 figures
by incidents' `clock.aggregate`, hazards found and closed by hazards' `stats.compute`, reserves
below minimum by supplies' `reports.below_minimum`, who is on duty by duty's `now.shifts_at`.
Drills and training against their targets are the assessment indicators those apps register
(yingji.core.indicators: `drills.held`, `training.days_met`, …), shown when they are installed.

The answer is cached per user and area and dropped whenever a ledger the dashboard shows changes
(signals.py bumps the generation in the cache key), so the wall display refreshes for real when
something happens and the district's answer is computed once per change, not once per screen. The
charts (a year of history, targets for the year) are cached apart for CHART_SECONDS: a change
recomputes the live figures and the attention list, and the charts catch up within minutes.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from yingji.accounts.services import primary_jurisdiction
from yingji.core import indicators
from yingji.duty.services.now import shifts_at
from yingji.hazards.models import Hazard, RiskPoint
from yingji.hazards.models.hazard import DEADLINE_STATUSES, HazardStatus
from yingji.hazards.services import stats as hazard_stats
from yingji.incidents.models import OPEN_STATUSES, Incident, Status
from yingji.incidents.services import clock
from yingji.iot.models import Device, DeviceState
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Station, Team, TeamStatus
from yingji.supplies.models import Warehouse
from yingji.supplies.services.reports import below_minimum_page
from yingji.warnings import progress as warning_progress
from yingji.warnings.models import EarlyWarning, State, WarningInfo

#: Seconds an answer stays cached: the generation key drops it at once on a saved row; writes that bypass
#: signals (bulk updates of a team's status) show within this time.
CACHE_SECONDS = 30
GENERATION_KEY = "dashboard:generation"
#: Months of history in the charts.
CHART_MONTHS = 12
#: Grades counted as "high risk" in the key figures (red and orange, 重大/较大).
HIGH_GRADES = ("red", "orange")


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


def bump_generation(**_kwargs: Any) -> None:
    """A ledger the dashboard shows changed: every cached answer is stale (signals.py)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 1, None)


def focus_area(user: Any, code: str | None) -> Jurisdiction:
    """The area asked for (404 outside the user's scope), else the user's own place."""
    visible = Jurisdiction.objects.visible_to(user)
    if code:
        return get_object_or_404(visible, code=code)
    place = primary_jurisdiction(user)
    if place is not None and visible.filter(pk=place.pk).exists():
        return place
    top = visible.order_by("depth", "path").first()
    if top is None:
        from django.http import Http404

        raise Http404
    return top


def dashboard_data(user: Any, area: Jurisdiction, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The dashboard's whole answer for `area` as `user` sees it (cached, see the module docstring)."""
    key = f"dashboard:data:{generation()}:{user.pk}:{area.pk}:{get_language()}"
    if now is None:
        found = cache.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
    answer = compute(user, area, now=now or timezone.now())
    if now is None:
        cache.set(key, answer, CACHE_SECONDS)
    return answer


def home_data(user: Any, area: Jurisdiction, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The key figures and 今日待办 without the charts: the role home's blocks (home.py), cached as
    `dashboard_data` is and dropped by the same generation, so the home and the dashboard agree."""
    key = f"dashboard:home:{generation()}:{user.pk}:{area.pk}:{get_language()}"
    if now is None:
        found = cache.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
    answer = live(user, area, now=now or timezone.now())
    if now is None:
        cache.set(key, answer, CACHE_SECONDS)
    return answer


def compute(user: Any, area: Jurisdiction, *, now: datetime.datetime) -> dict[str, Any]:
    return {**live(user, area, now=now), "charts": cached_charts(user, area, now)}


def live(user: Any, area: Jurisdiction, *, now: datetime.datetime) -> dict[str, Any]:
    """Everything but the charts: the key figures per child area and in total, and 今日待办."""
    children = list(Jurisdiction.objects.visible_to(user).filter(parent=area).order_by("code")
                    .only("id", "code", "name", "level", "path", "population"))
    rows, totals = key_figures(user, area, children, now)
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level, "level_label": str(area.get_level_display()),
                 "lon": area.centroid_lon, "lat": area.centroid_lat},
        "generated_at": now.isoformat(),
        "columns": [{"key": k, "label": str(label)} for k, label in FIGURE_COLUMNS],
        "child_level_label": str(children[0].get_level_display()) if children else "",
        "rows": rows,
        "totals": totals,
        "total_cells": [{"key": k, "label": str(label), "value": totals.get(k, 0)} for k, label in FIGURE_COLUMNS],
        "attention": attention(user, area, now),
    }


#: The charts are monthly history and yearly targets: kept for this long whatever changes, so that a
#: change (an incident saved) recomputes the live figures and the attention list, not a year of history.
CHART_SECONDS = 300


def cached_charts(user: Any, area: Jurisdiction, now: datetime.datetime) -> dict[str, Any]:
    key = f"dashboard:charts:{user.pk}:{area.pk}:{get_language()}:{timezone.localdate(now).isoformat()}"
    found = cache.get(key)
    if found is None:
        found = charts(user, area, now)
        cache.set(key, found, CHART_SECONDS)
    return found  # type: ignore[no-any-return]


# ------------------------------------------------------------------ key figures per area
FIGURE_COLUMNS: list[tuple[str, Any]] = [
    ("stations", gettext_lazy("Stations")), ("teams_available", gettext_lazy("Teams available")),
    ("teams_on_call", gettext_lazy("Teams on a call")), ("open_incidents", gettext_lazy("Open incidents")),
    ("high_risk_points", gettext_lazy("Red and orange risk points")),
    ("overdue_hazards", gettext_lazy("Overdue hazards")), ("warnings_in_force", gettext_lazy("Warnings in force")),
    ("devices_alarm", gettext_lazy("Devices in alarm or fault")),
]


def figure_queryset(user: Any, area: Jurisdiction, key: str, now: datetime.datetime) -> QuerySet[Any]:
    """The rows one key figure counts (the home's lists read them: the open incidents a community's home
    lists are the ones its 关键指标 counts)."""
    return _figure_querysets(user, area, now)[key][0]


def _figure_querysets(user: Any, area: Jurisdiction, now: datetime.datetime) -> dict[str, tuple[QuerySet[Any], str]]:
    """Each key figure: the scoped rows it counts and the lookup to their jurisdiction's path."""
    return {
        "stations": (Station.objects.visible_to(user).in_subtree(area.path).filter(is_active=True), "jurisdiction__path"),
        "teams_available": (Team.objects.visible_to(user).in_subtree(area.path).filter(status=TeamStatus.AVAILABLE),
                            "jurisdiction__path"),
        "teams_on_call": (Team.objects.visible_to(user).in_subtree(area.path).filter(status=TeamStatus.ON_CALL),
                          "jurisdiction__path"),
        "open_incidents": (Incident.objects.visible_to(user).in_subtree(area.path).filter(status__in=OPEN_STATUSES),
                           "jurisdiction__path"),
        "high_risk_points": (RiskPoint.objects.visible_to(user).in_subtree(area.path)
                             .filter(is_active=True, grade__in=HIGH_GRADES), "jurisdiction__path"),
        "overdue_hazards": (Hazard.objects.visible_to(user).in_subtree(area.path)
                            .filter(status__in=DEADLINE_STATUSES, deadline__lt=now), "jurisdiction__path"),
        "warnings_in_force": (_in_force(user, area, now), "jurisdiction__path"),
        "devices_alarm": (Device.objects.visible_to(user).in_subtree(area.path)
                          .filter(state__in=[DeviceState.ALARM, DeviceState.FAULT]), "jurisdiction__path"),
    }


def _live(warnings: QuerySet[EarlyWarning], now: datetime.datetime) -> QuerySet[EarlyWarning]:
    """Released warnings not expired: the rule of warnings' release guard (workflows._not_expired) —
    expired once every part has an expiry time and the latest has passed."""
    live = WarningInfo.objects.filter(warning=OuterRef("pk")).filter(Q(expires__isnull=True) | Q(expires__gt=now))
    parts = WarningInfo.objects.filter(warning=OuterRef("pk"))
    return warnings.filter(state=State.RELEASED).filter(Exists(live) | ~Exists(parts))


def _in_force(user: Any, area: Jurisdiction, now: datetime.datetime) -> QuerySet[EarlyWarning]:
    """Released warnings issued in the area and not expired."""
    return _live(EarlyWarning.objects.visible_to(user).in_subtree(area.path), now)


def awaiting_acknowledgement(user: Any, area: Jurisdiction, now: datetime.datetime) -> QuerySet[EarlyWarning]:
    """Warnings in force that the user sees and that someone of the area has still to acknowledge ("已收到"):
    warnings' own query of who has not acknowledged (progress.waiting, the partial index
    warning_recipient_waiting), narrowed to the area's street or community as the progress page is.
    A warning issued above the user's place is not theirs to see (the scope rule): its issuer follows it up."""
    if area.level == Level.STREET:
        waiting = warning_progress.waiting(street=area.pk)
    elif area.level == Level.COMMUNITY:
        waiting = warning_progress.waiting(community=area.pk)
    else:
        waiting = warning_progress.waiting()
        if area.level != Level.DISTRICT and area.level != Level.CITY:  # a grid: the people placed in it
            waiting = waiting.filter(jurisdiction__path__startswith=area.path)
    return (_live(EarlyWarning.objects.visible_to(user), now).filter(ask_ack=True)
            .filter(Exists(waiting.filter(warning=OuterRef("pk")))))


def key_figures(user: Any, area: Jurisdiction, children: list[Jurisdiction], now: datetime.datetime
                ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One row per child area (a district's streets, a street's communities, a community's grids), and totals.

    One grouped query per figure: children share a path length, so the row a record counts for is a
    fixed-length prefix of its jurisdiction's path. The role home shows these very rows (home.py).
    """
    by_path: dict[str, dict[str, int]] = {c.path: {} for c in children}
    lengths = {len(c.path) for c in children}
    totals: dict[str, int] = {}
    for key, (queryset, lookup) in _figure_querysets(user, area, now).items():
        totals[key] = queryset.count()
        for length in lengths:
            grouped = (queryset.order_by().annotate(area_path=Substr(lookup, 1, length)).values("area_path")
                       .annotate(n=Count("pk", distinct=True)))
            for row in grouped:
                figures = by_path.get(row["area_path"])
                if figures is not None:
                    figures[key] = row["n"]
    rows = [{"code": c.code, "name": c.name, "level": c.level, "population": c.population,
             "url": reverse("dashboard:index") + f"?area={c.code}",
             "values": {k: by_path[c.path].get(k, 0) for k, _label in FIGURE_COLUMNS}} for c in children]
    for row in rows:  # in column order too, for the templates
        row["cells"] = [{"key": k, "value": row["values"][k]} for k, _label in FIGURE_COLUMNS]
    return rows, totals


# ------------------------------------------------------------------ needs attention today
def attention(user: Any, area: Jurisdiction, now: datetime.datetime) -> list[dict[str, Any]]:
    """What needs someone today, each with how many and a link to the list that shows them."""
    items: list[dict[str, Any]] = []

    def add(key: str, label: str, count: int, url: str, severity: str = "warn") -> None:
        if count:
            items.append({"key": key, "label": label, "count": count, "url": url, "severity": severity})

    sets = _figure_querysets(user, area, now)
    add("unconfirmed_incidents", _("Incidents not yet dispatched"),
        Incident.objects.visible_to(user).in_subtree(area.path).filter(status=Status.REPORTED).count(),
        reverse("incidents:console"), "danger")
    add("overdue_hazards", _("Hazards past their rectification deadline"), sets["overdue_hazards"][0].count(),
        reverse("hazards:list") + "?overdue=1", "danger")
    add("warnings_pending", _("Warnings awaiting approval"),
        EarlyWarning.objects.visible_to(user).in_subtree(area.path).filter(state=State.PENDING).count(),
        reverse("warnings:list") + "?state=pending")
    unacknowledged = list(awaiting_acknowledgement(user, area, now).order_by("-released_at", "-pk")
                          .values_list("pk", flat=True)[:2])
    if unacknowledged:
        # One warning: its progress page, on the area's people; several: the list of those still waiting.
        only = len(unacknowledged) == 1
        where = {Level.STREET: f"?street={area.pk}", Level.COMMUNITY: f"?community={area.pk}"}.get(area.level, "")
        add("warnings_unacknowledged", _("Warnings not yet acknowledged by everyone"),
            1 if only else awaiting_acknowledgement(user, area, now).count(),
            reverse("warnings:progress", args=[unacknowledged[0]]) + where if only
            else reverse("warnings:list") + "?unacknowledged=1")
    add("devices_alarm", _("IoT devices in alarm or fault"), sets["devices_alarm"][0].count(),
        reverse("iot:devices") + "?state=alarm")
    _gaps, _n, short_warehouses = below_minimum_page(Warehouse.objects.visible_to(user).in_subtree(area.path), 0)
    add("low_stock", _("Warehouses below their minimum reserve"), short_warehouses,
        reverse("supplies:operations") + f"?jurisdiction={area.code}")
    add("duty_gaps", _("Command centres without anyone on duty now"), len(duty_gaps(user, area, now)),
        reverse("duty:index"))
    return items


def duty_gaps(user: Any, area: Jurisdiction, now: datetime.datetime) -> list[Jurisdiction]:
    """The area and its streets and communities (those the user sees) with no shift under way now."""
    centres = list(Jurisdiction.objects.visible_to(user).in_subtree(area.path)
                   .filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).only("id", "name", "path"))
    found, _next = shifts_at([j.pk for j in centres], now)
    return [j for j in centres if j.pk not in found]


# ------------------------------------------------------------------ charts
def _month_start(now: datetime.datetime, back: int) -> datetime.date:
    local = timezone.localtime(now).date().replace(day=1)
    year, month = local.year, local.month - back
    while month <= 0:
        year, month = year - 1, month + 12
    return datetime.date(year, month, 1)


def charts(user: Any, area: Jurisdiction, now: datetime.datetime) -> dict[str, Any]:
    start = _month_start(now, CHART_MONTHS - 1)
    end = timezone.localtime(now).date()
    months = hazard_stats.months(start, end)
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    incidents = (Incident.objects.visible_to(user).in_subtree(area.path).exclude(status=Status.CANCELLED)
                 .filter(received_at__gte=begin))
    by_month = {row["key"]: row for row in clock.aggregate(incidents, "month")}
    hz = _hazards_chart(user, area, start, end)
    out: dict[str, Any] = {
        "months": months,
        "incidents": {"count": [by_month.get(m, {}).get("count", 0) for m in months],
                      **{f"{key}_met_pct": [by_month.get(m, {}).get(f"{key}_met_pct") for m in months]
                         for key in clock.TARGETS_S}},
        "hazards": {"found": [hz["found"].get(m, 0) for m in months], "closed": [hz["closed"].get(m, 0) for m in months]},
        "extra": [],
    }
    out["extra"] = targets_chart(area, end)
    return out


#: Drills and training against their targets: the assessment indicators of the apps that keep them
#: (yingji.core.indicators), shown when those apps are installed and register them.
TARGET_INDICATORS = ("drills.held", "drills.comprehensive", "training.days_met", "training.coverage",
                     "training.must_know")


def targets_chart(area: Jurisdiction, today: datetime.date) -> list[dict[str, Any]]:
    """This year so far: each registered drills/training indicator's achieved against required in the area."""
    registry = indicators.discover()
    window = indicators.Window(datetime.date(today.year, 1, 1), today)
    out = []
    for key in TARGET_INDICATORS:
        found = registry.get(key)
        if found is None:
            continue
        measured = found.function(area, window, {})
        out.append({"key": key, "label": str(found.label), "target": measured.required, "done": measured.achieved})
    return out


def _hazards_chart(user: Any, area: Jurisdiction, start: datetime.date, end: datetime.date) -> dict[str, dict[str, int]]:
    """Hazards found (by the month reported) and closed (by the month closed) in the area, the rule of
    hazards' statistics page (hazards/services/stats.py) counted over the area's subtree."""
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    finish = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()))
    rows = Hazard.objects.visible_to(user).in_subtree(area.path)
    found: dict[str, int] = {}
    closed: dict[str, int] = {}
    local = timezone.get_current_timezone()
    for (reported,) in rows.filter(reported_at__gte=begin, reported_at__lt=finish).values_list("reported_at"):
        month = reported.astimezone(local).strftime("%Y-%m")
        found[month] = found.get(month, 0) + 1
    for (done,) in rows.filter(status=HazardStatus.CLOSED, closed_at__gte=begin, closed_at__lt=finish
                               ).values_list("closed_at"):
        month = done.astimezone(local).strftime("%Y-%m")
        closed[month] = closed.get(month, 0) + 1
    return {"found": found, "closed": closed}


def selectable_areas(user: Any) -> list[Jurisdiction]:
    """The district, streets and communities the user may look at, for the area picker."""
    return list(Jurisdiction.objects.visible_to(user).filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY])
                .order_by("path").only("code", "name", "level"))
