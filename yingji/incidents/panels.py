"""What incidents puts on the home page (issue 13): "上报" first for those who report without
dispatching (grid workers), a responder's call-outs (page_panel "home.actions"), and the open
incidents of the area — a block of the dashboard's role home (dashboard/home.py), which passes the
rows its key figure "open incidents" counts, so the list and the figure are one query."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from yingji.core.scope import has_perm_somewhere
from yingji.incidents.models import OPEN_STATUSES, Incident

PANEL_ROWS = 6


def home_panel(page: str, request: HttpRequest, home: dict[str, Any], open_incidents: Any = None) -> str:
    user = request.user
    role = home.get("role", "")
    if page == "home.actions":
        reports = has_perm_somewhere(user, "incidents.add_incident") and not has_perm_somewhere(
            user, "incidents.dispatch")
        responds = role == "responder"
        if not (reports or responds):
            return ""
        return render_to_string("incidents/_home_actions.html", {"reports": reports, "responds": responds},
                                request=request)
    if role in ("warehouse_keeper", "unit_contact", "responder"):
        return ""
    if open_incidents is None:
        open_incidents = Incident.objects.visible_to(user).filter(status__in=OPEN_STATUSES)
    open_incidents = open_incidents.select_related("jurisdiction").order_by("-received_at")
    return render_to_string("incidents/_home.html", {
        "incidents": list(open_incidents[:PANEL_ROWS]), "count": open_incidents.count(),
        "may_dispatch": has_perm_somewhere(user, "incidents.dispatch")}, request=request)
