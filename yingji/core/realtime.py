"""Websocket routes collected from the capability apps (`websocket_urlpatterns` in their routing.py)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.utils.module_loading import module_has_submodule


def websocket_urlpatterns() -> list[Any]:
    patterns: list[Any] = []
    for app_module in settings.YINGJI_APPS:
        if module_has_submodule(import_module(app_module), "routing"):
            patterns += getattr(import_module(f"{app_module}.routing"), "websocket_urlpatterns", [])
    return patterns
