from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "yingji.plans"
    label = "plans"
    verbose_name = _("Plans")
    nav_items = [("plans:list", _("Plans"))]

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from yingji.incidents.models import Incident
        from yingji.plans.checklists import incident_saved

        # The card becomes the checklist of a new incident (plans/checklists.py); incidents imports no plans.
        post_save.connect(incident_saved, sender=Incident, dispatch_uid="plans.checklist")

    def page_panel(self, page: str, request: Any, obj: Any) -> str:
        """The incident's page shows its checklist, with a tick button for those who work it."""
        if page != "incidents.detail":
            return ""
        from django.template.loader import render_to_string

        from yingji.core.scope import path_allowed
        from yingji.plans.checklists import TICK_PERMISSIONS
        from yingji.plans.models import ChecklistItem

        items = list(ChecklistItem.objects.visible_to(request.user).filter(incident=obj)
                     .select_related("plan", "done_by").order_by("order"))
        if not items:
            return ""
        may_tick = any(path_allowed(request.user, p, obj.jurisdiction.path) for p in TICK_PERMISSIONS)
        return render_to_string("plans/_checklist.html", {"items": items, "plan": items[0].plan,
                                                          "may_tick": may_tick, "incident": obj}, request=request)
