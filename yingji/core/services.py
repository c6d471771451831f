"""Helpers shared by the capability apps' service functions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def refuse_unknown_fields(fields: dict[str, Any], allowed: Iterable[str], *, creating: bool = False) -> None:
    """Refuse (ValidationError naming each) the fields a create or update service does not accept."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        message = _("This field cannot be set here.") if creating else _("This field cannot be changed here.")
        raise ValidationError({name: message for name in unknown})
