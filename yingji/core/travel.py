"""The one adapter between the Django apps and the travel-time engine (yingji/routing).

Dispatch (nearest teams), supplies (nearest stock) and coverage (the 5-minute
circle) all call `engine()`. The road network named by
`settings.YINGJI_ROAD_NETWORK` (an .npz written by `yingji import_roads` or
`python -m yingji.routing`) is loaded once per process and shared; it is
reloaded when the setting or the file's modification time changes, so a
network re-imported by an operator is picked up without a restart. When the
file is missing or unreadable the engine answers with its straight-line
estimate and every result says `estimated=True`, so a fresh install still works.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from yingji.routing import Network, TravelTimeEngine
from yingji.routing.places import road_lines

log = logging.getLogger(__name__)

_lock = threading.Lock()
# (configured path, file mtime or -1, engine): one per process.
_loaded: tuple[str, float, TravelTimeEngine] | None = None


def configured_path() -> str:
    """The configured network file, or "" when none is configured."""
    return str(getattr(settings, "YINGJI_ROAD_NETWORK", "") or "")


def _stamp(path: str) -> float:
    if not path:
        return -1.0
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return -1.0


def engine() -> TravelTimeEngine:
    """The process's engine for the configured road network (or the straight-line fallback).

    Cheap to call on every request: one stat() of the file.
    """
    global _loaded
    path = configured_path()
    stamp = _stamp(path)
    current = _loaded
    if current is not None and current[0] == path and current[1] == stamp:
        return current[2]
    with _lock:
        current = _loaded
        if current is not None and current[0] == path and current[1] == stamp:
            return current[2]
        network = None
        if stamp >= 0:
            try:
                network = Network.load(path)
            except (OSError, ValueError, KeyError) as exc:
                # A broken file must not stop dispatch: fall back and say so.
                log.warning("Road network %s unreadable (%s); using straight-line estimates", path, exc)
        loaded = make_engine(network)
        _loaded = (path, stamp, loaded)
        return loaded


_roads_lock = threading.Lock()
# (configured path, file mtime, GeoJSON bytes, gzipped): the drawn roads of the network in use.
_roads: tuple[str, float, bytes, bytes] | None = None


def roads_geojson(gzipped: bool = False) -> tuple[bytes, str]:
    """The roads of the network in use as GeoJSON (one LineString per link), and a tag for caching;
    gzipped (a fifth of the size: Futian's 0.9 MB travel as 0.2 MB) when asked.

    The maps' base layer when no tile server is configured: an intranet
    without internet still shows its streets (routing.places.road_lines draws
    them, simplified to a few metres). Built once per network file and kept.
    """
    global _roads
    path = configured_path()
    stamp = _stamp(path)
    current = _roads
    if current is None or current[0] != path or current[1] != stamp:
        with _roads_lock:
            network = engine().network
            lines = road_lines(network) if network is not None else []
            features = [{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": line}}
                        for line in lines]
            body = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()
            _roads = current = (path, stamp, body, gzip.compress(body, compresslevel=6, mtime=0))
    return current[3 if gzipped else 2], f"{current[1]:.0f}-{len(current[2])}"


def make_engine(network: Network | None) -> TravelTimeEngine:
    """An engine over `network` under the configured snapping rule (access speed, snap limit)."""
    return TravelTimeEngine(network, access_speed_kmh=float(settings.YINGJI_ROAD_ACCESS_KMH),
                            max_snap_m=float(settings.YINGJI_ROAD_SNAP_LIMIT_M))


def travel_text(seconds: float | None, estimated: bool) -> str:
    """One trip's time as the screens show it: "7.9 分钟", or "约 8 分钟（估算）" for a straight-line guess.

    A road time keeps a tenth of a minute (what ranks the teams); an estimate
    is only worth whole minutes and says what it is.
    """
    if seconds is None or not math.isfinite(seconds):
        return "—"
    minutes = seconds / 60.0
    if estimated:
        return _("about %(minutes)s min (estimate)") % {"minutes": max(1, round(minutes))}
    return _("%(minutes)s min") % {"minutes": f"{minutes:.1f}"}


def use_engine(custom: TravelTimeEngine | None) -> None:
    """Install an engine directly (tests and benchmarks with a synthetic city); None forgets it.

    The installed engine stays until the setting or the file changes.
    """
    global _loaded
    path = configured_path()
    with _lock:
        _loaded = None if custom is None else (path, _stamp(path), custom)
