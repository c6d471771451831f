from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "yingji.drills"
    label = "drills"
    verbose_name = _("Drills")
    nav_items = [("drills:list", _("Drills")), ("drills:compliance", _("Drill compliance"))]
