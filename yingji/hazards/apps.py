from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "yingji.hazards"
    label = "hazards"
    verbose_name = _("Hazards and risks")
    nav_items = [("hazards:overview", _("Hazards and risks"))]

    def ready(self) -> None:
        from yingji.hazards.models import RiskPoint
        from yingji.jurisdictions.services import register_street_count

        register_street_count("risk_points", _("Risk points"), RiskPoint)
