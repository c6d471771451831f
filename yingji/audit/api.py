"""API of the change log: /api/v1/audit/changes."""


import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import field_validator

from yingji.audit.models import ChangeRecord
from yingji.audit.services import viewer_of, visible_changes
from yingji.core.api import Pagination, as_utc, request_user

router = Router(tags=["audit"])


class ChangeOut(Schema):
    id: int
    at: datetime.datetime
    actor: str = Field(..., alias="actor_name")
    ip_address: str | None
    source: str
    action: str
    model: str = Field(..., alias="content_type.model")
    app: str = Field(..., alias="content_type.app_label")
    object_id: str
    object_repr: str
    changes: dict[str, Any]

    @staticmethod
    def resolve_changes(obj: ChangeRecord, context: dict[str, Any]) -> dict[str, Any]:
        # Phones and ID numbers masked for callers without personal-data access (core.masking).
        request = context["request"]
        viewer = getattr(request, "_yingji_viewer", None)
        if viewer is None:
            viewer = request._yingji_viewer = viewer_of(request_user(request))
        return visible_changes(obj, viewer)


class ChangeFilters(Schema):
    model: str | None = Field(None, description="app_label.model, e.g. jurisdictions.jurisdiction")
    object_id: str | None = None
    since: datetime.datetime | None = None

    @field_validator("since")
    @classmethod
    def _since_in_utc(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        return as_utc(value)


@router.get("/changes", response=list[ChangeOut])
@paginate(Pagination)
def list_changes(request: HttpRequest, filters: Query[ChangeFilters]):  # type: ignore[no-untyped-def]
    """Changes to ledger rows inside the caller's area, newest first."""
    queryset = ChangeRecord.objects.visible_to(request_user(request)).select_related("content_type")
    if filters.model and "." in filters.model:
        app_label, model = filters.model.lower().split(".", 1)
        queryset = queryset.filter(content_type__app_label=app_label, content_type__model=model)
    if filters.object_id:
        queryset = queryset.filter(object_id=filters.object_id)
    if filters.since:
        queryset = queryset.filter(at__gte=filters.since)
    return queryset
