"""Masking of personal data (phone and ID numbers) for roles that do not need it.

Lists show 138****5678 and 440304********1234 unless the viewer holds
`accounts.see_personal_data` over the row's jurisdiction (community staff,
street officers, the district). Used by list templates and API schemas, and as
one gate (`value_for`, `Viewer`) by exports (core/tabular.py), change histories
and the audit API (audit/services.py, audit/api.py).
"""

from __future__ import annotations

from typing import Any

from yingji.core.scope import path_allowed

PERSONAL_DATA_PERM = "accounts.see_personal_data"


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) < 8:
        return digits[:1] + "*" * (len(digits) - 3) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    value = number.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def may_see_personal_data(user: Any, path: str) -> bool:
    return path_allowed(user, PERSONAL_DATA_PERM, path)


def phone_for(user: Any, phone: str | None, path: str) -> str:
    return (phone or "") if may_see_personal_data(user, path) else mask_phone(phone)


def id_number_for(user: Any, number: str | None, path: str) -> str:
    return (number or "") if may_see_personal_data(user, path) else mask_id_number(number)


# ---------------------------------------------------------------- the one gate
# Which fields hold personal data is decided here, once, for every way a row leaves the
# server (lists, exports, change histories, the audit API): a model may say it with
# `personal_fields = {"field": "phone" | "id_number"}` (an empty dict: none, e.g. a
# station's duty phone, which is published); otherwise a field whose name holds "phone"
# is a phone and one holding "id_number" an ID number.
MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def personal_kind(model: Any, field_name: str) -> str | None:
    """"phone", "id_number" or None for a field of `model` (a class or an instance)."""
    declared = getattr(model, "personal_fields", None)
    if declared is not None:
        return declared.get(field_name)
    if "id_number" in field_name:
        return "id_number"
    if "phone" in field_name:
        return "phone"
    return None


def personal_field_names(model: Any) -> list[str]:
    meta = getattr(model, "_meta", None)
    names = [f.name for f in meta.concrete_fields] if meta is not None else []
    return [name for name in names if personal_kind(model, name)]


def mask(kind: str | None, value: Any) -> Any:
    """`value` masked as a `kind`; anything that is not text, or an unknown kind, as it is."""
    if kind is None or not isinstance(value, str) or not value:
        return value
    return MASKS[kind](value)


def value_for(user: Any, model: Any, field_name: str, value: Any, path: str) -> Any:
    """What `user` may read of `model.field_name` holding `value` on a row at `path`."""
    kind = personal_kind(model, field_name)
    if kind is None or may_see_personal_data(user, path):
        return value
    return mask(kind, value)


class Viewer:
    """Answers "may this user see personal data at this path?" once per path (a list or
    a history asks for many rows of the same few jurisdictions)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._seen: dict[str, bool] = {}

    def may_see(self, path: str) -> bool:
        if self.user is None:
            return False
        if path not in self._seen:
            self._seen[path] = may_see_personal_data(self.user, path)
        return self._seen[path]

    def value(self, model: Any, field_name: str, value: Any, path: str) -> Any:
        kind = personal_kind(model, field_name)
        if kind is None or self.may_see(path):
            return value
        return mask(kind, value)
