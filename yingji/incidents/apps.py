from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "yingji.incidents"
    label = "incidents"
    verbose_name = _("Incidents and dispatch")
    # Menus fit the role (issue 13): the console and the 1-3-5 figures for those who dispatch or
    # assess, call-outs for responders, "上报" for those who report without dispatching (grid workers).
    nav_items = [("incidents:create", _("Report an incident"), "incidents.add_incident", "!incidents.dispatch"),
                 ("incidents:console", _("Dispatch console"), "incidents.dispatch"),
                 ("incidents:list", _("Incidents")),
                 ("incidents:responder", _("My call-outs"), "incidents.respond"),
                 ("incidents:stats", _("1-3-5 statistics"), "incidents.export_incident")]
    # Live topics (core/realtime.py) and the permission a console needs to hear them.
    live_topics = {"incidents": "incidents.view_incident"}

    def page_panel(self, page: str, request: Any, obj: Any) -> str:
        """The home page's "上报" for those who report (first); the open incidents are a block of the
        dashboard's role home (dashboard/home.py), which calls panels.home_panel itself."""
        if page != "home.actions":
            return ""
        from yingji.incidents.panels import home_panel

        return home_panel(page, request, obj)

    def past_incidents(self, user: Any, path: str, start: Any, end: Any) -> list[tuple[Any, ...]]:
        """The incidents received in [start, end) under `path` that `user` sees, for coverage's what-if
        replay (coverage comes before incidents and may not import it): (lon, lat, jurisdiction path,
        type code, type label, seconds from the call to the first arrival or None), cancelled ones left out."""
        from yingji.incidents import catalogue
        from yingji.incidents.models import Incident, Status

        rows = (Incident.objects.visible_to(user).in_subtree(path).filter(received_at__gte=start, received_at__lt=end)
                .exclude(status=Status.CANCELLED).order_by("pk")
                .values_list("lon", "lat", "jurisdiction__path", "type_code", "received_at", "arrived_at"))
        labels: dict[str, str] = {}
        out = []
        for lon, lat, jpath, code, received, arrived in rows.iterator(5000):
            if code not in labels:
                labels[code] = str(catalogue.get(code).label) if code in catalogue.BY_CODE else code
            out.append((lon, lat, jpath, code, labels[code],
                        (arrived - received).total_seconds() if arrived is not None else None))
        return out
