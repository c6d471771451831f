"""Which jurisdiction a figure is asked for: the one named (in scope) or the user's widest.

Used by the pages and API of training and publicity (publicity comes after training in
settings.YINGJI_APPS).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from yingji.core.scope import ROOT_PATH, granted_paths
from yingji.jurisdictions.models import Jurisdiction, Level


def area_for(user: Any, code: str | None, perm: str = "training.view_course") -> Jurisdiction:
    """The jurisdiction with `code` when the user sees it (else 404); without a code the widest one
    where the user holds `perm` (the district for the platform's superuser); 403 when there is none."""
    if code:
        return get_object_or_404(Jurisdiction.objects.visible_to(user), code=code)
    paths = sorted(granted_paths(user, perm), key=len)
    if not paths:
        raise PermissionDenied
    if paths[0] == ROOT_PATH:
        found = (Jurisdiction.objects.filter(level=Level.DISTRICT).order_by("path").first()
                 or Jurisdiction.objects.order_by("path").first())
    else:
        found = Jurisdiction.objects.filter(path=paths[0]).first()
    if found is None:
        raise PermissionDenied
    return found
