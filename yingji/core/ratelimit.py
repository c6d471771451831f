"""Rate limits on the Django cache (Redis with REDIS_URL, so shared by every process).

Two users: the public (no-login) forms and API, per client address
(`allow_public`: the incident form, the hazard report (随手拍), their
receipts), and the messaging workers, per channel (`take`: how many of the
deliveries a worker wants to send it may send this window). Fixed windows: a
counter per key and window, expiring after two windows.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from yingji.core.http import client_ip


def _add(key: str, n: int, window_s: int) -> int:
    """Add `n` to the window's counter; answers the new count."""
    if cache.add(key, n, timeout=2 * window_s):
        return n
    try:
        return int(cache.incr(key, n))
    except ValueError:  # expired between add and incr
        cache.add(key, n, timeout=2 * window_s)
        return n


def take(name: str, wanted: int, limit: int, window_s: int = 60, now: float | None = None) -> int:
    """How many of `wanted` units may go in this window under `limit` (≤ 0: no limit)."""
    if limit <= 0 or wanted <= 0:
        return max(wanted, 0)
    window = int((time.time() if now is None else now) // window_s)
    count = _add(f"yingji:rate:{name}:{window_s}:{window}", wanted, window_s)
    return max(0, min(wanted, limit - (count - wanted)))


def allow_public(request: HttpRequest, bucket: str = "incident") -> bool:
    """True while the client stays under settings.YINGJI_PUBLIC_RATE_PER_MINUTE requests this minute."""
    limit = int(settings.YINGJI_PUBLIC_RATE_PER_MINUTE)
    return take(f"public:{bucket}:{client_ip(request) or 'unknown'}", 1, limit) == 1
