"""People's phone and ID numbers in the registry's change log.

Lists and forms mask them with core.masking; the history of a member, expert
or team would show them again in its old/new values, so the pages and the API
read history through `history_for`.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from yingji.audit.services import history_rows
from yingji.core.masking import mask_id_number, mask_phone, may_see_personal_data
from yingji.core.scope import object_path
from yingji.resources.models import Facility, Station

# People's numbers in the change log are masked like everywhere else.
PERSONAL_FIELDS = {"phone": mask_phone, "contact_phone": mask_phone, "id_number": mask_id_number}


def history_for(obj: models.Model, user: Any) -> list[dict[str, Any]]:
    """The row's change log, with people's numbers masked for viewers without the personal-data permission."""
    rows = history_rows(obj)
    if isinstance(obj, Station | Facility) or may_see_personal_data(user, object_path(obj)):
        return rows
    for row in rows:
        for change in row["changes"]:
            mask = PERSONAL_FIELDS.get(change["field"])
            if mask is not None:
                change["old"] = mask(change["old"]) if change["old"] else change["old"]
                change["new"] = mask(change["new"]) if change["new"] else change["new"]
    return rows
