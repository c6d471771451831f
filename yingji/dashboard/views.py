"""Pages of the command dashboard: the one map with every layer (指挥一张图) and its wall display (大屏)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yingji.dashboard import services
from yingji.hazards.models import RiskGrade
from yingji.resources.models import FacilityKind, TeamStatus


def page_config(request: HttpRequest, area: Any, *, wall: bool) -> dict[str, Any]:
    """What the page's script needs: the data endpoint, the layers (each an owning app's scoped GeoJSON
    endpoint), and the texts it draws (translated here, so the script holds no language)."""
    q = f"?area={area.code}"
    facilities = reverse("api:facilities_geojson") + "?kind="
    return {
        "area": area.code, "wall": wall,
        "center": [area.centroid_lon, area.centroid_lat] if area.centroid_lon is not None else None,
        "data": reverse("api:dashboard_data") + q,
        "layers": [
            {"key": "stations", "label": _("Stations"), "url": reverse("api:stations_geojson") + f"?jurisdiction={area.code}",
             "on": True},
            {"key": "teams", "label": _("Teams by status"), "url": reverse("api:teams_geojson"), "on": True},
            {"key": "incidents", "label": _("Open incidents"), "url": reverse("api:incidents_geojson"),
             "on": True},
            {"key": "warnings", "label": _("Warnings in force"), "url": reverse("api:dashboard_warnings_geojson") + q,
             "on": True},
            {"key": "risk", "label": _("Risk points by grade"), "url": reverse("api:hazards_riskmap") + q, "on": False},
            {"key": "overdue", "label": _("Overdue hazards"), "url": reverse("api:dashboard_overdue_geojson") + q,
             "on": True},
            {"key": "warehouses", "label": _("Warehouses below minimum"),
             "url": reverse("api:dashboard_low_stock_geojson") + q, "on": False},
            {"key": "shelters", "label": str(FacilityKind.SHELTER.label), "url": facilities + FacilityKind.SHELTER,
             "on": False},
            {"key": "helipads", "label": str(FacilityKind.HELIPAD.label), "url": facilities + FacilityKind.HELIPAD,
             "on": False},
            {"key": "water", "label": str(FacilityKind.WATER_INTAKE.label), "url": facilities + FacilityKind.WATER_INTAKE,
             "on": False},
            {"key": "devices", "label": _("IoT devices by state"), "url": reverse("api:iot_devices_geojson"), "on": False},
        ],
        "grades": {g.value: str(g.label) for g in RiskGrade},
        "team_status": {s.value: str(s.label) for s in TeamStatus},
        "text": {"incidents": _("Incidents"), "dispatch": _("Dispatched within 1 min (%)"),
                 "arrival": _("On scene within 3 min (%)"), "handling": _("Handled within 5 min (%)"),
                 "found": _("Hazards found"), "closed": _("Hazards closed"), "updated": _("Updated"),
                 "nothing": _("Nothing needs attention."), "signed_out": _("Signed out: log in again to resume."),
                 "offline": _("The data could not be refreshed; showing the last figures."),
                 "target": _("Target"), "done": _("Done")},
    }


def _context(request: HttpRequest, *, wall: bool) -> dict[str, Any]:
    area = services.focus_area(request.user, request.GET.get("area") or None)
    return {"area": area, "data": services.dashboard_data(request.user, area),
            "config": page_config(request, area, wall=wall),
            "areas": services.selectable_areas(request.user)}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/index.html", _context(request, wall=False))


@login_required
def wall(request: HttpRequest) -> HttpResponse:
    """The wall display (大屏): full screen, large type, no menus; refreshes by itself."""
    return render(request, "dashboard/wall.html", _context(request, wall=True))
