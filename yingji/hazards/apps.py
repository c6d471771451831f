from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "yingji.hazards"
    label = "hazards"
    verbose_name = _("Hazards and risks")
    nav_items = [("hazards:overview", _("Hazards and risks"))]

    def page_panel(self, page: str, request: Any, obj: Any) -> str:
        """A grid worker's home offers the hazard report and the patrols of their grid (issue 13); the map
        of their grid is a block of the role home (dashboard/home.py calls views.home_map)."""
        if page != "home.actions" or obj.get("role") != "grid_worker":
            return ""
        from django.template.loader import render_to_string

        return render_to_string("hazards/_home_actions.html", request=request)

    def ready(self) -> None:
        from yingji.hazards.models import RiskPoint
        from yingji.resources.gazetteer import register_source

        register_source("risk_point", RiskPoint, lambda: (
            (pk, name, lon, lat, "risk_point") for pk, name, lon, lat in
            RiskPoint.objects.exclude(lon=None).values_list("pk", "name", "lon", "lat")))
