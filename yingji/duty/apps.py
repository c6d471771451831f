from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "yingji.duty"
    label = "duty"
    verbose_name = _("Duty")
    nav_items = [("duty:index", _("Duty"))]

    # The panels module reads models, which are not loaded yet when apps.py is imported.
    def header_items(self, request: Any) -> list[dict[str, Any]]:
        from yingji.duty.panels import header_items

        return header_items(request)

    def page_panel(self, page: str, request: Any, obj: Any) -> str:
        from yingji.duty.panels import page_panel

        return page_panel(page, request, obj)
