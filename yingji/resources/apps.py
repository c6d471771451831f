from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "yingji.resources"
    label = "resources"
    verbose_name = _("Resources registry")
    nav_items = [("resources:station_list", _("Resources"))]

    def page_panel(self, page: str, request: Any, obj: Any) -> str:
        if page != "home":
            return ""
        from yingji.resources.panels import home_panel

        return home_panel(request, obj)

    def ready(self) -> None:
        from yingji.jurisdictions.services import register_street_count
        from yingji.resources.models import Station, Team

        register_street_count("stations", _("Stations"), Station)
        register_street_count("teams", _("Teams"), Team)
