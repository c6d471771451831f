"""Masking of personal data (phone and ID numbers) for roles that do not need it.

Lists show 138****5678 and 440304********1234 unless the viewer holds
`accounts.see_personal_data` over the row's jurisdiction (community staff,
street officers, the district). Used by list templates and API schemas.
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
