"""Reading the change log: an object's history, scoped like the object."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from yingji.audit.models import ChangeRecord


def history_of(obj: models.Model) -> models.QuerySet[ChangeRecord]:
    """Every change of one row, newest first. Callers have already checked the row is visible."""
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("actor")


def history_rows(obj: models.Model) -> list[dict[str, Any]]:
    """History as plain rows with field labels, for the UI and the API."""
    labels = {f.name: str(f.verbose_name) for f in obj._meta.concrete_fields}
    rows = []
    for record in history_of(obj):
        rows.append({
            "at": record.at,
            "actor": record.actor_name,
            "ip_address": record.ip_address,
            "source": record.source,
            "action": record.action,
            "action_label": record.get_action_display(),
            "changes": [
                {"field": name, "label": labels.get(name, name), "old": old, "new": new}
                for name, (old, new) in record.changes.items()
            ],
        })
    return rows
