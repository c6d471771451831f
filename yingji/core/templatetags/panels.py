"""`{% page_panels "incidents.detail" incident %}`: boxes that later apps add to an earlier app's page.

An app that comes after another in settings.YINGJI_APPS may not be imported by it (no cycles), yet
has something to show on its pages — duty shows who is on duty on a jurisdiction's and an
incident's page. It declares a `page_panel(page, request, obj)` method on its AppConfig that answers
HTML rendered from its own template (or "" when it has nothing to show there); the page calls this tag.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def page_panels(context: Any, page: str, obj: Any) -> SafeString:
    request = context.get("request")
    parts = []
    for config in apps.get_app_configs():
        panel = getattr(config, "page_panel", None)
        if callable(panel):
            parts.append(conditional_escape(panel(page, request, obj) or ""))
    return mark_safe("".join(parts))  # noqa: S308 (each part is escaped unless its app's template rendered it)
