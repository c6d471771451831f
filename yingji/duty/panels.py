"""What duty adds to pages it does not own: who is on duty in the header of every page, and the
"on duty now" box on a jurisdiction's and an incident's page (core/templatetags/panels.py).

The header renders on every page, so its answer comes from the cache of services/now.py: one
cache read per page when nothing changed, a few indexed queries at a change of shift.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ROOT_PATH, granted_paths, path_allowed
from yingji.duty.models import IncidentAssignment, IncidentReport, LogEntry
from yingji.duty.services import alerts, log, upward
from yingji.duty.services import now as duty_now
from yingji.duty.views.common import post_rows

# How many command centres the box shows, nearest first: a community's and its street's.
PANEL_POSTS = 2


def header_items(request: HttpRequest) -> list[dict[str, Any]]:
    """"On duty: 张三" for the user's own command centre (a grid worker's community), linking to its duty room."""
    user = getattr(request, "user", None)
    paths = granted_paths(user, "duty.view_shift")
    if not paths or paths[0] == ROOT_PATH:
        return []
    post = duty_now.nearest_on_duty(paths[0])
    if post is None or post.leader is None:
        return [{"url": reverse("duty:index"), "label": _("On duty: nobody on the roster"), "count": None,
                 "testid": "on-duty"}]
    return [{"url": reverse("duty:post", args=[post.code]), "count": None, "testid": "on-duty",
             "label": _("On duty: %(name)s") % {"name": post.leader.name}}]


def page_panel(page: str, request: HttpRequest, obj: Any) -> str:
    if page == "jurisdictions.detail":
        return _panel(request, obj.path)
    if page == "incidents.detail":
        return _incident_panel(request, obj)
    return ""


def _incident_panel(request: HttpRequest, incident: Any) -> str:
    """Who is on duty around the incident, the officer assigned to it, its reports up the chain, the log about it."""
    user = request.user
    now = timezone.now()
    about = log.entries_about(incident).filter(pk__in=LogEntry.objects.visible_to(user).values("pk"))
    reports = IncidentReport.objects.visible_to(user).filter(incident=incident).order_by("drafted_at", "id")
    street = upward.street_of(incident)
    assignment = (IncidentAssignment.objects.visible_to(user).filter(incident=incident)
                  .select_related("officer", "jurisdiction").first())
    extra = {
        "incident": incident,
        "assignment": assignment,
        "alert": alerts.alert_progress(incident) if assignment is not None and assignment.alerted_at else None,
        "entries": list(about.select_related("jurisdiction").order_by("at", "id")[:20]),
        "reports": [{"report": r, "late": upward.is_late(r, now)} for r in reports],
        "may_follow_up": street is not None and path_allowed(user, "duty.submit_report", street.path)
        and incident.status != "cancelled",
    }
    return _panel(request, incident.jurisdiction.path, **extra)


def _panel(request: HttpRequest, path: str, **extra: Any) -> str:
    chain = post_rows(request.user, duty_now.posts_for_path(path)[:PANEL_POSTS])
    return render_to_string("duty/_panel.html", {"chain": chain, **extra}, request=request)
