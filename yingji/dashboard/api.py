"""API of the command dashboard: /api/v1/dashboard/ — its figures and the map layers no other app serves.

The other layers of the map are the owning apps' own scoped GeoJSON endpoints (stations, teams,
incidents, risk points, facilities, warehouses, IoT devices); the page names them in its config.
Everything answers from the caller's scope: an area outside it answers 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Router

from yingji.core.api import ErrorOut, request_user
from yingji.dashboard import services
from yingji.hazards.models import Hazard
from yingji.hazards.models.hazard import DEADLINE_STATUSES
from yingji.supplies.models import Warehouse
from yingji.supplies.services.reports import below_minimum
from yingji.warnings.views import areas_geojson

router = Router(tags=["dashboard"])


@router.get("/data", response={200: dict, 404: ErrorOut}, url_name="dashboard_data")
def data(request: HttpRequest, area: str | None = None) -> Any:
    """Key figures per street (or community, or grid) of the area, the charts and "needs attention today".

    `area`: code of a district, street or community you see; default: your own place. Cached and
    dropped whenever a ledger it shows changes.
    """
    user = request_user(request)
    return services.dashboard_data(user, services.focus_area(user, area))


@router.get("/warnings.geojson", response={200: dict, 404: ErrorOut}, url_name="dashboard_warnings_geojson")
def warnings_geojson(request: HttpRequest, area: str | None = None) -> Any:
    """The target areas of the warnings in force in the area, each feature with its warning's level."""
    user = request_user(request)
    place = services.focus_area(user, area)
    features = []
    warnings = services._in_force(user, place, timezone.now()).order_by("-released_at")[:200]
    for warning in warnings:
        for feature in areas_geojson(warning)["features"]:
            feature["properties"].update({"warning": warning.pk, "level": warning.level,
                                          "level_label": str(warning.get_level_display()),
                                          "hazard": str(warning.get_hazard_display())})
            features.append(feature)
    return {"type": "FeatureCollection", "features": features}


@router.get("/hazards-overdue.geojson", response={200: dict, 404: ErrorOut}, url_name="dashboard_overdue_geojson")
def overdue_geojson(request: HttpRequest, area: str | None = None) -> Any:
    """Hazards past their rectification deadline in the area, as points."""
    user = request_user(request)
    place = services.focus_area(user, area)
    rows = (Hazard.objects.visible_to(user).in_subtree(place.path)
            .filter(status__in=DEADLINE_STATUSES, deadline__lt=timezone.now())
            .values_list("pk", "reference", "title", "lon", "lat", "deadline")[:2000])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"id": pk, "reference": ref, "title": title, "deadline": deadline.isoformat(),
                        "url": reverse("hazards:detail", args=[pk])}} for pk, ref, title, lon, lat, deadline in rows]}


@router.get("/low-stock.geojson", response={200: dict, 404: ErrorOut}, url_name="dashboard_low_stock_geojson")
def low_stock_geojson(request: HttpRequest, area: str | None = None) -> Any:
    """Warehouses of the area holding less than their level's minimum reserve of some material
    (supplies' own rule, reports.below_minimum), with how many materials fall short."""
    user = request_user(request)
    place = services.focus_area(user, area)
    short: dict[int, list[Any]] = {}
    for gap in below_minimum(Warehouse.objects.visible_to(user).in_subtree(place.path)):
        short.setdefault(gap.warehouse.pk, [gap.warehouse, 0])[1] += 1
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [w.lon, w.lat]},
         "properties": {"code": w.code, "name": w.name, "state": "below_minimum", "materials_short": n}}
        for w, n in short.values()]}
