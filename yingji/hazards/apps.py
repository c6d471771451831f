from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "yingji.hazards"
    label = "hazards"
    verbose_name = _("Hazards and risks")
    nav_items = [("hazards:overview", _("Hazards and risks"))]

    def page_panel(self, page: str, request: Any, obj: Any) -> str:
        """A grid worker's home offers the hazard report and the patrols of their grid, and the map of
        their grid: its risk points, open hazards and open incidents (issue 13)."""
        if page not in ("home.actions", "home") or obj.get("role") != "grid_worker":
            return ""
        from django.template.loader import render_to_string

        if page == "home.actions":
            return render_to_string("hazards/_home_actions.html", request=request)
        from yingji.hazards.views import home_map_context

        return render_to_string("hazards/_home_map.html", home_map_context(obj.get("place")), request=request)

    def ready(self) -> None:
        from yingji.hazards.models import RiskPoint
        from yingji.resources.gazetteer import register_source

        register_source("risk_point", RiskPoint, lambda: (
            (pk, name, lon, lat, "risk_point") for pk, name, lon, lat in
            RiskPoint.objects.exclude(lon=None).values_list("pk", "name", "lon", "lat")))
