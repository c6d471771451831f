"""Pages of hazards and risks: the four-colour risk map, the hazards ledger, the grid worker's phone page,
the public report (随手拍), inspections, patrols and statistics.

Pages call the same services as the API; data for maps and charts comes from
the scoped endpoints of /api/v1/hazards/ or is embedded with json_script.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yingji.core.files import xlsx_response
from yingji.hazards import exports
from yingji.hazards.models import RiskCategory, RiskGrade
from yingji.hazards.services import riskmap
from yingji.jurisdictions.models import LEVEL_ORDER, Jurisdiction, Level

GRADE_COLOURS = {"red": "#d32f2f", "orange": "#f57c00", "yellow": "#fbc02d", "blue": "#1976d2"}


def _map_filter(request: HttpRequest) -> tuple[riskmap.MapFilter, list[str]]:
    """The map's filter from the query string; unknown values are dropped with a message."""
    errors = []
    area = None
    code = request.GET.get("area", "").strip()
    if code:
        area = Jurisdiction.objects.visible_to(request.user).filter(code=code).first()
        if area is None:
            errors.append(_("No area with code %(code)s in your jurisdiction.") % {"code": code})
    categories = tuple(c for c in request.GET.getlist("category") if c in RiskCategory.values)
    grades = tuple(g for g in request.GET.getlist("grade") if g in RiskGrade.values)
    return riskmap.MapFilter(area=area, categories=categories, grades=grades), errors


def _query(flt: riskmap.MapFilter) -> str:
    pairs = [("area", flt.area.code)] if flt.area else []
    pairs += [("category", c) for c in flt.categories] + [("grade", g) for g in flt.grades]
    return urlencode(pairs)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The four-colour risk map with counts per street and community."""
    flt, errors = _map_filter(request)
    query = _query(flt)
    top = flt.area or Jurisdiction.objects.visible_to(request.user).order_by("depth", "path").first()
    # Rows one level below the area: streets of a district, communities of a street, grids of a community.
    level = LEVEL_ORDER[min(LEVEL_ORDER.index(top.level) + 1, len(LEVEL_ORDER) - 1)] if top else Level.STREET
    rows = riskmap.counts(request.user, flt, level)
    totals = riskmap.totals(request.user, flt)
    centre = top
    page = {
        "points": reverse("api:hazards_riskmap") + "?" + query,
        "heat": reverse("api:hazards_heat") + "?" + query,
        "colours": GRADE_COLOURS,
        "grades": {g.value: str(g.label) for g in RiskGrade},
        "categories": {c.value: str(c.label) for c in RiskCategory},
        "center": [getattr(centre, "centroid_lon", None) or 114.05, getattr(centre, "centroid_lat", None) or 22.54],
        "text": {"score": _("weighted risk score"), "points": _("risk points")},
    }
    areas = Jurisdiction.objects.visible_to(request.user).filter(
        level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path").only("code", "name", "level")
    context = {
        "errors": errors, "filter": flt, "query": query, "rows": rows, "level_label": Level(level).label,
        "totals": [(RiskGrade(g), totals[g], GRADE_COLOURS[g]) for g in RiskGrade.values],
        "total": sum(totals.values()), "categories": RiskCategory.choices, "grades": RiskGrade.choices,
        "areas": areas, "page_json": page,
    }
    return render(request, "hazards/overview.html", context)


@login_required
def riskmap_export(request: HttpRequest) -> HttpResponse:
    flt, _errors = _map_filter(request)
    return xlsx_response(exports.riskmap_workbook(request.user, flt), _("risk-map"))


