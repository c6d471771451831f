"""API of incidents and dispatch: /api/v1/incidents/.

External platforms (119, 110, 12345, IoT gateways) push calls to `POST /`
with an `Idempotency-Key` header (or `idempotency_key` field): the same call
pushed twice answers the first incident with 200 instead of 201.
"""

import datetime
import math
import re
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from pydantic import WithJsonSchema

from yingji.audit.services import history_rows
from yingji.core import ratelimit
from yingji.core.api import (
    NOT_BLANK,
    ClientDatetime,
    ErrorOut,
    ListFilters,
    Pagination,
    Year,
    apply_list_filters,
    refuses,
    request_user,
)
from yingji.core.idempotency import idempotent
from yingji.core.scope import ensure
from yingji.incidents import catalogue
from yingji.incidents.models import (
    OPEN_STATUSES,
    Channel,
    Dispatch,
    Incident,
    Outcome,
    Severity,
)
from yingji.incidents.presenters import (
    dispatch_dict,
    geojson_incidents,
    geojson_teams,
    incident_detail,
    incident_dict,
)
from yingji.incidents.services import clock, intake, respond, routes
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.timeline import event_json
from yingji.resources.gazetteer import gazetteer

router = Router(tags=["incidents"])


#: A code of the catalogue of incident types (incidents/catalogue.py, GET /types): a fixed list in code, so
#: the document names the codes and a request with another is refused before the service reads it.
TypeCode = Literal[tuple(catalogue.BY_CODE)]  # type: ignore[valid-type]

#: `min_lon,min_lat,max_lon,max_lat`: four decimal numbers (as the console's map sends them), as the document
#: states it; read with Python's `re.search`, as a JSON Schema validator reads a pattern.
BBOX_PATTERN = r"^-?[0-9]+(\.[0-9]+)?(,-?[0-9]+(\.[0-9]+)?){3}$"
BBOX = {"type": "string", "pattern": BBOX_PATTERN, "description": "min_lon,min_lat,max_lon,max_lat"}


#: The rules of a call JSON Schema cannot state (intake.report_incident): the place is a point inside the
#: platform's jurisdictions or an address the gazetteer knows, the phone a number, the time not ahead.
CALL_RULES = {
    "lon": "a point inside a jurisdiction of the platform (WGS-84)",
    "lat": "lon and lat both, or neither (then the address gives the place)",
    "address": "without lon and lat, an address or landmark the gazetteer knows",
    "reporter_phone": "an 11-digit mobile (13…–19…), a landline with its area code (0755-83000000) or a "
                      "400/800 line",
    "received_at": "not in the future",
}


class _CallIn(Schema):
    channel: Channel = Channel.API
    severity: Severity = Severity.IV
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=20)
    received_at: ClientDatetime | None = Field(None, description="Without an offset: Beijing time.")
    external_source: str = Field("", max_length=40)
    idempotency_key: str = Field("", max_length=100)


class IncidentIn(_CallIn):
    type_code: TypeCode = Field(..., description="A code of GET /types.")


class BatchCallIn(_CallIn):
    """A call of a batch: an unknown type refuses that call alone (its result says so), not the batch."""

    type_code: str = Field(..., max_length=8, description="A code of GET /types.")


class PublicIn(Schema):
    type_code: TypeCode = Field(..., description="A code of GET /types.")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field(..., min_length=5, max_length=20)


class ReceiptOut(Schema):
    reference: str
    status: str
    status_label: str
    type_label: str
    received_at: datetime.datetime


class ActivateIn(Schema):
    team_ids: list[int] = Field(default_factory=list, description="Empty: the recommended set.")


class AddTeamIn(Schema):
    team_id: int


class IncidentNoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000, json_schema_extra={"pattern": NOT_BLANK})
    dispatch_id: int | None = None


class ResponderStepIn(Schema):
    people_sent: int | None = Field(None, ge=0, le=500)
    vehicles_sent: int | None = Field(None, ge=0, le=100)
    equipment_sent: str | None = Field(None, max_length=300)
    note: str = Field("", max_length=2000)


class MaterialIn(Schema):
    name: str = Field("", max_length=100, description="A catalogue name or alias, or free text for a line "
                                                      "only recorded.")
    material: int | str | None = Field(None, description="A catalogue material's id or code, instead of the name.")
    quantity: float = Field(..., gt=0, le=1_000_000_000, description="Whole units when issued from a warehouse.")
    unit: str = Field("", max_length=10)
    warehouse: int | str | None = Field(None, description="Id or code of the warehouse it was issued from, "
                                                          "through the supplies ledger; without one the line is "
                                                          "only recorded.")


#: What the counts' columns hold (PositiveIntegerField).
MAX_COUNT = 2_147_483_647


class CloseIn(Schema):
    outcome: Outcome
    deaths: int = Field(0, ge=0, le=MAX_COUNT)
    injuries: int = Field(0, ge=0, le=MAX_COUNT)
    rescued: int = Field(0, ge=0, le=MAX_COUNT)
    loss_yuan: float = Field(0, ge=0, le=999_999_999_999.99, description="Yuan, kept to the fen (14 digits).")
    materials_used: list[MaterialIn] = Field(default_factory=list)
    evaluation: str = Field("", max_length=4000)


class PositionIn(Schema):
    lon: float | None = Field(None, ge=-180, le=180, description="The phone's longitude (WGS-84).")
    lat: float | None = Field(None, ge=-90, le=90, description="The phone's latitude (WGS-84).")


class MergeIn(Schema):
    into: int


class IncidentFilters(ListFilters):
    status: str | None = Field(None, description="A status, or 'open' for every open one.")
    type_code: str | None = None
    channel: str | None = None


def _incident(request: HttpRequest, pk: int) -> Incident:
    user = request_user(request)
    return get_object_or_404(respond.incidents_visible_to(user).select_related("jurisdiction"), pk=pk)


def _dispatch(request: HttpRequest, pk: int) -> Dispatch:
    user = request_user(request)
    return get_object_or_404(respond.dispatches_visible_to(user).select_related("incident__jurisdiction", "team"),
                             pk=pk)


# ------------------------------------------------------------------ reference
@router.get("/types", response=list[dict])
def incident_types(request: HttpRequest) -> list[dict[str, Any]]:
    """The catalogue: national categories of emergencies and the stations' service calls."""
    return [{"code": t.code, "label": str(t.label), "category": t.category,
             "category_label": str(catalogue.CATEGORY_LABELS[t.category]), "specialties": list(t.specialties),
             "service": t.service, "materials": list(t.materials), "teams_needed": t.teams_needed}
            for t in catalogue.TYPES]


@router.get("/places", response=list[dict])
def places(request: HttpRequest, q: str) -> list[dict[str, Any]]:
    """Gazetteer: stations and jurisdictions whose names match (address → point)."""
    return [{"label": p.label, "lon": p.lon, "lat": p.lat, "kind": p.kind, "approximate": p.approximate}
            for p in gazetteer(q, user=request_user(request))]


# --------------------------------------------------------------------- public
@router.post("/public", auth=None, response={201: ReceiptOut, 422: ErrorOut, 429: ErrorOut},
             openapi_extra=refuses(**{k: v for k, v in CALL_RULES.items() if k != "received_at"}))
def public_report(request: HttpRequest, payload: PublicIn) -> Any:
    """The residents' form: no login, rate-limited per address; answers only a receipt."""
    if not ratelimit.allow_public(request):
        raise HttpError(429, _("Too many reports from this address; please call 119 or try again in a minute."))
    incident, _created = intake.report_incident(actor=None, channel=Channel.PUBLIC, **payload.dict())
    return Status(201, _receipt(incident))


@router.get("/public/{reference}", auth=None, response={200: ReceiptOut, 404: ErrorOut, 429: ErrorOut})
def public_receipt(request: HttpRequest, reference: str) -> Any:
    if not ratelimit.allow_public(request, "receipt"):
        raise HttpError(429, _("Too many requests; try again in a minute."))
    return _receipt(get_object_or_404(Incident, reference=reference))


def _receipt(incident: Incident) -> dict[str, Any]:
    return {"reference": incident.reference, "status": incident.status,
            "status_label": str(incident.get_status_display()), "type_label": incident.type_label,
            "received_at": incident.received_at}


# ------------------------------------------------------------------ incidents
@router.get("/", response=dict)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters],
                   page: Query[Pagination.Input]) -> dict[str, Any]:
    """Answers {items, count, page, page_size} like every list (the items carry masked phones)."""
    user = request_user(request)
    queryset = respond.incidents_visible_to(user).select_related("jurisdiction")
    queryset = apply_list_filters(queryset, filters, search_fields=("address", "description", "reference"))
    if filters.status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.type_code:
        queryset = queryset.filter(type_code=filters.type_code)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    start = (page.page - 1) * page.page_size
    items = queryset.order_by("-received_at")[start:start + page.page_size]
    return {"items": [incident_dict(i, user) for i in items], "count": queryset.count(), "page": page.page,
            "page_size": page.page_size}


@router.post("/", response={200: dict, 201: dict, 403: ErrorOut, 422: ErrorOut}, openapi_extra=refuses(**CALL_RULES))
def create_incident(request: HttpRequest, payload: IncidentIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    data["idempotency_key"] = request.headers.get("Idempotency-Key", "") or data["idempotency_key"]
    incident, created = intake.report_incident(actor=user, **data)
    return Status(201 if created else 200, {"id": incident.pk, "reference": incident.reference, "created": created,
                                       "jurisdiction": incident.jurisdiction.code,
                                       "possible_duplicate_of": incident.possible_duplicate_of_id})


class IncidentBatchIn(Schema):
    incidents: list[BatchCallIn] = Field(..., min_length=1, max_length=intake.MAX_BATCH)


class BatchItemOut(Schema):
    index: int
    status: str = Field(..., description="created, existing (same idempotency key) or rejected")
    id: int | None = None
    reference: str | None = None
    jurisdiction: str | None = None
    possible_duplicate_of: int | None = None
    errors: list[dict[str, str]] = []


class BatchOut(Schema):
    created: int
    existing: int
    rejected: int
    results: list[BatchItemOut]


@router.post("/batch", response={200: BatchOut, 403: ErrorOut, 422: ErrorOut})
def create_incidents(request: HttpRequest, payload: IncidentBatchIn) -> Any:
    """Up to 100 calls in one request, for platforms that push in bulk (catching up after an outage, say).

    Each call is checked as POST / checks it and refused on its own (status
    "rejected" with its field errors) without holding up the others; a call
    whose idempotency key is already known answers "existing". A body that is
    not valid JSON of this shape is refused as a whole (422).
    """
    user = request_user(request)
    results = intake.report_incidents(actor=user, calls=[call.dict() for call in payload.incidents])
    items = []
    for result in results:
        if result.incident is None:
            errors = [{"field": name, "message": str(message)} for name, messages in result.errors.items()
                      for message in messages]
            if result.forbidden:
                errors = [{"field": "", "message": _("You may not report incidents there.")}]
            items.append({"index": result.index, "status": "rejected", "errors": errors})
            continue
        incident = result.incident
        items.append({"index": result.index, "status": "created" if result.created else "existing",
                      "id": incident.pk, "reference": incident.reference, "jurisdiction": incident.jurisdiction.code,
                      "possible_duplicate_of": incident.possible_duplicate_of_id})
    counts = {status: sum(1 for item in items if item["status"] == status)
              for status in ("created", "existing", "rejected")}
    return {**counts, "results": items}


@router.get("/geojson", response=dict, openapi_extra=refuses(
    bbox="longitudes within -180 to 180, latitudes within -90 to 90, each minimum no more than its maximum"))
def incidents_geojson(request: HttpRequest, include_closed: bool = False,
                      bbox: Annotated[str | None, WithJsonSchema(BBOX)] = None) -> dict[str, Any]:
    """Open incidents (or all of the last day) as points for the console map, the newest 2,000.

    `bbox=min_lon,min_lat,max_lon,max_lat` (the map's view): only the incidents inside it.
    `truncated` says more incidents matched than were sent (zoom in to see them); then `total` counts
    them and, with a box, `clusters` gives their count per cell of a grid over the box."""
    user = request_user(request)
    queryset = respond.incidents_visible_to(user)
    if include_closed:
        queryset = queryset.filter(received_at__gte=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1))
    else:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    box = None
    if bbox is not None:
        box = min_lon, min_lat, max_lon, max_lat = parse_bbox(bbox)
        queryset = queryset.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
    return geojson_incidents(queryset, box=box)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """`min_lon,min_lat,max_lon,max_lat` in degrees, or a ValidationError naming `bbox`."""
    try:
        box = tuple(float(part) for part in text.split(",")) if re.search(BBOX_PATTERN, text) else ()
    except ValueError:
        box = ()
    if (len(box) != 4 or not all(math.isfinite(x) for x in box) or not -180 <= box[0] <= box[2] <= 180
            or not -90 <= box[1] <= box[3] <= 90):
        raise DjangoValidationError({"bbox": _("Give the map's box as min_lon,min_lat,max_lon,max_lat in degrees.")})
    return box  # type: ignore[return-value]


@router.get("/teams/geojson", response=dict)
def teams_geojson(request: HttpRequest) -> dict[str, Any]:
    """Teams by status and station, for the console map."""
    return geojson_teams(request_user(request))


#: How the 1-3-5 figures are grouped (clock.GROUPINGS).
Grouping = Literal[clock.GROUPINGS]  # type: ignore[valid-type]


@router.get("/stats", response=dict)
def stats(request: HttpRequest, by: Grouping = "month", year: Year | None = None) -> dict[str, Any]:
    """The 1-3-5 figures aggregated per month, street, community, incident type or station."""
    queryset = Incident.objects.visible_to(request_user(request)).exclude(status="cancelled")
    if year:
        queryset = queryset.filter(received_at__year=year)
    return {"by": by, "targets_s": clock.TARGETS_S, "rows": clock.aggregate(queryset, by)}


@router.get("/dispatches/mine", response=list[dict])
def my_dispatches(request: HttpRequest, active: bool = True) -> list[dict[str, Any]]:
    """The call-outs of the caller's own teams (the responder's phone)."""
    queryset = respond.my_dispatches(request_user(request)).select_related("incident", "team")
    if active:
        queryset = queryset.filter(status__in=["called", "acknowledged", "departed", "on_scene", "handled"])
    return [dispatch_dict(d, with_incident=True) for d in queryset.order_by("-called_at")[:100]]


@router.get("/dispatches/{pk}/route", response={200: dict, 404: ErrorOut, 422: ErrorOut},
            openapi_extra=refuses(lon="lon and lat when the team has no position or station"))
def dispatch_route(request: HttpRequest, pk: int, where: Query[PositionIn]) -> Any:
    """The road path to the scene as a GeoJSON Feature (LineString) with minutes and metres.

    From the team's standby position or station, or from `lon`/`lat` (the
    phone's position) when both are given; `estimated` is true for the
    straight-line guess without a road network. A member of the dispatched
    team or anyone who may view the incident; anyone else gets 404.
    """
    position = (where.lon, where.lat) if where.lon is not None and where.lat is not None else None
    return routes.dispatch_route(_dispatch(request, pk), position)


@router.post("/dispatches/{pk}/report", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def report_dispatch(request: HttpRequest, pk: int, payload: ResponderStepIn) -> Any:
    d = respond.report_sent(_dispatch(request, pk), actor=request_user(request), people_sent=payload.people_sent,
                            vehicles_sent=payload.vehicles_sent, equipment_sent=payload.equipment_sent)
    return Status(200, dispatch_dict(d))


#: The steps a call-out moves on by (respond.STEPS).
Step = Literal[tuple(respond.STEPS)]  # type: ignore[valid-type]


@router.post("/dispatches/{pk}/{step}", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(step="a step the call-out's status allows (an arrived team cannot depart)"))
def advance_dispatch(request: HttpRequest, pk: int, step: Step, payload: ResponderStepIn) -> Any:
    """step: acknowledge, depart, arrive or handled."""
    d = respond.advance(_dispatch(request, pk), step, actor=request_user(request), **payload.dict())
    return Status(200, dispatch_dict(d))


def _moved(to: str) -> HttpResponse:
    return HttpResponsePermanentRedirect(to, preserve_request=True)  # 308: the method and body are kept


# Notifications and webhook targets moved to messaging (/api/v1/messaging/): the old addresses answer 308.
@router.get("/notifications/mine", include_in_schema=False)
def my_notifications(request: HttpRequest) -> HttpResponse:
    return _moved("/api/v1/messaging/inbox")


@router.api_operation(["GET", "POST"], "/webhooks", include_in_schema=False)
def webhooks(request: HttpRequest) -> HttpResponse:
    return _moved("/api/v1/messaging/robots")


@router.delete("/webhooks/{pk}", include_in_schema=False)
def delete_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    return _moved(f"/api/v1/messaging/robots/{pk}")


@router.get("/{pk}", response=dict)
def get_incident(request: HttpRequest, pk: int) -> dict[str, Any]:
    return incident_detail(_incident(request, pk), request_user(request))


@router.get("/{pk}/events", response=list[dict])
def incident_events(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    return [event_json(e) for e in _incident(request, pk).events.order_by("at", "id")]


@router.get("/{pk}/candidates", response=dict)
def candidates(request: HttpRequest, pk: int, k: int = 10) -> dict[str, Any]:
    """Teams to call, nearest by road first, and warehouses for the usual materials."""
    user = request_user(request)
    # Only who may dispatch the incident sees candidates, so the scope check alone decides (404 or 403).
    incident = dispatching.incident_for_ranking(pk)
    if incident is None:
        raise Http404
    ensure(user, "dispatch", incident)
    ranked = dispatching.recommend(incident, user=user, k=max(1, min(k, 50)))
    chosen = {c.team_id for c in dispatching.recommended_set(incident, ranked)}
    return {"incident": incident.pk, "estimated": any(c.estimated for c in ranked),
            "candidates": [{**c.as_dict(), "recommended": c.team_id in chosen} for c in ranked],
            "warehouses": dispatching.warehouses_for(incident, user=user)}


@router.post("/{pk}/activate", response={201: list[dict], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(teams="before initial handling is done, teams available to be called to the "
                                         "open incident"))
def activate(request: HttpRequest, pk: int, payload: ActivateIn) -> Any:
    """One-click activation: the recommended set when `team_ids` is empty."""
    dispatches = dispatching.activate(_incident(request, pk), actor=request_user(request),
                                      team_ids=payload.team_ids or None)
    return Status(201, [dispatch_dict(d) for d in dispatches])


@router.get("/{pk}/teams", response={200: list[dict], 403: ErrorOut, 404: ErrorOut})
def search_teams(request: HttpRequest, pk: int, q: str = "") -> Any:
    """Available teams the caller may call out whose name (or station's) contains `q`, nearest first."""
    user = request_user(request)
    incident = _incident(request, pk)
    ensure(user, "dispatch", incident)
    return [c.as_dict() for c in dispatching.find_teams(incident, user=user, text=q)]


@router.post("/{pk}/teams", response={201: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(teams="a team available to be called, not already called, to the open incident"))
def add_team(request: HttpRequest, pk: int, payload: AddTeamIn) -> Any:
    """Call one more team chosen by name (按名称增派), beyond the ranked candidates, even after initial handling."""
    return Status(201, dispatch_dict(dispatching.add_team(_incident(request, pk), payload.team_id,
                                                         actor=request_user(request))))


@router.post("/{pk}/notes", response={201: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def add_note(request: HttpRequest, pk: int, payload: IncidentNoteIn) -> Any:
    incident = _incident(request, pk)
    dispatch = get_object_or_404(incident.dispatches, pk=payload.dispatch_id) if payload.dispatch_id else None
    row = intake.add_note(incident, actor=request_user(request), text=payload.text, dispatch=dispatch)
    return Status(201, event_json(row))


@router.post("/{pk}/close", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(outcome="an open incident (a closed one is not closed again)",
                                   materials_used="each line a material (a name or a catalogue material); a line "
                                                  "from a warehouse within its stock"))
@decorate_view(idempotent)  # the close-out issues the materials used from stock
def close(request: HttpRequest, pk: int, payload: CloseIn) -> Any:
    data = payload.dict()
    incident = dispatching.close_incident(_incident(request, pk), actor=request_user(request), **data)
    return Status(200, incident_detail(incident, request_user(request)))


@router.post("/{pk}/merge", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(into="another open incident, the duplicate open too"))
def merge(request: HttpRequest, pk: int, payload: MergeIn) -> Any:
    duplicate = _incident(request, pk)
    into = _incident(request, payload.into)
    merged = intake.merge_incident(duplicate, into, actor=request_user(request))
    return Status(200, incident_dict(merged, request_user(request)))


@router.get("/{pk}/history", response=list[dict])
def incident_history(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    return history_rows(_incident(request, pk))
