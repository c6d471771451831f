"""API of hazards and risks: /api/v1/hazards/.

    /risk-points[/{code}[/gradings|/history]], /risk-points/export|import   the risk-point register
    /riskmap.geojson, /riskmap/heat.geojson, /riskmap/counts, /riskmap/export   the four-colour map
    /hazards[/{id}], /tasks                                                 hazards and a worker's day

Every answer is built from the caller's scope; out of scope answers 404.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.audit.services import history_rows
from yingji.core.api import (
    ErrorOut,
    ImportResultOut,
    ListFilters,
    Pagination,
    apply_list_filters,
    request_user,
)
from yingji.core.files import xlsx_response
from yingji.hazards import exports
from yingji.hazards.imports import RiskPointTable
from yingji.hazards.models import Hazard, HazardStatus, RiskCategory, RiskGrade, RiskPoint
from yingji.hazards.schemas import (
    AreaCountOut,
    GradingOut,
    HazardIn,
    HazardOut,
    RiskPointIn,
    RiskPointOut,
    RiskPointPatch,
)
from yingji.hazards.services import hazards as hazard_services
from yingji.hazards.services import risk as risk_services
from yingji.hazards.services import riskmap, tasks
from yingji.jurisdictions.models import Jurisdiction, Level

router = Router(tags=["hazards"])


def _jurisdiction(request: HttpRequest, code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)), code=code)


def _visible_point(request: HttpRequest, code: str) -> RiskPoint:
    return get_object_or_404(RiskPoint.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             code=code)


# ---------------------------------------------------------------- risk points
@router.get("/risk-points", response=list[RiskPointOut])
@paginate(Pagination)
def risk_points(request: HttpRequest, filters: Query[ListFilters], grade: RiskGrade | None = None,
                category: RiskCategory | None = None):  # type: ignore[no-untyped-def]
    queryset = RiskPoint.objects.visible_to(request_user(request)).select_related("jurisdiction")
    queryset = apply_list_filters(queryset, filters, search_fields=("name", "code", "address"))
    if grade:
        queryset = queryset.filter(grade=grade)
    if category:
        queryset = queryset.filter(category=category)
    return queryset.order_by("code")


@router.post("/risk-points", response={201: RiskPointOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def create_risk_point(request: HttpRequest, payload: RiskPointIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    jurisdiction = _jurisdiction(request, data.pop("jurisdiction"))
    point = risk_services.create_risk_point(actor=user, jurisdiction=jurisdiction, **data)
    return Status(201, RiskPoint.objects.select_related("jurisdiction").get(pk=point.pk))


@router.get("/risk-points/export", response={200: None})
def export_risk_points(request: HttpRequest) -> HttpResponse:
    """The risk points you may export, as .xlsx (the import template when you have none)."""
    return xlsx_response(RiskPointTable(request_user(request)).to_xlsx(), _("risk-points"))


@router.post("/risk-points/import", response={200: ImportResultOut, 422: ImportResultOut})
def import_risk_points(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Create or update risk points from .xlsx/.csv by code; all rows or none."""
    result = RiskPointTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


@router.get("/risk-points/{code}", response={200: RiskPointOut, 404: ErrorOut})
def risk_point(request: HttpRequest, code: str) -> RiskPoint:
    return _visible_point(request, code)


@router.patch("/risk-points/{code}", response={200: RiskPointOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def change_risk_point(request: HttpRequest, code: str, payload: RiskPointPatch) -> RiskPoint:
    point = _visible_point(request, code)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    nulls = [name for name, value in data.items() if value is None and name not in ("area", "review_date")]
    if nulls:
        raise ValidationError({name: _("This field cannot be empty.") for name in nulls})
    risk_services.update_risk_point(point, actor=request_user(request), reason=reason, **data)
    return _visible_point(request, code)


@router.delete("/risk-points/{code}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_risk_point(request: HttpRequest, code: str) -> Any:
    point = _visible_point(request, code)
    risk_services.delete_risk_point(point, actor=request_user(request))
    return Status(204, None)


@router.get("/risk-points/{code}/gradings", response={200: list[GradingOut], 404: ErrorOut})
def gradings(request: HttpRequest, code: str) -> Any:
    """The grading history of a risk point, newest first."""
    return list(_visible_point(request, code).gradings.all())


@router.get("/risk-points/{code}/history", response={200: list[dict[str, Any]], 404: ErrorOut})
def risk_point_history(request: HttpRequest, code: str) -> Any:
    return history_rows(_visible_point(request, code))


# ---------------------------------------------------------------- the four-colour map
def _map_filter(request: HttpRequest, area: str | None, category: list[str], grade: list[str]) -> riskmap.MapFilter:
    unknown = [c for c in category if c not in RiskCategory.values]
    if unknown:
        raise ValidationError({"category": _("Unknown category: %(c)s.") % {"c": ", ".join(unknown)}})
    unknown = [g for g in grade if g not in RiskGrade.values]
    if unknown:
        raise ValidationError({"grade": _("Unknown grade: %(g)s.") % {"g": ", ".join(unknown)}})
    return riskmap.MapFilter(area=_jurisdiction(request, area) if area else None, categories=tuple(category),
                             grades=tuple(grade))


@router.get("/riskmap.geojson", response={200: None, 404: ErrorOut, 422: ErrorOut}, url_name="hazards_riskmap")
def riskmap_geojson(request: HttpRequest, area: str | None = None, category: list[str] = Query([]),
                    grade: list[str] = Query([])) -> HttpResponse:
    """Active risk points you see (points, and polygons for areas), coloured by grade on the map."""
    flt = _map_filter(request, area, category, grade)
    return HttpResponse(riskmap.geojson_bytes(request_user(request), flt), content_type="application/geo+json")


@router.get("/riskmap/heat.geojson", response={200: dict, 404: ErrorOut, 422: ErrorOut}, url_name="hazards_heat")
def riskmap_heat(request: HttpRequest, area: str | None = None, category: list[str] = Query([]),
                 grade: list[str] = Query([])) -> dict[str, Any]:
    """Communities with their weighted risk score (red 4, orange 3, yellow 2, blue 1) and counts per grade."""
    return riskmap.heat_geojson(request_user(request), _map_filter(request, area, category, grade))


@router.get("/riskmap/counts", response={200: list[AreaCountOut], 404: ErrorOut, 422: ErrorOut})
def riskmap_counts(request: HttpRequest, level: Level = Level.STREET, area: str | None = None,
                   category: list[str] = Query([]), grade: list[str] = Query([])) -> list[dict[str, Any]]:
    """Active risk points per grade in each street (or community) you see."""
    flt = _map_filter(request, area, category, grade)
    return [{"code": r.jurisdiction.code, "name": r.jurisdiction.name, "level": r.jurisdiction.level,
             **r.by_grade, "total": r.total, "score": r.score}
            for r in riskmap.counts(request_user(request), flt, level)]


@router.get("/riskmap/export", response={200: None, 404: ErrorOut, 422: ErrorOut})
def riskmap_export(request: HttpRequest, area: str | None = None, category: list[str] = Query([]),
                   grade: list[str] = Query([])) -> HttpResponse:
    """Counts per street and community and the points, as .xlsx."""
    flt = _map_filter(request, area, category, grade)
    return xlsx_response(exports.riskmap_workbook(request_user(request), flt), _("risk-map"))


# ---------------------------------------------------------------- hazards
@router.post("/hazards", response={201: HazardOut, 200: HazardOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def report(request: HttpRequest, payload: Form[HazardIn], photos: File[list[UploadedFile]] = None) -> Any:  # type: ignore[assignment]
    """Report a hazard (multipart, with photos). The same idempotency key again answers 200 with the first one."""
    user = request_user(request)
    data = payload.dict()
    code = data.pop("jurisdiction")
    jurisdiction = _jurisdiction(request, code) if code else tasks.home_jurisdiction(user)
    if jurisdiction is None:
        raise ValidationError({"jurisdiction": _("Give the code of the grid or community.")})
    point_code = data.pop("risk_point")
    point = _visible_point(request, point_code) if point_code else None
    hazard, created = hazard_services.report_hazard_once(actor=user, jurisdiction=jurisdiction, risk_point=point,
                                                         photos=photos or [], **data)
    return Status(201 if created else 200, Hazard.objects.select_related("jurisdiction").get(pk=hazard.pk))


@router.get("/hazards", response=list[HazardOut])
@paginate(Pagination)
def hazard_list(request: HttpRequest, filters: Query[ListFilters], status: HazardStatus | None = None,
                overdue: bool = False):  # type: ignore[no-untyped-def]
    queryset = Hazard.objects.visible_to(request_user(request)).select_related("jurisdiction")
    queryset = apply_list_filters(queryset, filters, search_fields=("title", "reference", "address"))
    if status:
        queryset = queryset.filter(status=status)
    if overdue:
        queryset = tasks.overdue(queryset)
    return queryset.order_by("-reported_at", "-pk")


@router.get("/hazards/{hazard_id}", response={200: HazardOut, 404: ErrorOut})
def hazard_detail(request: HttpRequest, hazard_id: int) -> Hazard:
    return get_object_or_404(Hazard.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=hazard_id)


@router.get("/tasks", response=dict)
def my_tasks(request: HttpRequest) -> dict[str, Any]:
    """Today's patrols, hazards waiting for you and your open reports (the grid worker's phone page)."""
    return tasks.today(request_user(request)).as_dict()
