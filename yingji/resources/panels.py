"""What the registry shows on the role home (issue 13): a community's teams, with who is available,
and the certificates and equipment falling due — a block of the dashboard's role home (dashboard/home.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string

from yingji.resources.models import Team

PANEL_ROWS = 8


def home_panel(request: HttpRequest, home: dict[str, Any]) -> str:
    place = home.get("place")
    if home.get("role") != "community_staff" or place is None:
        return ""
    teams = (Team.objects.visible_to(request.user).filter(jurisdiction__path__startswith=place.path)
             .annotate(people=Count("members")).order_by("code"))
    return render_to_string("resources/_home.html", {"teams": list(teams[:PANEL_ROWS]), "count": teams.count()},
                            request=request)
