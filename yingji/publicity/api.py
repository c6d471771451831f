"""API of publicity: /api/v1/publicity/.

    /events[/{id}]            list (filters: jurisdiction, q, venue, campaign, year), create, read, change, delete
    /events/{id}/photos       add photos (multipart, checked like the hazards' photos)
    /events.xlsx · /events/import
    /points                   publicity points (宣传点): list, create
    /counts?start=&end=&jurisdiction=   per street and community: events by venue and campaign, people, points

Everything is read through the scope rule; out of scope answers 404.
"""


import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

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
from yingji.core.scope import has_perm_somewhere
from yingji.jurisdictions.models import Jurisdiction
from yingji.publicity import services
from yingji.publicity.imports import EventTable
from yingji.publicity.models import Campaign, PointCategory, PublicityEvent, PublicityPoint, Venue
from yingji.training.areas import area_for

router = Router(tags=["publicity"])
WRITE_ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class EventIn(Schema):
    jurisdiction: str
    title: str = Field(..., min_length=1, max_length=200)
    held_on: datetime.date
    venue: Venue | None = None
    campaign: Campaign | None = None
    place: str = Field(..., min_length=1, max_length=200)
    audience: int = Field(0, ge=0, le=services.MAX_AUDIENCE)
    organiser: str = Field("", max_length=100)
    notes: str = Field("", max_length=4000)


class EventPatch(Schema):
    """The fields given change (a title, a date and a place cannot be emptied; venue, campaign null: none)."""

    title: str = Field(None, min_length=1, max_length=200)
    held_on: datetime.date = Field(None)
    venue: Venue | None = None
    campaign: Campaign | None = None
    place: str = Field(None, min_length=1, max_length=200)
    audience: int | None = Field(None, ge=0, le=services.MAX_AUDIENCE)
    organiser: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=4000)


class PhotoOut(Schema):
    id: int
    url: str
    thumbnail: str
    width: int
    height: int


class EventOut(Schema):
    id: int
    jurisdiction: str
    jurisdiction_name: str
    title: str
    held_on: datetime.date
    venue: str
    campaign: str
    place: str
    audience: int
    organiser: str
    notes: str
    photos: list[PhotoOut]


class PointIn(Schema):
    jurisdiction: str
    name: str = Field(..., min_length=1, max_length=120)
    category: PointCategory
    address: str = Field("", max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    is_active: bool = True


class PointOut(Schema):
    id: int
    jurisdiction: str
    name: str
    category: str
    address: str
    lon: float | None
    lat: float | None
    is_active: bool


class CountsOut(Schema):
    code: str
    name: str
    level: str
    events: int
    audience: int
    venues: dict[str, int]
    campaigns: dict[str, int]
    points: dict[str, int]


def _event_out(event: PublicityEvent) -> dict[str, Any]:
    return {"id": event.pk, "jurisdiction": event.jurisdiction.code, "jurisdiction_name": event.jurisdiction.name,
            "title": event.title, "held_on": event.held_on, "venue": event.venue, "campaign": event.campaign,
            "place": event.place, "audience": event.audience, "organiser": event.organiser, "notes": event.notes,
            "photos": [{"id": p.pk, "url": p.file.url, "thumbnail": p.thumbnail.url, "width": p.width,
                        "height": p.height} for p in event.photos.all()]}


def _events(user: Any) -> Any:
    return PublicityEvent.objects.visible_to(user).select_related("jurisdiction").prefetch_related("photos")


def _event(request: HttpRequest, event_id: int) -> PublicityEvent:
    return get_object_or_404(_events(request_user(request)), pk=event_id)


def _jurisdiction(request: HttpRequest, code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)), code=code)


@router.get("/events", response=list[EventOut])
@paginate(Pagination)
def events(request: HttpRequest, filters: Query[ListFilters], venue: Venue | None = None,
           campaign: Campaign | None = None,
           year: int | None = Query(None, ge=2000, le=2100)) -> Any:  # type: ignore[no-untyped-def]
    queryset = apply_list_filters(_events(request_user(request)), filters, search_fields=("title", "place"))
    if venue:
        queryset = queryset.filter(venue=venue)
    if campaign:
        queryset = queryset.filter(campaign=campaign)
    if year is not None:
        queryset = queryset.filter(held_on__year=year)
    return [_event_out(e) for e in queryset.order_by("-held_on", "id")]


@router.post("/events", response={201: EventOut, **WRITE_ERRORS},
             openapi_extra=refuses(jurisdiction="the district, a street, a community or a grid",
                                  title="not only spaces", place="not only spaces",
                                  held_on="in the campaign's month when a campaign is given"))
def create_event(request: HttpRequest, payload: EventIn) -> Any:
    data = payload.dict()
    data["venue"], data["campaign"] = data["venue"] or "", data["campaign"] or ""
    event = services.create_event(actor=request_user(request),
                                  jurisdiction=_jurisdiction(request, data.pop("jurisdiction")), **data)
    return Status(201, _event_out(event))


@router.get("/events/{event_id}", response={200: EventOut, 404: ErrorOut})
def event_detail(request: HttpRequest, event_id: int) -> Any:
    return _event_out(_event(request, event_id))


@router.patch("/events/{event_id}", response={200: EventOut, **WRITE_ERRORS},
              openapi_extra=refuses(title="not only spaces", place="not only spaces",
                                    held_on="in the campaign's month when the event has (or is given) one"))
def change_event(request: HttpRequest, event_id: int, payload: EventPatch) -> Any:
    changes = payload.dict(exclude_unset=True)
    for name in ("venue", "campaign"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    services.update_event(_event(request, event_id), actor=request_user(request), **changes)
    return _event_out(_event(request, event_id))


@router.delete("/events/{event_id}", response={204: None, **WRITE_ERRORS})
def delete_event(request: HttpRequest, event_id: int) -> Any:
    services.delete_event(_event(request, event_id), actor=request_user(request))
    return Status(204, None)


@router.post("/events/{event_id}/photos", response={201: EventOut, **WRITE_ERRORS})
def add_photos(request: HttpRequest, event_id: int, photos: File[list[UploadedFile]]) -> Any:
    services.add_photos(_event(request, event_id), photos, actor=request_user(request))
    return Status(201, _event_out(_event(request, event_id)))


@router.get("/events.xlsx", response={200: None, 403: ErrorOut})
def export_events(request: HttpRequest) -> HttpResponse:
    return xlsx_response(EventTable(request_user(request)).stream_xlsx(), _("publicity events"))


@router.post("/events/import", response={200: ImportResultOut, 403: ErrorOut, 422: ImportResultOut})
def import_events(request: HttpRequest, file: File[UploadedFile]) -> Any:
    result = EventTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


def _point_out(point: PublicityPoint) -> dict[str, Any]:
    return {"id": point.pk, "jurisdiction": point.jurisdiction.code, "name": point.name, "category": point.category,
            "address": point.address, "lon": point.lon, "lat": point.lat, "is_active": point.is_active}


@router.get("/points", response=list[PointOut])
@paginate(Pagination)
def points(request: HttpRequest, filters: Query[ListFilters],
           category: PointCategory | None = None) -> Any:  # type: ignore[no-untyped-def]
    queryset = apply_list_filters(PublicityPoint.objects.visible_to(request_user(request))
                                  .select_related("jurisdiction"), filters, search_fields=("name", "address"))
    if category:
        queryset = queryset.filter(category=category)
    return [_point_out(p) for p in queryset]


@router.post("/points", response={201: PointOut, **WRITE_ERRORS},
             openapi_extra=refuses(name="not only spaces", lon="with lat, or neither"))
def create_point(request: HttpRequest, payload: PointIn) -> Any:
    data = payload.dict()
    point = services.create_point(actor=request_user(request),
                                  jurisdiction=_jurisdiction(request, data.pop("jurisdiction")), **data)
    return Status(201, _point_out(point))


@router.get("/counts", response={200: list[CountsOut], 403: ErrorOut, 404: ErrorOut})
def counts(request: HttpRequest, start: datetime.date, end: datetime.date, jurisdiction: str | None = None) -> Any:
    """Per street and community: events held from `start` to `end`, by venue and campaign, people, points."""
    user = request_user(request)
    if not has_perm_somewhere(user, "publicity.view_publicityevent"):
        raise PermissionDenied
    return services.publicity_counts(area_for(user, jurisdiction, "publicity.view_publicityevent"), start, end)
