"""API of hazards and risks: /api/v1/hazards/.

    /risk-points[/{code}[/gradings|/history]], /risk-points/export|import   the risk-point register
    /riskmap.geojson, /riskmap/heat.geojson, /riskmap/counts, /riskmap/export   the four-colour map
    /hazards[/{id}], /tasks                                                 hazards and a worker's day
    /hazards/{id}/assign|start|submit|recheck|dismiss, …/steps, …/events   the closed loop (workflow)
    /patrol-plans[/{id}/check-ins], /patrols/missed                         patrols and GPS check-ins
    /inspectors[/export|/import], /inspections, /inspections/compliance[/export]   enforcement inspections
    /stats[/export]                                                         statistics per street and month

Every answer is built from the caller's scope; out of scope answers 404.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.accounts.models import User
from yingji.core.api import (
    ErrorOut,
    ImportResultOut,
    ListFilters,
    Pagination,
    apply_list_filters,
    refuses,
    request_user,
)
from yingji.core.files import xlsx_response
from yingji.hazards import exports
from yingji.hazards.history import visible_history
from yingji.hazards.imports import InspectorTable, RiskPointTable
from yingji.hazards.models import (
    Hazard,
    HazardSeverity,
    HazardStatus,
    Inspection,
    Inspector,
    PatrolPlan,
    RiskCategory,
    RiskGrade,
    RiskPoint,
)
from yingji.hazards.models.hazard import OPEN_STATUSES
from yingji.hazards.schemas import (
    AreaCountOut,
    AssignIn,
    CheckInIn,
    CheckInOut,
    GradingOut,
    HazardComplianceOut,
    HazardEventOut,
    HazardIn,
    HazardNoteIn,
    HazardOut,
    HazardStepOut,
    HazardSubmitIn,
    InspectionIn,
    InspectionOut,
    InspectorOut,
    MissedPatrolOut,
    PatrolPlanIn,
    PatrolPlanOut,
    PatrolPlanPatch,
    RecheckIn,
    RiskPointIn,
    RiskPointOut,
    RiskPointPatch,
)
from yingji.hazards.services import hazards as hazard_services
from yingji.hazards.services import inspections as inspection_services
from yingji.hazards.services import loop, riskmap, stats, tasks
from yingji.hazards.services import patrol as patrol_services
from yingji.hazards.services import risk as risk_services
from yingji.hazards.workflows import HAZARD
from yingji.jurisdictions.models import Jurisdiction, Level

CHECK_IN_QUEUED_FOR = datetime.timedelta(days=2)  # how late a check-in queued on a phone may still arrive

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


@router.post("/risk-points", response={201: RiskPointOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(code="not the code of another risk point", name="not only spaces",
                                   lon="inside the district's bounds (with lat)",
                                   responsible_phone="a mobile (11 digits) or a landline with its area code",
                                   area="coordinates nested as its type says, closed rings of at least four positions, "
                                        "not self-intersecting"))
def create_risk_point(request: HttpRequest, payload: RiskPointIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    jurisdiction = _jurisdiction(request, data.pop("jurisdiction"))
    point = risk_services.create_risk_point(actor=user, jurisdiction=jurisdiction, **data)
    return Status(201, RiskPoint.objects.select_related("jurisdiction").get(pk=point.pk))


@router.get("/risk-points/export", response={200: None})
def export_risk_points(request: HttpRequest) -> HttpResponse:
    """The risk points you may export, as .xlsx (the import template when you have none)."""
    return xlsx_response(RiskPointTable(request_user(request)).stream_xlsx(), _("risk-points"))


@router.post("/risk-points/import", response={200: ImportResultOut, 422: ImportResultOut})
def import_risk_points(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Create or update risk points from .xlsx/.csv by code; all rows or none."""
    result = RiskPointTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


@router.get("/risk-points/{code}", response={200: RiskPointOut, 404: ErrorOut})
def risk_point(request: HttpRequest, code: str) -> RiskPoint:
    return _visible_point(request, code)


@router.patch("/risk-points/{code}", response={200: RiskPointOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
              openapi_extra=refuses(name="not only spaces",
                                   lon="inside the district's bounds (with lat)",
                                   responsible_phone="a mobile (11 digits) or a landline with its area code",
                                   area="coordinates nested as its type says, closed rings of at least four positions, "
                                        "not self-intersecting"))
def change_risk_point(request: HttpRequest, code: str, payload: RiskPointPatch) -> RiskPoint:
    point = _visible_point(request, code)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
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
    return visible_history(request.user, _visible_point(request, code))


# ---------------------------------------------------------------- the four-colour map
def _map_filter(request: HttpRequest, area: str | None, category: list[RiskCategory],
                grade: list[RiskGrade]) -> riskmap.MapFilter:
    """The map's filters; the categories and grades are the enumerations the document lists."""
    return riskmap.MapFilter(area=_jurisdiction(request, area) if area else None,
                             categories=tuple(str(c) for c in category), grades=tuple(str(g) for g in grade))


@router.get("/riskmap.geojson", response={200: None, 404: ErrorOut, 422: ErrorOut}, url_name="hazards_riskmap")
def riskmap_geojson(request: HttpRequest, area: str | None = None, category: list[RiskCategory] = Query([]),
                    grade: list[RiskGrade] = Query([])) -> HttpResponse:
    """Active risk points you see (points, and polygons for areas), coloured by grade on the map."""
    flt = _map_filter(request, area, category, grade)
    return HttpResponse(riskmap.geojson_bytes(request_user(request), flt), content_type="application/geo+json")


@router.get("/riskmap/heat.geojson", response={200: dict, 404: ErrorOut, 422: ErrorOut}, url_name="hazards_heat")
def riskmap_heat(request: HttpRequest, area: str | None = None, category: list[RiskCategory] = Query([]),
                 grade: list[RiskGrade] = Query([])) -> dict[str, Any]:
    """Communities with their weighted risk score (red 4, orange 3, yellow 2, blue 1) and counts per grade."""
    return riskmap.heat_geojson(request_user(request), _map_filter(request, area, category, grade))


@router.get("/riskmap/counts", response={200: list[AreaCountOut], 404: ErrorOut, 422: ErrorOut})
def riskmap_counts(request: HttpRequest, level: Level = Level.STREET, area: str | None = None,
                   category: list[RiskCategory] = Query([]), grade: list[RiskGrade] = Query([])) -> list[dict[str, Any]]:
    """Active risk points per grade in each street (or community) you see."""
    flt = _map_filter(request, area, category, grade)
    return [{"code": r.jurisdiction.code, "name": r.jurisdiction.name, "level": r.jurisdiction.level,
             **r.by_grade, "total": r.total, "score": r.score}
            for r in riskmap.counts(request_user(request), flt, level)]


@router.get("/riskmap/export", response={200: None, 404: ErrorOut, 422: ErrorOut})
def riskmap_export(request: HttpRequest, area: str | None = None, category: list[RiskCategory] = Query([]),
                   grade: list[RiskGrade] = Query([])) -> HttpResponse:
    """Counts per street and community and the points, as .xlsx."""
    flt = _map_filter(request, area, category, grade)
    return xlsx_response(exports.riskmap_workbook(request_user(request), flt), _("risk-map"))


# ---------------------------------------------------------------- hazards
@router.post("/hazards", response={201: HazardOut, 200: HazardOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             url_name="hazards_report")
def report(request: HttpRequest, payload: Form[HazardIn], photos: File[list[UploadedFile]] = None) -> Any:  # type: ignore[assignment]
    """Report a hazard (multipart, with photos). The same idempotency key again answers 200 with the first one."""
    user = request_user(request)
    data = payload.dict()
    code = data.pop("jurisdiction")
    jurisdiction = _jurisdiction(request, code) if code else tasks.report_jurisdiction(user, data["lon"], data["lat"])
    if jurisdiction is None:
        raise ValidationError({"jurisdiction": _("Give the code of the grid or community.")})
    point_code = data.pop("risk_point")
    point = _visible_point(request, point_code) if point_code else None
    hazard, created = hazard_services.report_hazard_once(actor=user, jurisdiction=jurisdiction, risk_point=point,
                                                         photos=photos or [], **data)
    return Status(201 if created else 200, Hazard.objects.select_related("jurisdiction").get(pk=hazard.pk))


@router.get("/hazards.geojson", response={200: dict, 404: ErrorOut}, url_name="hazards_open_geojson")
def open_hazards_geojson(request: HttpRequest, area: str | None = None) -> dict[str, Any]:
    """Open hazards you see (reported, assigned, rectifying, awaiting recheck), as points, the newest 2,000;
    `area`: the code of a jurisdiction you see, for its subtree only (a grid worker's home map)."""
    queryset = Hazard.objects.visible_to(request_user(request)).filter(status__in=OPEN_STATUSES)
    if area:
        queryset = queryset.in_subtree(_jurisdiction(request, area).path)
    statuses, severities = dict(HazardStatus.choices), dict(HazardSeverity.choices)
    rows = (queryset.exclude(lon=None).exclude(lat=None).order_by("-reported_at", "-pk")
            .values_list("pk", "reference", "title", "status", "severity", "lon", "lat")[:2000])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"id": pk, "reference": reference, "title": title, "status": status,
                        "status_label": str(statuses.get(status, status)), "severity": severity,
                        "severity_label": str(severities.get(severity, severity))}}
        for pk, reference, title, status, severity, lon, lat in rows]}


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


def _hazard(request: HttpRequest, hazard_id: int) -> Hazard:
    return get_object_or_404(Hazard.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=hazard_id)


def _answer(hazard: Hazard) -> Hazard:
    return Hazard.objects.select_related("jurisdiction").get(pk=hazard.pk)


STEP_RESPONSES = {200: HazardOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/hazards/{hazard_id}/steps", response={200: list[HazardStepOut], 404: ErrorOut})
def hazard_steps(request: HttpRequest, hazard_id: int) -> list[dict[str, str]]:
    """The steps you may take on this hazard now (what the buttons offer)."""
    hazard = _hazard(request, hazard_id)
    return [{"name": t.name, "label": str(t.label)} for t in HAZARD.allowed(request_user(request), hazard)]


@router.get("/hazards/{hazard_id}/events", response={200: list[HazardEventOut], 404: ErrorOut})
def hazard_events(request: HttpRequest, hazard_id: int) -> Any:
    """Every step of the hazard: who, when, from which state to which, the note."""
    return HAZARD.history(_hazard(request, hazard_id))


@router.post("/hazards/{hazard_id}/assign", response=STEP_RESPONSES)
def assign_hazard(request: HttpRequest, hazard_id: int, payload: AssignIn) -> Any:
    """Name the responsible unit and person; the deadline follows the severity."""
    hazard = _hazard(request, hazard_id)
    assignee = None
    if payload.assignee:
        assignee = loop.assignable_people(hazard).filter(username=payload.assignee).first()
        if assignee is None:
            raise ValidationError({"assignee": _("The responsible person must hold a role in the hazard's community.")})
    loop.assign(hazard, actor=request_user(request), responsible_unit=payload.responsible_unit, assignee=assignee,
                severity=payload.severity, note=payload.note)
    return _answer(hazard)


@router.post("/hazards/{hazard_id}/start", response=STEP_RESPONSES)
def start_rectifying(request: HttpRequest, hazard_id: int, payload: HazardNoteIn) -> Any:
    hazard = _hazard(request, hazard_id)
    loop.start(hazard, actor=request_user(request), note=payload.note)
    return _answer(hazard)


@router.post("/hazards/{hazard_id}/submit", response=STEP_RESPONSES)
def submit_rectification(request: HttpRequest, hazard_id: int, payload: Form[HazardSubmitIn],
                         photos: File[list[UploadedFile]] = None) -> Any:  # type: ignore[assignment]
    """Rectified: what was done and evidence photos (multipart); the hazard waits for a recheck."""
    hazard = _hazard(request, hazard_id)
    loop.submit(hazard, actor=request_user(request), rectification=payload.rectification, photos=photos or [])
    return _answer(hazard)


@router.post("/hazards/{hazard_id}/recheck", response=STEP_RESPONSES)
def recheck_hazard(request: HttpRequest, hazard_id: int, payload: Form[RecheckIn],
                   photos: File[list[UploadedFile]] = None) -> Any:  # type: ignore[assignment]
    """Passed: closed. Failed (say why): back to rectifying. Not by the person who rectified."""
    hazard = _hazard(request, hazard_id)
    loop.recheck(hazard, actor=request_user(request), passed=payload.passed, note=payload.note,
                 photos=photos or [])
    return _answer(hazard)


@router.post("/hazards/{hazard_id}/dismiss", response=STEP_RESPONSES)
def dismiss_hazard(request: HttpRequest, hazard_id: int, payload: HazardNoteIn) -> Any:
    hazard = _hazard(request, hazard_id)
    loop.dismiss(hazard, actor=request_user(request), note=payload.note)
    return _answer(hazard)


@router.get("/tasks", response=dict)
def my_tasks(request: HttpRequest) -> dict[str, Any]:
    """Today's patrols, hazards waiting for you and your open reports (the grid worker's phone page)."""
    return tasks.today(request_user(request)).as_dict()


# ---------------------------------------------------------------- patrols
@router.get("/patrol-plans", response=list[PatrolPlanOut])
@paginate(Pagination)
def patrol_plans(request: HttpRequest, filters: Query[ListFilters]):  # type: ignore[no-untyped-def]
    queryset = PatrolPlan.objects.visible_to(request_user(request)).select_related("jurisdiction", "worker")
    return apply_list_filters(queryset, filters).prefetch_related("stops__risk_point").order_by("jurisdiction__path", "name")


def _plan(request: HttpRequest, plan_id: int) -> PatrolPlan:
    return get_object_or_404(PatrolPlan.objects.visible_to(request_user(request))
                             .select_related("jurisdiction", "worker").prefetch_related("stops__risk_point"),
                             pk=plan_id)


def _plan_fields(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """The API's names to the service's (patrol.create_plan / update_plan, as the web form calls them)."""
    user = request_user(request)
    if "grid" in data:
        data["jurisdiction"] = _jurisdiction(request, data.pop("grid"))
    if "route" in data:
        data["points"] = patrol_services.route_points(user, data.pop("route"))
    if "worker" in data:
        username = data.pop("worker")
        data["worker"] = None
        if username:
            data["worker"] = User.objects.filter(username=username, is_active=True).first()
            if data["worker"] is None:  # the same refusal as someone of another community: nothing leaks
                raise ValidationError({"worker": _("The grid worker must hold a role in the grid's community.")})
    return data


_PLAN_NAMES = {"jurisdiction": "grid", "points": "route"}  # the service's field names as the API calls them


def _plan_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({_PLAN_NAMES.get(name, name): errors for name, errors in exc.error_dict.items()})


@router.post("/patrol-plans", response={201: PatrolPlanOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def create_patrol_plan(request: HttpRequest, payload: PatrolPlanIn) -> Any:
    """A grid's patrol plan through risk points of its community, in walking order."""
    data = _plan_fields(request, payload.dict())
    try:
        plan = patrol_services.create_plan(actor=request_user(request), **data)
    except ValidationError as exc:
        raise _plan_errors(exc) from exc
    return Status(201, _plan(request, plan.pk))


@router.get("/patrol-plans/{plan_id}", response={200: PatrolPlanOut, 404: ErrorOut})
def patrol_plan(request: HttpRequest, plan_id: int) -> PatrolPlan:
    return _plan(request, plan_id)


@router.patch("/patrol-plans/{plan_id}", response={200: PatrolPlanOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def change_patrol_plan(request: HttpRequest, plan_id: int, payload: PatrolPlanPatch) -> PatrolPlan:
    """Change the fields given; `route` replaces the whole route."""
    plan = _plan(request, plan_id)
    data = payload.dict(exclude_unset=True)
    data = _plan_fields(request, data)
    try:
        patrol_services.update_plan(plan, actor=request_user(request), **data)
    except ValidationError as exc:
        raise _plan_errors(exc) from exc
    return _plan(request, plan_id)


@router.post("/patrol-plans/{plan_id}/check-ins",
             response={200: CheckInOut, 201: CheckInOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             url_name="hazards_check_in",
             openapi_extra=refuses(risk_point="a risk point on the plan's route, not yet checked in this period",
                                   lon="within the plan's tolerance of the risk point (with lat)",
                                   at="at most two days before now (and not in the future)",
                                   answers="each answer's key on the risk point's checklist",
                                   plan="the patrol plan is active"))
def check_in(request: HttpRequest, plan_id: int, payload: Form[CheckInIn],
             photos: File[list[UploadedFile]] = None) -> Any:  # type: ignore[assignment]
    """Check in at a stop of the plan from the phone's position; refused with the distance outside the tolerance.

    The same `idempotency_key` again (a queued phone resending) answers 200 with the first check-in."""
    user = request_user(request)
    plan = get_object_or_404(PatrolPlan.objects.visible_to(user).select_related("jurisdiction"), pk=plan_id)
    # The plan's stops come with the plan: a grid worker patrols the community's points beyond the grid.
    stop = plan.stops.select_related("risk_point").filter(risk_point__code=payload.risk_point).first()
    if stop is None:
        raise ValidationError({"risk_point": _("This risk point is not on the patrol plan.")})
    point = stop.risk_point
    title = payload.hazard.strip()
    at = payload.at
    if at is not None:  # a check-in queued on the phone counts when it was made, within reason
        now = timezone.now()
        if not now - CHECK_IN_QUEUED_FOR <= at <= now + datetime.timedelta(minutes=5):
            raise ValidationError({"at": _("A check-in can be sent at most two days after it was made.")})
    result = patrol_services.check_in(actor=user, plan=plan, risk_point=point, lon=payload.lon, lat=payload.lat,
                                      accuracy_m=payload.accuracy_m, answers=payload.answers, note=payload.note,
                                      photos=photos or [], hazard={"title": title} if title else None,
                                      idempotency_key=payload.idempotency_key, at=at)
    return Status(201 if result.created else 200, {
        "id": result.check_in.pk, "risk_point": point.code, "at": result.check_in.at,
        "distance_m": result.check_in.distance_m, "patrol_done": result.record.is_done,
        "answers": result.check_in.answers, "hazard": result.hazard.reference if result.hazard else None})


@router.get("/patrols/missed", response={200: list[MissedPatrolOut], 422: ErrorOut})
def missed_patrols(request: HttpRequest, days: int = Query(14, ge=1, le=366)) -> list[dict[str, Any]]:
    """Patrol periods of the last `days` days that ended without a finished patrol."""
    import datetime

    from django.utils import timezone

    since = timezone.localdate() - datetime.timedelta(days=days)
    found = patrol_services.missed_patrols(PatrolPlan.objects.visible_to(request_user(request)), since)
    return [{"plan": m.plan.pk, "name": m.plan.name, "grid": m.plan.jurisdiction.code,
             "worker": str(m.plan.worker or ""), "period_start": m.period_start, "checked": m.checked,
             "stops": m.stops} for m in found]


# ---------------------------------------------------------------- enforcement inspections
@router.get("/inspectors", response=list[InspectorOut])
@paginate(Pagination)
def inspectors(request: HttpRequest, filters: Query[ListFilters]):  # type: ignore[no-untyped-def]
    queryset = Inspector.objects.visible_to(request_user(request)).select_related("jurisdiction")
    return apply_list_filters(queryset, filters, search_fields=("name", "staff_number")).order_by("staff_number")


@router.get("/inspectors/export", response={200: None})
def export_inspectors(request: HttpRequest) -> HttpResponse:
    return xlsx_response(InspectorTable(request_user(request)).stream_xlsx(), _("inspectors"))


@router.post("/inspectors/import", response={200: ImportResultOut, 422: ImportResultOut})
def import_inspectors(request: HttpRequest, file: File[UploadedFile]) -> Any:
    result = InspectorTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


@router.get("/inspections", response=list[InspectionOut])
@paginate(Pagination)
def inspections(request: HttpRequest, filters: Query[ListFilters]):  # type: ignore[no-untyped-def]
    queryset = Inspection.objects.visible_to(request_user(request)).select_related("jurisdiction", "inspector")
    queryset = apply_list_filters(queryset, filters, search_fields=("place",))
    return queryset.prefetch_related("hazards").order_by("-inspected_on", "-pk")


@router.post("/inspections", response={201: InspectionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def record_inspection(request: HttpRequest, payload: InspectionIn) -> Any:
    """Record an inspection; each finding opens a hazard (source: inspection) in the place's jurisdiction."""
    user = request_user(request)
    inspector = get_object_or_404(Inspector.objects.visible_to(user).select_related("jurisdiction"),
                                  staff_number=payload.inspector)
    point = _visible_point(request, payload.risk_point) if payload.risk_point else None
    where = _jurisdiction(request, payload.jurisdiction) if payload.jurisdiction else None
    findings = [f.dict() for f in payload.hazards]
    for finding in findings:
        if point is None and (finding["lon"] is None or finding["lat"] is None):
            raise ValidationError({"hazards": _("Give each finding's position, or the risk point inspected.")})
    inspection = inspection_services.record_inspection(
        actor=user, inspector=inspector, place=payload.place, inspected_on=payload.inspected_on, jurisdiction=where,
        risk_point=point, findings=payload.findings,
        hazards=[{k: v for k, v in f.items() if v is not None} for f in findings])
    return Status(201, Inspection.objects.select_related("jurisdiction", "inspector").get(pk=inspection.pk))


@router.get("/inspections/compliance", response={200: list[HazardComplianceOut], 422: ErrorOut})
def compliance(request: HttpRequest, week: datetime.date | None = None) -> list[dict[str, Any]]:
    """Per street: share of certified inspectors (target ≥ 50 %) and inspections per inspector that week (≥ 1)."""
    return [_compliance_row(r) for r in inspection_services.compliance(request_user(request), week)]


def _compliance_row(row: inspection_services.StreetCompliance) -> dict[str, Any]:
    return {"street": row.street.code, "name": row.street.name, "inspectors": row.inspectors,
            "certified": row.certified, "certified_share": row.certified_share, "inspections": row.inspections,
            "below_weekly": [i.staff_number for i in row.below_weekly], "meets_certified": row.meets_certified,
            "meets_weekly": row.meets_weekly}


@router.get("/inspections/compliance/export", response={200: None, 422: ErrorOut})
def compliance_export(request: HttpRequest, week: datetime.date | None = None) -> HttpResponse:
    user = request_user(request)
    return xlsx_response(exports.compliance_workbook(inspection_services.compliance(user, week)), _("inspections"))


# ---------------------------------------------------------------- statistics
def _period(start: datetime.date | None, end: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    from django.utils import timezone

    end = end or timezone.localdate()
    if start is None:  # the last twelve months, this one included
        months_back = end.year * 12 + end.month - 1 - 11
        start = datetime.date(months_back // 12, months_back % 12 + 1, 1)
    if start > end:
        raise ValidationError({"start": _("The start must be before the end.")})
    if (end - start).days > 3 * 366:
        raise ValidationError({"start": _("At most three years at once.")})
    return start, end


@router.get("/stats", response={200: dict, 422: ErrorOut}, openapi_extra=refuses(start="on or before end (default: today), at most three years before it"))
def statistics(request: HttpRequest, start: datetime.date | None = None, end: datetime.date | None = None) -> dict[str, Any]:
    """Found, closed and overdue per street and month; average days to close; recurrence at the same place."""
    first, last = _period(start, end)
    result = stats.compute(request_user(request), first, last)
    return {"start": first, "end": last, "open": result.open_now, "overdue": result.overdue_now,
            "chart": result.chart(),
            "streets": [{"code": s.street.code, "name": s.street.name, "found": s.found_total, "closed": s.closed_total,
                         "overdue": s.overdue_total, "average_close_days": s.average_close_days,
                         "recurrent": s.recurrent, "by_month": {"found": s.found, "closed": s.closed,
                                                                "overdue": s.overdue}} for s in result.streets],
            "places": [{"place": p.label, "street": p.street, "count": p.count} for p in result.places]}


@router.get("/stats/export", response={200: None, 422: ErrorOut}, openapi_extra=refuses(start="on or before end (default: today), at most three years before it"))
def statistics_export(request: HttpRequest, start: datetime.date | None = None,
                      end: datetime.date | None = None) -> HttpResponse:
    first, last = _period(start, end)
    return xlsx_response(exports.stats_workbook(stats.compute(request_user(request), first, last)), _("hazard-statistics"))
