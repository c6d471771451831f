"""The coverage page: T and a station set in, covered cells, figures per street, targets and siting out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.background import task_worker_seems_down
from yingji.core.files import xlsx_response
from yingji.core.scope import path_allowed
from yingji.coverage.exports import coverage_workbook
from yingji.coverage.models import CandidateSite, CoverageRun, Layout, PlaceKind, ReplayRun, RunStatus
from yingji.coverage.services import report as reports
from yingji.coverage.services import whatif as whatif_service
from yingji.coverage.services.networks import current_network
from yingji.coverage.services.siting import MAX_NEW_SITES
from yingji.coverage.services.studies import latest_run, pending_run, request_replay, request_siting
from yingji.coverage.services.targets import ONE_THREE_ONE, construction_targets
from yingji.hazards.models import RiskGrade
from yingji.jurisdictions.models import Level
from yingji.resources.models import StationKind

BAND_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"]


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for texts in exc.message_dict.values() for m in texts]
    return list(exc.messages)


def _parse(request: HttpRequest) -> tuple[Any, reports.StationSet, float, str | None, list[str]]:
    """Area, station set, minutes and level from the query string; errors fall back to defaults."""
    errors: list[str] = []
    area = reports.resolve_area(request.user, request.GET.get("area") or None)
    try:
        station_set = reports.StationSet.parse(request.GET.getlist("kinds"), request.GET.getlist("candidates"),
                                               request.GET.get("add"))
    except ValidationError as exc:
        errors += _messages_of(exc)
        station_set = reports.StationSet()
    minutes = reports.DEFAULT_MINUTES
    raw = request.GET.get("minutes", "").strip()
    if raw:
        try:
            minutes = reports.check_minutes(float(raw))
        except (ValueError, ValidationError):
            errors.append(_("Choose a target time between 1 and %(n)s minutes.") % {"n": int(reports.MAX_MINUTES)})
            minutes = reports.DEFAULT_MINUTES
    level = request.GET.get("level") or None
    if level not in (None, Level.STREET, Level.COMMUNITY, Level.GRID):
        level = None
    return area, station_set, minutes, level, errors


def _query(area: Any, station_set: reports.StationSet, minutes: float, level: str | None) -> str:
    pairs: list[tuple[str, Any]] = [("area", area.code), ("minutes", f"{minutes:g}")]
    pairs += [("kinds", k) for k in station_set.kinds]
    pairs += [("candidates", c) for c in station_set.candidate_ids]
    if station_set.points:
        pairs.append(("add", ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in station_set.points)))
    if level:
        pairs.append(("level", level))
    return urlencode(pairs)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    area, station_set, minutes, level, errors = _parse(request)
    for message in errors:
        messages.error(request, message)
    try:
        report = reports.compute(request.user, area=area, minutes=minutes, station_set=station_set, level=level)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        station_set = reports.StationSet()
        report = reports.compute(request.user, area=area, minutes=minutes, station_set=station_set, level=level)
    query = _query(area, station_set, minutes, level)
    run = latest_run(request.user, area)
    pending = pending_run(request.user, area)
    candidates = list(CandidateSite.objects.visible_to(request.user).in_subtree(area.path)
                      .order_by("kind", "name").only("pk", "name", "kind", "lon", "lat"))
    chart = {
        "names": [r.name for r in report.rows],
        "covered": [round(r.covered_population) for r in report.rows],
        "uncovered": [round(r.uncovered_population) for r in report.rows],
        "share": [round(r.share * 100, 1) for r in report.rows],
        "labels": {"covered": _("Covered residents"), "uncovered": _("Residents beyond %(m)s min") % {
            "m": f"{minutes:g}"}, "share": _("Covered share (%)")},
    }
    risk_totals = [(RiskGrade(g), report.total.risk_by_grade.get(g, [0, 0])) for g in RiskGrade.values]
    too_many = len(report.cell_h3) > reports.MAX_DRAWN_CELLS
    page = {
        "layers": {name: reverse(f"api:coverage_{name}") + "?" + query
                   for name in ("cells_geojson", "stations_geojson", "risk_points_geojson", "isochrones_geojson")
                   if not (too_many and name == "cells_geojson")},
        "isochrone": reverse("api:coverage_isochrone"), "minutes": minutes,
        "bands": BAND_COLOURS,
        "chart": chart,
        "added": [[lon, lat] for lon, lat in station_set.points],
        "candidates": {str(c.pk): [c.lon, c.lat, c.name] for c in candidates},
        "recommended": run.sites if run else [],
        "center": [area.centroid_lon or 114.05, area.centroid_lat or 22.54],
        "text": {"minutes": _("min"), "residents": _("residents"), "beyond": _("beyond 2×T"),
                 "recommended": _("Recommended site"),
                 "added": _("Added site"), "covered": _("covered"), "uncovered": _("not covered"),
                 "gain": _("newly covered residents"),
                 "isochrones": _("Isochrones of the first %(shown)s of %(total)s stations; click any station for its own.")},
    }
    context = {
        "report": report, "area": area, "too_many_cells": too_many, "minutes": minutes, "station_set": station_set, "query": query,
        "areas": reports.area_choices(request.user), "kinds": StationKind.choices,
        "candidates": candidates, "place_kinds": PlaceKind.choices, "levels": [
            (Level.STREET, Level.STREET.label), (Level.COMMUNITY, Level.COMMUNITY.label), (Level.GRID, Level.GRID.label)],
        "targets": construction_targets(request.user, area),
        "rule": [(StationKind(k).label, n) for k, n in ONE_THREE_ONE.items()],
        "run": run, "pending": pending, "max_new_sites": MAX_NEW_SITES,
        "no_worker": pending is not None and pending.status == RunStatus.QUEUED
        and task_worker_seems_down(pending.created_at),
        "can_site": path_allowed(request.user, "coverage.add_coveragerun", area.path),
        "network": current_network(), "risk_totals": risk_totals,
        "legend": list(zip(BAND_COLOURS, [_("≤ %(m)s min") % {"m": f"{minutes * f:g}"} for f in reports.BANDS]
                           + [_("> %(m)s min") % {"m": f"{minutes * 2:g}"}], strict=True)),
        "page_json": page, "level_label": Level(report.level).label,
    }
    return render(request, "coverage/overview.html", context)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    area, station_set, minutes, level, errors = _parse(request)
    if errors:
        for message in errors:
            messages.error(request, message)
        return redirect("coverage:overview")
    report = reports.compute(request.user, area=area, minutes=minutes, station_set=station_set, level=level)
    communities = [] if report.level == Level.COMMUNITY else reports.compute(
        request.user, area=area, minutes=minutes, station_set=station_set, level=Level.COMMUNITY).rows
    content = coverage_workbook(report, communities, construction_targets(request.user, area))
    return xlsx_response(content, _("coverage"))


@login_required
@require_POST
def siting(request: HttpRequest) -> HttpResponse:
    area = reports.resolve_area(request.user, request.POST.get("area") or None)
    back = reverse("coverage:overview") + "?" + urlencode({"area": area.code})
    try:
        new_sites = int(request.POST.get("new_sites", "5"))
        minutes = float(request.POST.get("minutes", reports.DEFAULT_MINUTES))
    except ValueError:
        messages.error(request, _("Enter whole numbers for K and the target time."))
        return redirect(back)
    try:
        run = request_siting(actor=request.user, area=area, new_sites=new_sites, minutes=minutes,
                             candidate_kind=request.POST.get("candidate_kind", ""),
                             station_kinds=request.POST.getlist("kinds"))
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("Siting study %(n)s queued; the page shows it when it is done.") % {"n": run.pk})
    return redirect(back + f"&minutes={minutes:g}")


# ---------------------------------------------------------------- what-if replay (推演复盘)
@login_required
def whatif(request: HttpRequest) -> HttpResponse:
    """Replay a period's incidents against a station layout; a stored run (?replay=) when one was queued."""
    area = reports.resolve_area(request.user, request.GET.get("area") or None)
    errors: list[str] = []
    result = None
    req = None
    too_many = 0
    stored = None
    if request.GET.get("replay", "").isdigit():
        stored = ReplayRun.objects.visible_to(request.user).filter(pk=int(request.GET["replay"])).first()
        if stored is None:
            raise Http404
        area, result = stored.jurisdiction, stored.result if stored.status == RunStatus.DONE else None
    else:
        try:
            req = whatif_service.parse(request.user, area, request.GET)
        except ValidationError as exc:
            errors = _messages_of(exc)
        if req is not None and "start" in request.GET:
            rows = whatif_service.history(request.user, req)
            if len(rows) > whatif_service.MAX_SYNC_INCIDENTS:
                too_many = len(rows)
            else:
                result = whatif_service.replay(request.user, req, rows=rows)
    runs = list(CoverageRun.objects.visible_to(request.user).filter(jurisdiction=area, status=RunStatus.DONE)[:10])
    page = {"center": [area.centroid_lon or 114.05, area.centroid_lat or 22.54],
            "added": [list(p) for p in (req.points if req else [])],
            "recommended": runs[0].sites if runs else [], "text": {"added": _("Drawn station"),
                                                                  "recommended": _("Recommended site")}}
    return render(request, "coverage/whatif.html", {
        "area": area, "areas": reports.area_choices(request.user), "req": req, "result": result, "errors": errors,
        "too_many": too_many, "stored": stored, "runs": runs, "layouts": Layout.choices, "page_json": page,
        "query": request.GET.urlencode(), "max_sync": whatif_service.MAX_SYNC_INCIDENTS,
        "can_queue": path_allowed(request.user, "coverage.add_replayrun", area.path)})


@login_required
@require_POST
def whatif_queue(request: HttpRequest) -> HttpResponse:
    area = reports.resolve_area(request.user, request.POST.get("area") or None)
    back = reverse("coverage:whatif") + "?" + urlencode({"area": area.code})
    try:
        run = request_replay(actor=request.user,
                                            req=whatif_service.parse(request.user, area, request.POST))
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("Replay %(n)s queued; this page shows it when it is done.") % {"n": run.pk})
    return redirect(reverse("coverage:whatif") + f"?replay={run.pk}")
