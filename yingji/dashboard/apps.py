from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "yingji.dashboard"
    label = "dashboard"
    verbose_name = _("Command dashboard")
    nav_items = [("dashboard:index", _("Command dashboard"))]

    def ready(self) -> None:
        from yingji.dashboard import signals

        signals.connect()

    def page_panel(self, page: str, request: Any, obj: Any) -> str:
        """The role home is the dashboard's blocks for the user's role and place (home.py)."""
        if page != "home" or request is None:
            return ""
        from yingji.dashboard.home import home_panel

        return home_panel(request, obj)
