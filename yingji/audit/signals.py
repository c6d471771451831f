"""Write a ChangeRecord for every create, update and delete of a ledger row."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from yingji.audit.context import current_actor
from yingji.audit.models import Action, ChangeRecord
from yingji.core.models import LedgerModel
from yingji.core.scope import object_path


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the log."""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    excluded = set(getattr(instance, "audit_exclude", ()))
    redact = getattr(instance, "audit_redact", {})  # field name -> what the log shows instead of the value
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded:
            continue
        value = _plain(getattr(instance, field.attname))
        values[field.name] = redact[field.name](value) if field.name in redact else value
    return values


def change_record(instance: models.Model, action: str, changes: dict[str, Any], *,
                  jurisdiction_path: str | None = None) -> ChangeRecord:
    """The (unsaved) record of one change by the current actor. `jurisdiction_path` for a row
    that has no `scope_path` of its own (a user: accounts/models.py)."""
    actor = current_actor()
    user = actor.user
    return ChangeRecord(
        actor=user if user is not None and user.pk else None,
        actor_name=str(user) if user is not None else actor.source,
        ip_address=actor.ip_address,
        source=actor.source,
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        jurisdiction_path=object_path(instance) if jurisdiction_path is None else jurisdiction_path,
        changes=changes,
    )


def _record(instance: models.Model, action: str, changes: dict[str, Any]) -> None:
    change_record(instance, action, changes).save()


def _created(values: dict[str, Any]) -> dict[str, Any]:
    return {k: [None, v] for k, v in values.items() if v not in (None, "", [], {})}


def record_created_in_bulk(instances: list[models.Model]) -> None:
    """The creation records of rows written with bulk_create (which sends no signals), in one INSERT."""
    ChangeRecord.objects.bulk_create([change_record(i, Action.CREATE, _created(snapshot(i))) for i in instances])


@receiver(pre_save)
def remember_old_values(sender: type[models.Model], instance: models.Model, raw: bool, **kwargs: Any) -> None:
    if raw or not issubclass(sender, LedgerModel) or instance._state.adding:
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None  # type: ignore[attr-defined]


@receiver(post_save)
def record_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs: Any) -> None:
    if raw or not issubclass(sender, LedgerModel):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None  # type: ignore[attr-defined]
    if created or before is None:
        _record(instance, Action.CREATE, _created(after))
        return
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        _record(instance, Action.UPDATE, changes)


@receiver(post_delete)
def record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not issubclass(sender, LedgerModel):
        return
    _record(instance, Action.DELETE, {k: [v, None] for k, v in snapshot(instance).items() if v not in (None, "")})
