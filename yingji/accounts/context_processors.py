"""The signed-in user's place (their primary jurisdiction and its ancestors) for the page header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yingji.accounts.services import primary_jurisdiction


def user_place(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    place = primary_jurisdiction(user)
    return {"user_place": place, "user_breadcrumb": place.ancestors() if place is not None else []}
