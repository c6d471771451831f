from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "yingji.incidents"
    label = "incidents"
    verbose_name = _("Incidents and dispatch")
    nav_items = [("incidents:console", _("Dispatch console")), ("incidents:list", _("Incidents")),
                 ("incidents:responder", _("My call-outs")), ("incidents:stats", _("1-3-5 statistics"))]
    # Live topics (core/realtime.py) and the permission a console needs to hear them.
    live_topics = {"incidents": "incidents.view_incident"}
