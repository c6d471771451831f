"""The one adapter between dispatch and the travel-time engine (yingji/routing).

The road network named by settings.YINGJI_ROAD_NETWORK is loaded once per
process; without the file every answer is a straight-line estimate and says so
(`estimated=True`), which the console shows as "about N min".
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.conf import settings

from yingji.routing import Network, TravelTimeEngine

log = logging.getLogger(__name__)
_lock = threading.Lock()
_engines: dict[str, TravelTimeEngine] = {}


def engine() -> TravelTimeEngine:
    """The process-wide engine for the configured network (or the straight-line fallback)."""
    path = str(settings.YINGJI_ROAD_NETWORK or "")
    cached = _engines.get(path)
    if cached is not None:
        return cached
    with _lock:
        if path not in _engines:
            network = None
            if path and Path(path).exists():
                try:
                    network = Network.load(path)
                except Exception:  # a broken file must not stop dispatch; fall back and say so
                    log.exception("cannot load the road network %s; using straight-line estimates", path)
            _engines[path] = TravelTimeEngine(network)
        return _engines[path]


def use_engine(travel_engine: TravelTimeEngine) -> None:
    """Install an engine for the configured path (benchmarks and tests with a synthetic city)."""
    with _lock:
        _engines[str(settings.YINGJI_ROAD_NETWORK or "")] = travel_engine
