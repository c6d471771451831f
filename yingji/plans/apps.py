from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "yingji.plans"
    label = "plans"
    verbose_name = _("Plans")
    nav_items = [("plans:list", _("Plans"))]

    def ready(self) -> None:
        from yingji.incidents.signals import opened
        from yingji.plans.checklists import incidents_opened

        # The card becomes the checklist of new incidents, one or a batch (plans/checklists.py), in intake's
        # transaction; incidents imports no plans.
        opened.connect(incidents_opened, dispatch_uid="plans.checklist")

    def page_panel(self, page: str, request: Any, obj: Any) -> str:
        """The incident's page shows its checklist, with a tick button for those who work it."""
        if page != "incidents.detail":
            return ""
        from django.template.loader import render_to_string

        from yingji.plans.checklists import may_tick
        from yingji.plans.models import ChecklistItem

        items = list(ChecklistItem.objects.visible_to(request.user).filter(incident=obj)
                     .select_related("plan", "done_by", "who_team").order_by("order"))
        if not items:
            return ""
        path = obj.jurisdiction.path
        for item in items:
            item.may_tick = may_tick(item, request.user, path)
        return render_to_string("plans/_checklist.html", {"items": items, "plan": items[0].plan,
                                                          "incident": obj}, request=request)
