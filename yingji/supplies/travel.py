"""The one place where the supplies app meets the travel-time engine (yingji/routing).

The road network (`settings.YINGJI_ROAD_NETWORK`, an .npz written by
`python -m yingji.routing`) is loaded once per process and shared by every
search. When the file does not exist the engine answers with its straight-line
estimate and every result says `estimated=True`, so the one map still works on
a fresh install. Swap this module for a shared adapter when the coverage app
provides one; the search index (services/search.py) only calls `engine()`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.conf import settings

from yingji.routing import Network, TravelTimeEngine

log = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: tuple[str, float, TravelTimeEngine] | None = None


def _stamp(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def engine() -> TravelTimeEngine:
    """The process's engine for the configured road network (or the fallback).

    Reloaded only when the setting or the file's modification time changes, so
    a network re-imported by an operator is picked up without a restart.
    """
    global _loaded
    path = Path(getattr(settings, "YINGJI_ROAD_NETWORK", "") or "")
    stamp = _stamp(path) if str(path) else -1.0
    current = _loaded
    if current is not None and current[0] == str(path) and current[1] == stamp:
        return current[2]
    with _lock:
        current = _loaded
        if current is not None and current[0] == str(path) and current[1] == stamp:
            return current[2]
        network = None
        if stamp >= 0:
            try:
                network = Network.load(path)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("Road network %s unreadable (%s); using straight-line estimates", path, exc)
        loaded = TravelTimeEngine(network)
        _loaded = (str(path), stamp, loaded)
        return loaded


def use_engine(custom: TravelTimeEngine | None) -> None:
    """Install an engine directly (benchmarks and tests with a synthetic city); None forgets it."""
    global _loaded
    path = str(Path(getattr(settings, "YINGJI_ROAD_NETWORK", "") or ""))
    with _lock:
        _loaded = None if custom is None else (path, _stamp(Path(path)) if path else -1.0, custom)
