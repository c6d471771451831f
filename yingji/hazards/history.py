"""Change histories of hazards and risk points as their readers may see them.

The audit log keeps what was written (a public reporter's phone, a responsible
person's phone); `audit.services.history_rows` masks them for a reader without
`accounts.see_personal_data` over the row (core/masking.py's one gate).
"""

from __future__ import annotations

from typing import Any

from yingji.audit.services import history_rows
from yingji.hazards.models import Hazard, RiskPoint


def visible_history(user: Any, obj: Hazard | RiskPoint) -> list[dict[str, Any]]:
    return history_rows(obj, user)
