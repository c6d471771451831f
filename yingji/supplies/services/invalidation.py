"""Telling every process's search index that stock or warehouses changed.

A version counter lives in the shared cache (Redis in production, so every
application process sees it). Each change bumps it and leaves, under the new
version, the (warehouse, material) pairs it touched, so an index that is a few
versions behind reloads only those balances; one that is far behind, or finds a
change list missing (evicted, or the cache was cleared), rebuilds from scratch.
A change to warehouses themselves (moved, closed, new) asks for a rebuild.

The bump happens twice: at once, so that reads later in the same transaction
(the same request, a test) see the change, and again after commit, so that
other processes reload when the rows are visible to them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "supplies:stock-version"
CHANGES_KEY = "supplies:stock-changes:%d"
CHANGES_TTL = 3600
REBUILD = "rebuild"


def current_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh (or cleared) cache: start from a random value so that no index
        # built before the reset can mistake the new counter for its own version.
        cache.add(VERSION_KEY, random.randrange(1 << 40, 1 << 50), timeout=None)
        version = cache.get(VERSION_KEY)
    if version is None:
        # No cache at all (Redis down, core/cache.py): an unknown version each time, so that
        # every index rebuilds rather than trusting what it built before.
        return random.randrange(1 << 50, 1 << 60)
    return int(version)


def _bump(changes: Any) -> None:
    current_version()
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:  # evicted between the two calls
        version = current_version()
    cache.set(CHANGES_KEY % version, changes, timeout=CHANGES_TTL)


def _publish(changes: Any) -> None:
    _bump(changes)
    transaction.on_commit(lambda: _bump(changes))


def stock_changed(pairs: Iterable[tuple[int, int]]) -> None:
    """Balances of these (warehouse_id, material_id) pairs changed."""
    _publish(sorted(set(pairs)))


def warehouses_changed() -> None:
    """Warehouses were added, moved, closed or renamed: indexes rebuild."""
    _publish(REBUILD)


def changes_since(version: int, current: int) -> list[tuple[int, int]] | None:
    """The pairs touched between two versions, or None when a rebuild is needed."""
    if current < version or current - version > 500:
        return None
    if current == version:
        return []
    found = cache.get_many([CHANGES_KEY % v for v in range(version + 1, current + 1)])
    if len(found) != current - version:
        return None
    pairs: set[tuple[int, int]] = set()
    for changes in found.values():
        if changes == REBUILD:
            return None
        pairs.update((int(w), int(m)) for w, m in changes)
    return sorted(pairs)
