from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JurisdictionsConfig(AppConfig):
    name = "yingji.jurisdictions"
    label = "jurisdictions"
    verbose_name = _("Jurisdictions")
    nav_items = [("jurisdictions:list", _("Jurisdictions"))]
