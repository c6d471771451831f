"""The dashboard's blocks on the role home page (`page_panel("home", …)`): the same key figures and
"needs attention today" as the dashboard, for the user's own place — a street sees its communities,
a community its grids and what is due. Field roles (grid worker, responder, keeper) keep their own
home: their first action and their lists, from the other apps' panels."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from yingji.dashboard import services


def home_panel(request: HttpRequest, home: Any) -> str:
    if not request.user.is_authenticated or not isinstance(home, dict) or home.get("field"):
        return ""
    place = home.get("place")
    try:
        area = services.focus_area(request.user, place.code if place is not None else None)
    except Exception:  # noqa: BLE001 - nobody in scope: nothing to show, the home page still answers
        return ""
    data = services.dashboard_data(request.user, area)
    return render_to_string("dashboard/_home.html", {"data": data, "area": area}, request=request)
