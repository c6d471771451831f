"""People's phone and ID numbers in the registry's change log.

`audit.services.history_rows` masks them for viewers without the personal-data
permission (core/masking.py's one gate); stations and facilities publish their
duty phones (`personal_fields = {}` on the models).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from yingji.audit.services import history_rows


def history_for(obj: models.Model, user: Any) -> list[dict[str, Any]]:
    return history_rows(obj, user)
