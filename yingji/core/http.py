"""Facts about an HTTP request that several layers need (the audit log, the public rate limit)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str | None:
    """The client's address; behind a reverse proxy the operator sets YINGJI_TRUST_X_FORWARDED_FOR."""
    if getattr(settings, "YINGJI_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")
