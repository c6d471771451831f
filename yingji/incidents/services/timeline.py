"""Writing the timeline: one IncidentEvent per thing that happened."""

from __future__ import annotations

import datetime
from typing import Any

from yingji.incidents.models import Dispatch, Incident, IncidentEvent


def actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return str(actor)[:100]


def event(incident: Incident, kind: str, at: datetime.datetime, *, actor: Any = None, dispatch: Dispatch | None = None,
          text: str = "", data: dict[str, Any] | None = None, photo: Any = None, save: bool = True) -> IncidentEvent:
    row = IncidentEvent(
        incident=incident, kind=kind, at=at, dispatch=dispatch, text=text, data=data or {},
        actor=actor if actor is not None and getattr(actor, "pk", None) else None, actor_name=actor_name(actor),
    )
    if photo is not None:
        row.photo = photo
    if save:
        row.save()
    return row


def event_json(row: IncidentEvent) -> dict[str, Any]:
    return {
        "id": row.pk, "kind": row.kind, "kind_label": str(row.get_kind_display()), "at": row.at.isoformat(),
        "actor": row.actor_name, "text": row.text, "dispatch": row.dispatch_id, "data": row.data,
        "photo": row.photo.url if row.photo else None,
    }
