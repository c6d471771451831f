"""API of the jurisdiction tree: /api/v1/jurisdictions/."""


import datetime
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.audit.services import history_rows
from yingji.core.api import (
    ErrorOut,
    ImportResultOut,
    ListFilters,
    Pagination,
    PolygonIn,
    apply_list_filters,
    request_user,
)
from yingji.core.files import xlsx_response
from yingji.core.scope import ensure
from yingji.jurisdictions import services
from yingji.jurisdictions.imports import JurisdictionTable
from yingji.jurisdictions.models import Jurisdiction, Level

router = Router(tags=["jurisdictions"])


class JurisdictionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str = Field(..., alias="get_level_display")
    parent_code: str | None = Field(None, alias="parent.code")
    path: str
    centroid_lon: float | None
    centroid_lat: float | None
    population: int
    households: int
    updated_at: datetime.datetime


class JurisdictionDetailOut(JurisdictionOut):
    boundary: dict[str, Any] | None


class JurisdictionIn(Schema):
    code: str = Field(..., max_length=20)
    name: str = Field(..., min_length=1, max_length=100)
    level: Level
    parent_code: str | None = None
    centroid_lon: float | None = Field(None, ge=-180, le=180)
    centroid_lat: float | None = Field(None, ge=-90, le=90)
    population: int = Field(0, ge=0)
    households: int = Field(0, ge=0)
    boundary: PolygonIn | None = None


class JurisdictionPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    centroid_lon: float | None = Field(None, ge=-180, le=180)
    centroid_lat: float | None = Field(None, ge=-90, le=90)
    population: int | None = Field(None, ge=0)
    households: int | None = Field(None, ge=0)
    boundary: PolygonIn | None = None


class JurisdictionFilters(ListFilters):
    level: Level | None = None
    parent: str | None = Field(None, description="Code of the parent: direct children only.")


def _get_visible(request: HttpRequest, code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)).select_related("parent"), code=code)


@router.get("/", response=list[JurisdictionOut])
@paginate(Pagination)
def list_jurisdictions(request: HttpRequest, filters: Query[JurisdictionFilters]):  # type: ignore[no-untyped-def]
    queryset = Jurisdiction.objects.visible_to(request_user(request)).select_related("parent")
    queryset = apply_list_filters(queryset, filters, search_fields=("name", "code"))
    if filters.level:
        queryset = queryset.filter(level=filters.level)
    if filters.parent:
        queryset = queryset.filter(parent__code=filters.parent)
    return queryset.order_by("path")


@router.get("/geojson", response=dict)
def jurisdictions_geojson(request: HttpRequest, level: Level | None = None, within: str | None = None) -> dict[str, Any]:
    """Boundaries (or centroids) as a GeoJSON FeatureCollection for the map."""
    queryset = Jurisdiction.objects.visible_to(request_user(request))
    if level:
        queryset = queryset.filter(level=level)
    if within:
        parent = _get_visible(request, within)
        queryset = queryset.in_subtree(parent.path)
    return services.feature_collection(queryset)


@router.get("/export", response={200: None})
def export_jurisdictions(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    table = JurisdictionTable(user)
    objects = Jurisdiction.objects.restrict(user, "export").select_related("parent").order_by("path")
    return xlsx_response(table.stream_xlsx(objects), str(_("jurisdictions")))


@router.post("/import", response={200: ImportResultOut, 422: ImportResultOut})
def import_jurisdictions(request: HttpRequest, file: File[UploadedFile]) -> Any:
    result = JurisdictionTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


@router.post("/boundaries", response={200: dict, 422: dict})
def import_boundaries(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Attach boundaries from a GeoJSON FeatureCollection whose features carry `code`."""
    try:
        collection = json.loads(file.read().decode("utf-8-sig"))
        features = collection["features"] if collection.get("type") == "FeatureCollection" else [collection]
    except (ValueError, KeyError, AttributeError, UnicodeDecodeError):
        return Status(422, {"ok": False, "updated": 0,
                            "errors": [{"feature": 0, "field": "file", "message": _("The file is not GeoJSON.")}]})
    updated, errors = services.set_boundaries(features, actor=request_user(request))
    body = {"ok": not errors, "updated": updated,
            "errors": [{"feature": n, "field": f, "message": m} for n, f, m in errors]}
    return Status(200 if not errors else 422, body)


@router.post("/", response={201: JurisdictionDetailOut, 422: ErrorOut, 403: ErrorOut})
def create_jurisdiction(request: HttpRequest, payload: JurisdictionIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    parent_code = data.pop("parent_code")
    parent = _get_visible(request, parent_code) if parent_code else None
    jurisdiction = services.create_jurisdiction(actor=user, parent=parent, **data)
    return Status(201, Jurisdiction.objects.select_related("parent").get(pk=jurisdiction.pk))


@router.get("/{code}", response=JurisdictionDetailOut)
def get_jurisdiction(request: HttpRequest, code: str) -> Jurisdiction:
    return _get_visible(request, code)


@router.patch("/{code}", response={200: JurisdictionDetailOut, 422: ErrorOut, 403: ErrorOut})
def update_jurisdiction(request: HttpRequest, code: str, payload: JurisdictionPatch) -> Any:
    jurisdiction = _get_visible(request, code)
    changes = payload.dict(exclude_unset=True)
    return Status(200, services.update_jurisdiction(jurisdiction, actor=request_user(request), **changes))


@router.delete("/{code}", response={204: None, 422: ErrorOut, 403: ErrorOut})
def delete_jurisdiction(request: HttpRequest, code: str) -> Any:
    services.delete_jurisdiction(_get_visible(request, code), actor=request_user(request))
    return Status(204, None)


@router.get("/{code}/history", response=list[dict])
def jurisdiction_history(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    jurisdiction = _get_visible(request, code)
    ensure(request_user(request), "view", jurisdiction)
    return history_rows(jurisdiction)
