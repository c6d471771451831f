"""API of early warnings: /api/v1/warnings/ — the same services as the pages."""


import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from yingji.core.api import (
    ClientDatetime,
    ErrorOut,
    ListFilters,
    Pagination,
    apply_list_filters,
    request_user,
)
from yingji.core.masking import phone_for
from yingji.jurisdictions.models import Jurisdiction
from yingji.messaging import robots
from yingji.warnings import audience, cap, progress, services
from yingji.warnings.catalogue import Hazard, Level
from yingji.warnings.models import (
    CapScope,
    CapStatus,
    Certainty,
    EarlyWarning,
    State,
    TargetGroup,
    Urgency,
    WarningRecipient,
)
from yingji.warnings.workflows import WARNING

router = Router(tags=["warnings"])
STEPS = ("submit", "approve", "reject", "release", "release_cancel")


class AreaOut(Schema):
    area_desc: str
    polygons: list[list[list[float]]]
    circles: list[list[float]]
    geocodes: list[list[str]]


class InfoOut(Schema):
    language: str
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    onset: datetime.datetime | None
    expires: datetime.datetime | None
    headline: str
    description: str
    instruction: str
    areas: list[AreaOut]


class WarningOut(Schema):
    id: int
    identifier: str
    sender: str
    sent: datetime.datetime | None
    msg_type: str
    cap_status: str
    scope: str
    references: str
    level: str
    hazard: str
    state: str
    origin: str
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    headline: str
    target_groups: list[str]
    channels: list[str]
    ask_ack: bool
    remind_after_minutes: int | None
    previous_id: int | None
    updated_at: datetime.datetime


class WarningDetailOut(WarningOut):
    infos: list[InfoOut]
    steps: list[str]


class AreaIn(Schema):
    kind: str = Field(..., description="polygon, circle or jurisdiction")
    desc: str = Field("", max_length=300)
    ring: list[list[float]] | None = Field(None, description="[[lon, lat], …] WGS-84")
    circle: list[float] | None = Field(None, description="[lon, lat, radius_km]")
    jurisdiction: str = Field("", max_length=20, description="a jurisdiction code")


# A jurisdiction's level is also called Level: the warning's is named apart in the OpenAPI document.
WarningLevel = Annotated[Level, WithJsonSchema({"title": "WarningLevel", "type": "string",
                                                "enum": [choice.value for choice in Level]})]


class WarningIn(Schema):
    jurisdiction: str = Field(..., max_length=20, description="Code of the jurisdiction the warning is issued for.")
    level: WarningLevel
    hazard: Hazard
    headline: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    instruction: str = Field("", max_length=5000)
    urgency: Urgency = Urgency.EXPECTED
    certainty: Certainty = Certainty.LIKELY
    onset: ClientDatetime | None = None
    expires: ClientDatetime
    areas: list[AreaIn] = Field(..., max_length=50)
    target_groups: list[TargetGroup] = [TargetGroup.GRID_WORKERS]
    contact_lists: list[int] = Field([], description="ids of messaging contact lists (key groups)")
    channels: list[str] = ["in_app", "push", "sms"]
    ask_ack: bool = True
    remind_after_minutes: int | None = Field(None, ge=1, le=1440)
    cap_status: CapStatus = CapStatus.ACTUAL
    scope: CapScope = CapScope.PUBLIC
    restriction: str = Field("", max_length=300)


class WarningStepIn(Schema):
    note: str = Field("", max_length=300)


class PreviewOut(Schema):
    people: int
    robots: int
    by_group: dict[str, int]
    by_channel: dict[str, int]
    unreachable: int


class WarningFilters(ListFilters):
    state: State | None = None
    level: WarningLevel | None = None


def _visible(request: HttpRequest) -> Any:
    return EarlyWarning.objects.visible_to(request_user(request)).select_related("jurisdiction")


def _get(request: HttpRequest, pk: int) -> EarlyWarning:
    return get_object_or_404(_visible(request), pk=pk)


def _detail(request: HttpRequest, warning: EarlyWarning) -> EarlyWarning:
    """The warning with its info blocks and areas, and the steps the caller may take now."""
    warning = EarlyWarning.objects.select_related("jurisdiction").prefetch_related("infos__areas").get(pk=warning.pk)
    warning.steps = [t.name for t in WARNING.allowed(request_user(request), warning)]  # type: ignore[attr-defined]
    return warning


@router.get("/", response=list[WarningOut])
@paginate(Pagination)
def list_warnings(request: HttpRequest, filters: Query[WarningFilters]):  # type: ignore[no-untyped-def]
    queryset = apply_list_filters(_visible(request).prefetch_related("infos"), filters,
                                  search_fields=("identifier", "infos__headline"))
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.level:
        queryset = queryset.filter(level=filters.level)
    return queryset.distinct().order_by("-created_at", "-pk")


@router.post("/", response={201: WarningDetailOut, 422: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def compose_warning(request: HttpRequest, payload: WarningIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    jurisdiction = get_object_or_404(Jurisdiction.objects.visible_to(user), code=data.pop("jurisdiction"))
    data["areas"] = [services.AreaInput(**a) for a in data["areas"]]
    warning = services.compose(actor=user, jurisdiction=jurisdiction, **data)
    return Status(201, _detail(request, warning))


@router.post("/import", response={200: WarningDetailOut, 201: WarningDetailOut, 422: ErrorOut, 403: ErrorOut,
                                  404: ErrorOut})
def import_cap(request: HttpRequest, jurisdiction: str, file: File[UploadedFile]) -> Any:
    """A CAP 1.2 message as a draft (201), or the one already received (200); 422 with the schema's reason."""
    user = request_user(request)
    place = get_object_or_404(Jurisdiction.objects.visible_to(user), code=jurisdiction)
    if file.size is not None and file.size > cap.MAX_BYTES:
        message = _("The file is larger than %(size)d MB.") % {"size": cap.MAX_BYTES // (1024 * 1024)}
        return Status(422, {"detail": message, "code": "invalid", "errors": [{"field": "file", "message": message}]})
    try:
        result = services.import_cap(file.read(), jurisdiction=place, actor=user)
    except cap.CapError as exc:
        return Status(422, {"detail": str(exc), "code": "invalid", "errors": [{"field": "file", "message": str(exc)}]})
    return Status(201 if result.created else 200, _detail(request, result.warning))


@router.get("/{pk}", response=WarningDetailOut)
def get_warning(request: HttpRequest, pk: int) -> Any:
    return _detail(request, _get(request, pk))


@router.get("/{pk}/cap", response={200: None})
def get_cap(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(services.export_xml(_get(request, pk)), content_type=cap.CONTENT_TYPE)


@router.get("/{pk}/preview", response=PreviewOut)
def preview(request: HttpRequest, pk: int) -> Any:
    """Who the warning goes to: people per group and how many each channel reaches."""
    warning = _get(request, pk)
    summary = audience.preview(services.recipients(warning), warning.channels,
                               robots=len(robots.listening(warning.jurisdiction, "warnings")))
    return {"people": summary.people, "by_group": summary.by_group, "by_channel": summary.by_channel,
            "unreachable": summary.unreachable, "robots": summary.robots}


@router.get("/{pk}/progress", response={200: dict, 404: ErrorOut})
def release_progress(request: HttpRequest, pk: int) -> Any:
    """How far a released warning got: people sent / delivered / read / acknowledged in total and by
    street and community, deliveries per channel and status, the robots."""
    return progress.of(_get(request, pk)).as_dict()


class WaitingOut(Schema):
    name: str
    street: str | None = Field(None, alias="street.name")
    community: str | None = Field(None, alias="community.name")
    phone: str
    reminders: int

    @staticmethod
    def resolve_phone(obj: WarningRecipient, context: Any) -> str:
        # Masked for roles without personal data over the person's place (core.masking).
        path = obj.jurisdiction.path if obj.jurisdiction else obj.warning.jurisdiction.path
        return phone_for(request_user(context["request"]), obj.phone, path)


class WaitingFilters(Schema):
    street: int | None = None
    community: int | None = None


@router.get("/{pk}/waiting", response=list[WaitingOut])
@paginate(Pagination)
def not_acknowledged(request: HttpRequest, pk: int, filters: Query[WaitingFilters]):  # type: ignore[no-untyped-def]
    """Who has not acknowledged a released warning yet (people with an account), by street or community."""
    warning = _get(request, pk)
    return progress.not_acknowledged(warning, filters.street, filters.community).select_related("warning__jurisdiction")


class AckOut(Schema):
    warning: int
    acknowledged_at: datetime.datetime


@router.post("/{pk}/acknowledge", response={200: AckOut, 404: ErrorOut})
def acknowledge(request: HttpRequest, pk: int) -> Any:
    """"已收到" from a phone app: the caller confirms a warning they were sent (404 if they were not)."""
    warning = get_object_or_404(EarlyWarning, pk=pk)
    return {"warning": warning.pk, "acknowledged_at": services.acknowledge(warning, request_user(request))}


@router.post("/{pk}/steps/{step}", response={200: WarningDetailOut, 404: ErrorOut, 403: ErrorOut, 422: ErrorOut})
def take_step(request: HttpRequest, pk: int, step: str, payload: WarningStepIn) -> Any:
    """A workflow step: submit, approve, reject (with a note), release, release_cancel."""
    warning = _get(request, pk)
    if step not in STEPS:
        return Status(404, {"detail": _("Unknown step."), "code": "not_found", "errors": []})
    user = request_user(request)
    if step == "submit":
        services.submit(warning, actor=user, note=payload.note)
    elif step == "approve":
        services.approve(warning, actor=user, note=payload.note)
    elif step == "reject":
        services.reject(warning, actor=user, note=payload.note)
    else:
        services.release(warning, actor=user)
    return Status(200, _detail(request, warning))


@router.post("/{pk}/update", response={201: WarningDetailOut, 404: ErrorOut, 403: ErrorOut, 422: ErrorOut})
def draft_update(request: HttpRequest, pk: int) -> Any:
    return Status(201, _detail(request, services.compose_update(_get(request, pk), actor=request_user(request))))


@router.post("/{pk}/cancel", response={201: WarningDetailOut, 404: ErrorOut, 403: ErrorOut, 422: ErrorOut})
def draft_cancel(request: HttpRequest, pk: int, payload: WarningStepIn) -> Any:
    follower = services.compose_cancel(_get(request, pk), actor=request_user(request), note=payload.note)
    return Status(201, _detail(request, follower))
