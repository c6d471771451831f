"""Per-client-address rate limit of the public (no-login) forms and API, on the Django cache.

One limiter for every public entry: the incident form, the hazard report (随手拍), their receipts.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from yingji.core.http import client_ip


def allow_public(request: HttpRequest, bucket: str = "incident") -> bool:
    """True while the client stays under settings.YINGJI_PUBLIC_RATE_PER_MINUTE requests this minute."""
    limit = int(settings.YINGJI_PUBLIC_RATE_PER_MINUTE)
    key = f"yingji:public:{bucket}:{client_ip(request) or 'unknown'}:{int(time.time() // 60)}"
    if cache.add(key, 1, timeout=120):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=120)
            count = 1
    return count <= limit
