"""What every page template needs: navigation and base-map settings (the user's place:
accounts/context_processors.py)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from yingji.core.scope import has_perm_somewhere


def navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """Menu entries declared by capability apps as `nav_items` on their AppConfig.

    An entry is `(url name, label)`, or `(url name, label, permission, …)` for a
    page only some roles use: shown when the user holds every permission named
    somewhere, and none of those written "!permission" (a grid worker's "上报"
    is not an officer's). One entry is highlighted: the longest address the
    current page lies under (the console under /incidents/console/ is not also
    the incident list under /incidents/).
    """
    user = getattr(request, "user", None)
    items = []
    for config in apps.get_app_configs():
        for url_name, label, *needs in getattr(config, "nav_items", ()):
            if not all(not has_perm_somewhere(user, need[1:]) if need.startswith("!")
                       else has_perm_somewhere(user, need) for need in needs):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            items.append({"url": url, "label": label, "active": False})
    under = [item for item in items if item["url"] != "/" and request.path.startswith(item["url"])]
    if under:
        max(under, key=lambda item: len(item["url"]))["active"] = True
    return items


def header_items(request: HttpRequest) -> list[dict[str, Any]]:
    """Links with a count in every page's header, declared by apps as a `header_items(request)` method
    on their AppConfig (messaging's inbox: "My messages" and the unread count)."""
    items: list[dict[str, Any]] = []
    for config in apps.get_app_configs():
        declared = getattr(config, "header_items", None)
        if callable(declared):
            items += declared(request)
    return items


def platform(request: HttpRequest) -> dict[str, Any]:
    # Once a request: panels rendered into a page with the request (render_to_string(…, request=))
    # run every context processor again, and the header's counts are queries.
    known = getattr(request, "_yingji_platform_context", None)
    if known is not None:
        return known
    context: dict[str, Any] = {
        "basemap": {
            "kind": settings.YINGJI_BASEMAP,
            "crs": settings.YINGJI_BASEMAP_CRS,
            "tianditu_key": settings.YINGJI_TIANDITU_KEY,
            "attribution": settings.YINGJI_BASEMAP_ATTRIBUTION,
            # Without a tile server the maps draw the imported roads themselves (core.views.roads).
            "roads": reverse("roads") if settings.YINGJI_BASEMAP == "none" else "",
        },
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["nav_items"] = navigation(request)
        context["header_items"] = header_items(request)
    request._yingji_platform_context = context  # type: ignore[attr-defined]
    return context
