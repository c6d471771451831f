"""Change histories of hazards and risk points as their readers may see them.

The audit log keeps what was written (a public reporter's phone, a responsible
person's phone); a reader without `accounts.see_personal_data` over the row's
jurisdiction gets those values masked, like everywhere else the row is shown
(core/masking.py). Masking a masked number leaves it unchanged, so a general
gate in the audit app on top of this does no harm.
"""

from __future__ import annotations

from typing import Any

from yingji.audit.services import history_rows
from yingji.core.masking import mask_phone, may_see_personal_data
from yingji.hazards.models import Hazard, RiskPoint

# The phone fields of each model whose history a page or the API shows.
PHONE_FIELDS: dict[type, tuple[str, ...]] = {Hazard: ("reporter_phone",), RiskPoint: ("responsible_phone",)}


def visible_history(user: Any, obj: Hazard | RiskPoint) -> list[dict[str, Any]]:
    """history_rows(obj), with its phones masked unless `user` may see personal data where `obj` lies."""
    rows = history_rows(obj)
    fields = PHONE_FIELDS.get(type(obj), ())
    if not fields or may_see_personal_data(user, obj.jurisdiction.path):
        return rows
    for row in rows:
        for change in row["changes"]:
            if change["field"] in fields:
                change["old"] = mask_phone(change["old"]) if change["old"] else change["old"]
                change["new"] = mask_phone(change["new"]) if change["new"] else change["new"]
    return rows
