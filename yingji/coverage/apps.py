from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    name = "yingji.coverage"
    label = "coverage"
    verbose_name = _("Coverage")
    nav_items = [("coverage:overview", _("Coverage"))]
