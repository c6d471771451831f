from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "yingji.resources"
    label = "resources"
    verbose_name = _("Resources registry")
    nav_items = [("resources:station_list", _("Resources"))]

    def ready(self) -> None:
        from yingji.jurisdictions.services import register_street_count
        from yingji.resources.models import Station, Team

        register_street_count("stations", _("Stations"), Station)
        register_street_count("teams", _("Teams"), Team)
