from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "yingji.messaging"
    label = "messaging"
    verbose_name = _("Messaging")
    nav_items = [("messaging:robots", _("Robots"), "messaging.change_robottarget"),
                 ("messaging:contact_lists", _("Contact lists"), "messaging.change_contactlist"),
                 ("messaging:dead_letters", _("Undelivered"), "messaging.retry_delivery")]

    def header_items(self, request: HttpRequest) -> list[dict[str, Any]]:
        """The inbox link with the number of unread messages, in every page's header."""
        from yingji.messaging.inbox import unread_count

        return [{"url": reverse("messaging:inbox"), "label": _("My messages"), "count": unread_count(request.user),
                 "testid": "inbox-link"}]
