"""Rate limits on the Django cache (Redis with REDIS_URL, so shared by every process).

Two users: the public (no-login) forms and API, per client address
(`allow_public`: the incident form, the hazard report (随手拍), their
receipts; `allow` for any other one-request-at-a-time limit), and the messaging
workers, per channel (`take`: how many of the deliveries a worker wants to send
it may send this window). A counter per key and window, expiring after two
windows; `allow` reads it as a sliding window (below), `take` as a fixed one.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from yingji.core.http import client_ip


def _key(name: str, window_s: int, window: int) -> str:
    return f"yingji:rate:{name}:{window_s}:{window}"


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
    count = _add(_key(name, window_s, window), wanted, window_s)
    return max(0, min(wanted, limit - (count - wanted)))


def allow(name: str, limit: int, window_s: int = 60, now: float | None = None) -> bool:
    """True while `name` stays under `limit` requests in the last `window_s` seconds (≤ 0: no limit).

    A sliding window: this window's count plus the previous window's, weighted by the part of it still
    inside the last `window_s` seconds. A fixed window let twice the limit through a burst straddling
    its boundary (and made the tests of the limit fail when three quick requests crossed a minute).
    """
    if limit <= 0:
        return True
    now = time.time() if now is None else now
    window = int(now // window_s)
    current = _add(_key(name, window_s, window), 1, window_s)
    previous = int(cache.get(_key(name, window_s, window - 1)) or 0)
    still_inside = 1.0 - (now % window_s) / window_s
    return previous * still_inside + current <= limit


def allow_public(request: HttpRequest, bucket: str = "incident") -> bool:
    """True while the client stays under settings.YINGJI_PUBLIC_RATE_PER_MINUTE requests a minute."""
    return allow(f"public:{bucket}:{client_ip(request) or 'unknown'}", int(settings.YINGJI_PUBLIC_RATE_PER_MINUTE))
