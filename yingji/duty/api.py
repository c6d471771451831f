"""API of duty: /api/v1/duty/.

    GET  /now?jurisdiction=                      who is on duty now there (and at the posts above: /now/chain)
    GET  /shifts/?jurisdiction=&after=&before=&kind=&missing_handover=   POST /shifts/
    GET|PATCH|DELETE /shifts/{id}   GET /shifts/{id}/history   POST /shifts/{id}/move
    POST /shifts/{id}/take-over     GET|PUT /shifts/{id}/handover
    GET  /shifts/export?jurisdiction=&month=     POST /shifts/import     POST /extra-shifts
    GET  /patterns/ · POST /patterns/ · PATCH /patterns/{id} · POST /patterns/{id}/generate
    GET  /holidays/ · POST /holidays/
    GET  /log/?jurisdiction=&since=&until=&kind= · POST /log/ · GET|PATCH /log/{id}
    GET  /reports/?jurisdiction=&day= · POST /reports/ (compile) · GET /reports/{id} · /reports/{id}/xlsx · /pdf
    POST /reports/{id}/{review|submit|reopen|receive|return}          GET /queue (what the units below sent up)
    GET  /incident-reports/?incident=&status=&kind= · GET|PATCH /incident-reports/{id}
    POST /incident-reports/{id}/{submit|receive|return} · POST /incidents/{id}/follow-up
    GET  /swaps/ · POST /shifts/{id}/swaps · POST /swaps/{id}/{agree|decline|approve|reject|cancel}
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.audit.services import history_rows
from yingji.core.api import ErrorOut, ImportResultOut, Pagination, apply_list_filters, request_user
from yingji.core.files import xlsx_response
from yingji.core.scope import ensure, has_perm_somewhere
from yingji.duty import exports, times
from yingji.duty.imports import ShiftTable
from yingji.duty.models import (
    DailyReport,
    Handover,
    Holiday,
    IncidentReport,
    LogEntry,
    RosterPattern,
    Shift,
    ShiftMember,
    SwapRequest,
)
from yingji.duty.schemas import (
    DutyStepIn,
    DutyStepOut,
    ExtraShiftsIn,
    GeneratedOut,
    GenerateIn,
    HandoverIn,
    HandoverOut,
    HolidayIn,
    HolidayOut,
    IncidentReportFilters,
    IncidentReportOut,
    IncidentReportPatch,
    LogEntryIn,
    LogEntryOut,
    LogEntryPatch,
    LogFilters,
    MoveIn,
    PatternIn,
    PatternOut,
    PostOut,
    QueueOut,
    ReportDetailOut,
    ReportFilters,
    ReportIn,
    ReportOut,
    ShiftFilters,
    ShiftIn,
    ShiftOut,
    ShiftPatch,
    SwapIn,
    SwapOut,
    TakeOverOut,
)
from yingji.duty.services import handover, log, reports, rosters, swaps, upward
from yingji.duty.services import now as duty_now
from yingji.duty.services.rosters import DUTY_LEVELS
from yingji.duty.views.common import post_rows
from yingji.duty.workflows import DAILY_REPORT, INCIDENT_REPORT, SWAP
from yingji.incidents.models import Incident
from yingji.jurisdictions.models import Jurisdiction

router = Router(tags=["duty"])
WRITE = {200: Any, 201: Any, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
READ = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _place(user: Any, code: str, *, posts_only: bool = True) -> Jurisdiction:
    queryset = Jurisdiction.objects.visible_to(user)
    if posts_only:
        queryset = queryset.filter(level__in=DUTY_LEVELS)
    return get_object_or_404(queryset, code=code)


def _staff(place: Jurisdiction, user_id: int | None, field: str) -> Any:
    if user_id is None:
        return None
    person = rosters.eligible_staff(place).filter(pk=user_id).first()
    if person is None:
        raise ValidationError({field: _("This person may not stand duty in this jurisdiction.")})
    return person


def _shifts() -> QuerySet[Shift]:
    return (Shift.objects.select_related("jurisdiction", "leader")
            .prefetch_related(Prefetch("staff", ShiftMember.objects.select_related("user").order_by("user_id")))
            .annotate(has_handover=Exists(Handover.objects.filter(shift=OuterRef("pk")))))


def _shift(user: Any, pk: int) -> Shift:
    return get_object_or_404(_shifts().filter(pk__in=Shift.objects.visible_to(user).values("pk")), pk=pk)


def _post_out(user: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"code": r["post"].code, "name": r["post"].name, "level": r["post"].level, "shifts": [
        {"id": s["shift"].id, "label": s["shift"].label, "kind": s["shift"].kind, "starts_at": s["shift"].starts_at,
         "ends_at": s["shift"].ends_at, "taken_over": s["shift"].taken_over, "leader": s["leader"],
         "members": s["members"]} for s in r["shifts"]]} for r in rows]


# ------------------------------------------------------------------ on duty now
@router.get("/now", response={200: PostOut, **READ})
def on_duty_now(request: HttpRequest, jurisdiction: str) -> Any:
    """The shifts under way at a district, street or community; phones masked for roles without personal data."""
    user = request_user(request)
    place = _place(user, jurisdiction)
    post = duty_now.on_duty(place)
    return _post_out(user, post_rows(user, [post]))[0]


@router.get("/now/chain", response={200: list[PostOut], **READ})
def on_duty_chain(request: HttpRequest, jurisdiction: str) -> Any:
    """On duty at the posts at and above any jurisdiction (a grid's community, its street, the district)."""
    user = request_user(request)
    place = _place(user, jurisdiction, posts_only=False)
    return _post_out(user, post_rows(user, duty_now.posts_for_path(place.path)))


# ------------------------------------------------------------------ shifts
@router.get("/shifts/", response=list[ShiftOut])
@paginate(Pagination)
def list_shifts(request: HttpRequest, filters: Query[ShiftFilters]):  # type: ignore[no-untyped-def]
    user = request_user(request)
    queryset = apply_list_filters(_shifts().filter(pk__in=Shift.objects.visible_to(user).values("pk")), filters,
                                  search_fields=("label", "note"))
    if filters.after:
        queryset = queryset.filter(ends_at__gt=filters.after)
    if filters.before:
        queryset = queryset.filter(starts_at__lt=filters.before)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.missing_handover:
        queryset = handover.missing_handovers(queryset, timezone.now())
    return queryset.order_by("starts_at", "id")


@router.post("/shifts/", response=WRITE)
def create_shift(request: HttpRequest, payload: ShiftIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    place = _place(user, data.pop("jurisdiction"))
    data["leader"] = _staff(place, data["leader"], "leader")
    data["members"] = [_staff(place, m, "members") for m in data["members"]]
    shift = rosters.create_shift(actor=user, jurisdiction=place, **data)
    return Status(201, ShiftOut.from_orm(_shift(user, shift.pk), context={"request": request}).dict())


@router.get("/shifts/export", response={200: None, **READ})
def export_shifts(request: HttpRequest, jurisdiction: str, month: str) -> HttpResponse:
    user = request_user(request)
    place = _place(user, jurisdiction)
    try:
        year, number = (int(x) for x in month.split("-"))
        days = times.month_days(year, number)
    except ValueError as exc:
        raise ValidationError({"month": _("Give a month as YYYY-MM.")}) from exc
    table = ShiftTable(user)
    shifts = table.export_queryset().filter(jurisdiction__path__startswith=place.path,
                                            starts_at__gte=times.day_bounds(days[0])[0],
                                            starts_at__lt=times.day_bounds(days[-1])[1])
    return xlsx_response(table.stream_xlsx(shifts), "-".join([_("roster"), place.name, f"{year}{number:02d}"]))


@router.post("/shifts/import", response={200: ImportResultOut, 403: ErrorOut, 422: ImportResultOut})
def import_shifts(request: HttpRequest, file: File[UploadedFile]) -> Any:
    user = request_user(request)
    if not has_perm_somewhere(user, "duty.import_shift"):
        raise PermissionDenied
    result = ShiftTable(user).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


@router.get("/shifts/{int:pk}", response={200: ShiftOut, **READ})
def get_shift(request: HttpRequest, pk: int) -> Shift:
    return _shift(request_user(request), pk)


@router.patch("/shifts/{int:pk}", response=WRITE)
def update_shift(request: HttpRequest, pk: int, payload: ShiftPatch) -> Any:
    user = request_user(request)
    shift = _shift(user, pk)
    data = payload.dict(exclude_unset=True)
    if "leader" in data:
        data["leader"] = _staff(shift.jurisdiction, data["leader"], "leader")
    if "members" in data:
        data["members"] = [_staff(shift.jurisdiction, m, "members") for m in data["members"] or []]
    rosters.update_shift(shift, actor=user, **data)
    return Status(200, ShiftOut.from_orm(_shift(user, pk), context={"request": request}).dict())


@router.delete("/shifts/{int:pk}", response={204: None, **READ})
def delete_shift(request: HttpRequest, pk: int) -> Any:
    user = request_user(request)
    rosters.delete_shift(_shift(user, pk), actor=user)
    return Status(204, None)


@router.get("/shifts/{int:pk}/history", response={200: list[dict], **READ})
def shift_history(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    return history_rows(_shift(request_user(request), pk))


@router.post("/shifts/{int:pk}/move", response=WRITE)
def move(request: HttpRequest, pk: int, payload: MoveIn) -> Any:
    """What a drag on the roster does: a person joins the shift (or leads it), leaving `source`."""
    user = request_user(request)
    target = _shift(user, pk)
    source = _shift(user, payload.source) if payload.source is not None else None
    person = _staff(target.jurisdiction, payload.user, "user")
    rosters.move_person(actor=user, user=person, source=source, target=target, as_leader=payload.as_leader)
    return Status(200, ShiftOut.from_orm(_shift(user, pk), context={"request": request}).dict())


@router.post("/shifts/{int:pk}/take-over", response={200: TakeOverOut, **READ})
def take_over(request: HttpRequest, pk: int) -> Any:
    """The shift's leader takes it over, acknowledging the previous shift's handover notes."""
    taken = handover.take_over(_shift(request_user(request), pk), actor=request_user(request))
    return {"shift": taken.shift.pk, "taken_over_at": taken.shift.taken_over_at,
            "previous_shift": taken.previous.pk if taken.previous else None,
            "handover_acknowledged": taken.handover is not None,
            "previous_left_no_handover": taken.previous_left_no_handover}


def _handover_out(notes: Handover) -> dict[str, Any]:
    return {"shift": notes.shift_id, "notes": notes.notes, "written_by": str(notes.written_by or ""),
            "written_at": notes.written_at, "acknowledged_by": str(notes.acknowledged_by)
            if notes.acknowledged_by_id else None, "acknowledged_at": notes.acknowledged_at}


@router.get("/shifts/{int:pk}/handover", response={200: HandoverOut, **READ})
def get_handover(request: HttpRequest, pk: int) -> Any:
    notes = handover.handover_of(_shift(request_user(request), pk))
    if notes is None:
        raise Http404
    return _handover_out(notes)


@router.put("/shifts/{int:pk}/handover", response={200: HandoverOut, **READ})
def put_handover(request: HttpRequest, pk: int, payload: HandoverIn) -> Any:
    user = request_user(request)
    return _handover_out(handover.write_handover(_shift(user, pk), actor=user, notes=payload.notes))


@router.post("/extra-shifts", response=WRITE)
def extra_shifts(request: HttpRequest, payload: ExtraShiftsIn) -> Any:
    """Holiday or reinforced duty on each day of a range (typhoon season, major events)."""
    user = request_user(request)
    data = payload.dict()
    place = _place(user, data.pop("jurisdiction"))
    data["leader"] = _staff(place, data["leader"], "leader")
    data["members"] = [_staff(place, m, "members") for m in data["members"]]
    made = rosters.add_extra_shifts(actor=user, jurisdiction=place, **data)
    return Status(201, [ShiftOut.from_orm(s, context={"request": request}).dict()
                        for s in _shifts().filter(pk__in=[m.pk for m in made]).order_by("starts_at")])


# ------------------------------------------------------------------ patterns and holidays
@router.get("/patterns/", response=list[PatternOut])
@paginate(Pagination)
def list_patterns(request: HttpRequest, filters: Query[ReportFilters]):  # type: ignore[no-untyped-def]
    queryset = RosterPattern.objects.visible_to(request_user(request)).select_related("jurisdiction")
    return apply_list_filters(queryset, filters).order_by("jurisdiction__path", "name")


def _pattern_data(payload: PatternIn) -> dict[str, Any]:
    data = payload.dict()
    data.pop("jurisdiction")
    return data


@router.post("/patterns/", response=WRITE)
def create_pattern(request: HttpRequest, payload: PatternIn) -> Any:
    user = request_user(request)
    pattern = rosters.save_pattern(actor=user, jurisdiction=_place(user, payload.jurisdiction),
                                   **_pattern_data(payload))
    return Status(201, PatternOut.from_orm(pattern).dict())


def _pattern(user: Any, pk: int) -> RosterPattern:
    return get_object_or_404(RosterPattern.objects.visible_to(user).select_related("jurisdiction"), pk=pk)


@router.put("/patterns/{int:pk}", response=WRITE)
def update_pattern(request: HttpRequest, pk: int, payload: PatternIn) -> Any:
    user = request_user(request)
    pattern = _pattern(user, pk)
    pattern = rosters.save_pattern(actor=user, jurisdiction=pattern.jurisdiction, pattern=pattern,
                                   **_pattern_data(payload))
    return Status(200, PatternOut.from_orm(pattern).dict())


@router.post("/patterns/{int:pk}/generate", response={200: GeneratedOut, **READ})
def generate(request: HttpRequest, pk: int, payload: GenerateIn) -> Any:
    """A month of shifts from the pattern (refused when the month has shifts, unless `replace`)."""
    user = request_user(request)
    year, month = (int(x) for x in payload.month.split("-"))
    made = rosters.generate_month(_pattern(user, pk), year, month, actor=user, replace=payload.replace)
    return {"created": len(made.created), "replaced": made.replaced, "kept": made.kept}


@router.get("/holidays/", response=list[HolidayOut])
@paginate(Pagination)
def list_holidays(request: HttpRequest, filters: Query[ReportFilters]):  # type: ignore[no-untyped-def]
    queryset = Holiday.objects.visible_to(request_user(request)).select_related("jurisdiction")
    return apply_list_filters(queryset, filters, search_fields=("name",)).order_by("day")


@router.post("/holidays/", response=WRITE)
def create_holiday(request: HttpRequest, payload: HolidayIn) -> Any:
    user = request_user(request)
    place = get_object_or_404(Jurisdiction.objects.visible_to(user), code=payload.jurisdiction)
    holiday = rosters.save_holiday(actor=user, jurisdiction=place, day=payload.day, name=payload.name)
    return Status(201, HolidayOut.from_orm(holiday).dict())


# ------------------------------------------------------------------ the duty log
def _entries(user: Any) -> QuerySet[LogEntry]:
    return LogEntry.objects.visible_to(user).select_related("jurisdiction", "subject_type")


@router.get("/log/", response=list[LogEntryOut])
@paginate(Pagination)
def list_log(request: HttpRequest, filters: Query[LogFilters]):  # type: ignore[no-untyped-def]
    queryset = apply_list_filters(_entries(request_user(request)), filters, search_fields=("summary",))
    if filters.since:
        queryset = queryset.filter(at__gte=filters.since)
    if filters.until:
        queryset = queryset.filter(at__lt=filters.until)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset.order_by("-at", "-id")


@router.post("/log/", response=WRITE)
def add_entry(request: HttpRequest, payload: LogEntryIn) -> Any:
    """A line of the duty log, by an officer on duty there (the entry joins their shift)."""
    user = request_user(request)
    entry = log.add_entry(actor=user, jurisdiction=_place(user, payload.jurisdiction), kind=payload.kind,
                          summary=payload.summary, at=payload.at, subject=log.resolve_subject(user, payload.subject))
    return Status(201, LogEntryOut.from_orm(_entries(user).get(pk=entry.pk)).dict())


@router.get("/log/{int:pk}", response={200: LogEntryOut, **READ})
def get_entry(request: HttpRequest, pk: int) -> LogEntry:
    return get_object_or_404(_entries(request_user(request)), pk=pk)


@router.patch("/log/{int:pk}", response=WRITE)
def update_entry(request: HttpRequest, pk: int, payload: LogEntryPatch) -> Any:
    user = request_user(request)
    entry = get_object_or_404(_entries(user), pk=pk)
    ensure(user, "change", entry)
    log.update_entry(entry, actor=user, **payload.dict(exclude_unset=True))
    return Status(200, LogEntryOut.from_orm(_entries(user).get(pk=pk)).dict())


# ------------------------------------------------------------------ daily reports
def _reports(user: Any) -> QuerySet[DailyReport]:
    return DailyReport.objects.visible_to(user).select_related("jurisdiction", "compiled_by")


@router.get("/reports/", response=list[ReportOut])
@paginate(Pagination)
def list_reports(request: HttpRequest, filters: Query[ReportFilters]):  # type: ignore[no-untyped-def]
    queryset = apply_list_filters(_reports(request_user(request)).defer("content"), filters, search_fields=("summary",))
    if filters.day:
        queryset = queryset.filter(day=filters.day)
    return queryset.order_by("-day", "jurisdiction__path")


@router.post("/reports/", response=WRITE)
def compile_report(request: HttpRequest, payload: ReportIn) -> Any:
    """Compile (again) a command centre's daily report of a day from the ledgers."""
    user = request_user(request)
    report = reports.compile_report(actor=user, jurisdiction=_place(user, payload.jurisdiction), day=payload.day,
                                    summary=payload.summary)
    return Status(201, ReportDetailOut.from_orm(_reports(user).get(pk=report.pk)).dict())


@router.get("/reports/{int:pk}", response={200: ReportDetailOut, **READ})
def get_report(request: HttpRequest, pk: int) -> DailyReport:
    return get_object_or_404(_reports(request_user(request)), pk=pk)


def _exportable(request: HttpRequest, pk: int) -> DailyReport:
    user = request_user(request)
    report = get_object_or_404(_reports(user), pk=pk)
    ensure(user, "export", report)
    return report


@router.get("/reports/{int:pk}/xlsx", response={200: None, **READ})
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _exportable(request, pk)
    return xlsx_response(exports.report_xlsx(report), "-".join([_("daily-duty-report"), report.jurisdiction.name]))


@router.get("/reports/{int:pk}/pdf", response={200: None, **READ})
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _exportable(request, pk)
    return HttpResponse(exports.report_pdf(report), content_type="application/pdf")


# ------------------------------------------------------------------ workflows: reports up the chain, swaps
def _step_out(workflow: Any, user: Any, obj: Any) -> dict[str, Any]:
    return {"id": obj.pk, "status": obj.status, "allowed": [t.name for t in workflow.allowed(user, obj)]}


@router.post("/reports/{int:pk}/{step}", response={200: DutyStepOut, **READ})
def daily_report_step(request: HttpRequest, pk: int, step: str, payload: DutyStepIn) -> Any:
    """review, submit, reopen (at the command centre); receive, return (the level above, saying why)."""
    user = request_user(request)
    report = get_object_or_404(_reports(user), pk=pk)
    if step not in DAILY_REPORT.by_name:
        raise Http404
    return _step_out(DAILY_REPORT, user, reports.step(report, step, actor=user, note=payload.note))


@router.get("/queue", response=QueueOut)
def queue(request: HttpRequest) -> Any:
    """What the units right below the caller's command centres sent up, and their overdue first reports."""
    return upward.queue(request_user(request), timezone.now())


def _incident_reports(user: Any) -> QuerySet[IncidentReport]:
    return IncidentReport.objects.visible_to(user).select_related("jurisdiction", "jurisdiction__parent")


@router.get("/incident-reports/", response=list[IncidentReportOut])
@paginate(Pagination)
def list_incident_reports(request: HttpRequest, filters: Query[IncidentReportFilters]):  # type: ignore[no-untyped-def]
    queryset = apply_list_filters(_incident_reports(request_user(request)), filters, search_fields=("title",))
    if filters.incident:
        queryset = queryset.filter(incident_id=filters.incident)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset.order_by("-drafted_at", "-id")


@router.get("/incident-reports/{int:pk}", response={200: IncidentReportOut, **READ})
def get_incident_report(request: HttpRequest, pk: int) -> IncidentReport:
    return get_object_or_404(_incident_reports(request_user(request)), pk=pk)


@router.patch("/incident-reports/{int:pk}", response=WRITE)
def edit_incident_report(request: HttpRequest, pk: int, payload: IncidentReportPatch) -> Any:
    user = request_user(request)
    report = upward.edit_report(get_object_or_404(_incident_reports(user), pk=pk), actor=user, title=payload.title,
                                body=payload.body)
    return Status(200, IncidentReportOut.from_orm(report).dict())


@router.post("/incident-reports/{int:pk}/{step}", response={200: DutyStepOut, **READ})
def incident_report_step(request: HttpRequest, pk: int, step: str, payload: DutyStepIn) -> Any:
    """submit (the street); receive, return (the level above, saying why)."""
    user = request_user(request)
    report = get_object_or_404(_incident_reports(user), pk=pk)
    if step not in INCIDENT_REPORT.by_name:
        raise Http404
    return _step_out(INCIDENT_REPORT, user, upward.step(report, step, actor=user, note=payload.note))


@router.post("/incidents/{int:incident_id}/follow-up", response=WRITE)
def follow_up(request: HttpRequest, incident_id: int) -> Any:
    """Draft a follow-up report (续报) of an incident from its state now."""
    user = request_user(request)
    incident = get_object_or_404(Incident.objects.visible_to(user).select_related("jurisdiction"), pk=incident_id)
    report = upward.draft_follow_up(incident, actor=user)
    return Status(201, IncidentReportOut.from_orm(report).dict())


@router.get("/swaps/", response=list[SwapOut])
@paginate(Pagination)
def list_swaps(request: HttpRequest, filters: Query[ReportFilters]):  # type: ignore[no-untyped-def]
    queryset = SwapRequest.objects.visible_to(request_user(request))
    return apply_list_filters(queryset, filters, search_fields=("reason",)).order_by("-created_at")


@router.post("/shifts/{int:pk}/swaps", response=WRITE)
def request_swap(request: HttpRequest, pk: int, payload: SwapIn) -> Any:
    """Someone on the shift asks a colleague to stand in (or to exchange it for `counterpart`)."""
    user = request_user(request)
    shift = _shift(user, pk)
    replacement = _staff(shift.jurisdiction, payload.replacement, "replacement")
    counterpart = _shift(user, payload.counterpart) if payload.counterpart is not None else None
    swap = swaps.request_swap(shift, actor=user, replacement=replacement, counterpart=counterpart,
                              reason=payload.reason)
    return Status(201, SwapOut.from_orm(swap).dict())


@router.post("/swaps/{int:pk}/{step}", response={200: DutyStepOut, **READ})
def swap_step(request: HttpRequest, pk: int, step: str, payload: DutyStepIn) -> Any:
    """agree, decline (the colleague); approve, reject (the roster's manager); cancel (the requester)."""
    user = request_user(request)
    swap = get_object_or_404(SwapRequest.objects.visible_to(user).select_related("shift", "counterpart"), pk=pk)
    if step not in SWAP.by_name:
        raise Http404
    return _step_out(SWAP, user, swaps.step(swap, step, actor=user, note=payload.note))
