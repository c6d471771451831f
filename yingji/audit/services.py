"""Reading the change log: an object's history, scoped like the object."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from yingji.audit.context import current_actor
from yingji.audit.models import ChangeRecord
from yingji.core.masking import Viewer


def history_of(obj: models.Model) -> models.QuerySet[ChangeRecord]:
    """Every change of one row, newest first. Callers have already checked the row is visible."""
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("actor")


def _display(field: models.Field | None, value: Any, names: dict[tuple[type, Any], str]) -> Any:
    """What a person reads for a logged value: a choice's label, a related row's name,
    a local time, a list joined; the stored value itself otherwise."""
    if value is None or value == "" or field is None:
        return value
    if field.choices:
        labels = dict(field.flatchoices)
        if isinstance(value, list):
            return "、".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if field.is_relation and field.related_model is not None:
        key = _as_key(field.related_model, value)
        return value if key is None else names.get((field.related_model, key), f"#{value}")
    if isinstance(field, models.BooleanField):
        return str(_("yes") if value else _("no"))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return date_format(parsed, "Y-m-d H:i:s")
    if isinstance(value, list):
        return "、".join(_plain_text(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {_plain_text(v)}" for k, v in value.items())
    return value


def _plain_text(value: Any) -> str:
    if isinstance(value, dict):
        return "，".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _related_names(fields: dict[str, models.Field], records: list[ChangeRecord]) -> dict[tuple[type, Any], str]:
    """The names of every related row the records mention, one query per related model."""
    wanted: dict[type, set[Any]] = {}
    for record in records:
        for name, pair in record.changes.items():
            field = fields.get(name)
            if field is None or not field.is_relation or field.related_model is None:
                continue
            for value in pair:
                key = _as_key(field.related_model, value)
                if key is not None:
                    wanted.setdefault(field.related_model, set()).add(key)
    names: dict[tuple[type, Any], str] = {}
    for model, ids in wanted.items():
        for row in model._base_manager.filter(pk__in=ids):
            names[(model, row.pk)] = _name_of(row)
    return names


def _as_key(model: type[models.Model], value: Any) -> Any:
    # A record logged before a field held what it holds now (a name where an id belongs) keeps
    # its history page readable: the value is shown as logged instead of looked up.
    if value in (None, ""):
        return None
    try:
        return model._meta.pk.to_python(value)
    except (TypeError, ValueError, ValidationError):
        return None


def _name_of(row: models.Model) -> str:
    # A user reads as the name people know them by, never as the login.
    full = getattr(row, "get_full_name", None)
    if callable(full) and full():
        return str(full())
    return str(row)


def _shown(display: Any, value: Any) -> Any:
    # None when the value reads as itself: pages then show `old`/`new`, masked by
    # the one gate (core.masking) like every logged value.
    return None if display == value else display


def viewer_of(user: Any = None) -> Viewer:
    """Whose eyes a history is read with: `user`, else whoever is acting now (the request's
    user, a token's included); nobody known reads personal data masked."""
    return Viewer(user if user is not None else current_actor().user)


def visible_changes(record: ChangeRecord, viewer: Viewer) -> dict[str, list[Any]]:
    """A record's {field: [old, new]} with personal data masked for `viewer` (core.masking's gate)."""
    model = record.content_type.model_class() if record.content_type_id else None
    if model is None:
        return record.changes
    return {name: [viewer.value(model, name, value, record.jurisdiction_path) for value in pair]
            for name, pair in record.changes.items()}


def history_rows(obj: models.Model, user: Any = None) -> list[dict[str, Any]]:
    """History as plain rows with field labels, for the UI and the API.

    `old`/`new` are the values as logged; `old_display`/`new_display` are what a
    person reads instead (labels of choices, names of related rows, local times), or
    None when the value reads as itself. Phones and
    ID numbers are masked unless the reader (`user`, else the request's user) may see
    personal data over the row."""
    return record_rows(type(obj), list(history_of(obj)), user)


def record_rows(model: type[models.Model], records: list[ChangeRecord], user: Any = None,
                subject: str = "") -> list[dict[str, Any]]:
    """`history_rows` for records of rows of `model` already chosen by the caller (a user's page
    shows the records of their memberships beside their own: accounts/services.py); `subject`
    names what each row is about when one page mixes several kinds."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    names = _related_names(fields, records)
    viewer = viewer_of(user)
    rows = []
    for record in records:
        changes = []
        for name, pair in record.changes.items():
            old, new = (viewer.value(model, name, value, record.jurisdiction_path) for value in pair)
            field = fields.get(name)
            changes.append({
                "field": name, "label": str(field.verbose_name) if field else name, "old": old, "new": new,
                "old_display": _shown(_display(field, old, names), old),
                "new_display": _shown(_display(field, new, names), new),
            })
        rows.append({
            "at": record.at,
            "actor": record.actor_name,
            "ip_address": record.ip_address,
            "source": record.source,
            "source_label": record.get_source_display() if hasattr(record, "get_source_display") else record.source,
            "action": record.action,
            "action_label": record.get_action_display(),
            "subject": subject,
            "changes": changes,
        })
    return rows
