from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "yingji.publicity"
    label = "publicity"
    verbose_name = _("Publicity")
    nav_items = [("publicity:index", _("Publicity"))]
