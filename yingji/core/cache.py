"""The cache never takes a write down with it.

Stock receipts and issues, the nearest-stock search and the public report read and
write the cache (rate limits, the duty header, prepared answers). With Redis down,
Django's Redis backend raises on every call and those requests answered 500. This
backend answers as an empty cache instead — a get misses, a set is dropped — and
logs the outage once a minute, so the platform works on without a cache.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_FAILURES: tuple[type[BaseException], ...]
try:
    import redis.exceptions

    _FAILURES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
except ImportError:  # pragma: no cover - the Redis client is a dependency whenever this backend is used
    _FAILURES = (OSError,)


class ForgivingRedisCache(RedisCache):
    """RedisCache that degrades to "no cache" while Redis cannot be reached."""

    _last_warning = 0.0

    def _down(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - ForgivingRedisCache._last_warning > 60:
            ForgivingRedisCache._last_warning = now
            logger.warning("cache unavailable (%s: %s); going on without it", operation, exc)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _FAILURES as exc:
            self._down("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        try:
            return super().get_many(keys, version)
        except _FAILURES as exc:
            self._down("get_many", exc)
            return {}

    def set(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().set(*args, **kwargs)
        except _FAILURES as exc:
            self._down("set", exc)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return super().add(*args, **kwargs)
        except _FAILURES as exc:
            self._down("add", exc)
            return False

    def set_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        try:
            return super().set_many(*args, **kwargs)
        except _FAILURES as exc:
            self._down("set_many", exc)
            return []

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return super().delete(*args, **kwargs)
        except _FAILURES as exc:
            self._down("delete", exc)
            return False

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().delete_many(*args, **kwargs)
        except _FAILURES as exc:
            self._down("delete_many", exc)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except _FAILURES as exc:
            self._down("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return super().touch(*args, **kwargs)
        except _FAILURES as exc:
            self._down("touch", exc)
            return False

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except _FAILURES as exc:
            self._down("has_key", exc)
            return False

    def clear(self) -> None:
        try:
            super().clear()
        except _FAILURES as exc:
            self._down("clear", exc)
