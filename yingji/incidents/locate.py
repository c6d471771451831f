"""Where an incident is: the jurisdiction containing a point, and a small gazetteer.

Point-in-polygon runs on a Shapely STRtree of every grid, community and street
boundary, built once per process and rebuilt when the jurisdiction table
changes (one cheap aggregate query per lookup tells). Intake calls it for
every incident, so it must stay far under a millisecond.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db.models import Count, Max
from shapely import STRtree
from shapely.geometry import Point, shape

from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Station

_LEVEL_RANK = {Level.GRID: 4, Level.COMMUNITY: 3, Level.STREET: 2, Level.DISTRICT: 1, Level.CITY: 0}


@dataclass
class _Index:
    version: tuple
    tree: STRtree
    geoms: list
    ids: list[int]
    ranks: list[int]


_lock = threading.Lock()
_index: _Index | None = None


def _version() -> tuple:
    row = Jurisdiction.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    return (row["n"], row["last"], row["top"])


def _build(version: tuple) -> _Index:
    geoms, ids, ranks = [], [], []
    rows = Jurisdiction.objects.exclude(boundary=None).exclude(level=Level.CITY).values_list("id", "level", "boundary")
    for pk, level, boundary in rows:
        try:
            geom = shape(boundary)
        except Exception:  # a malformed stored boundary must not stop intake
            continue
        geoms.append(geom)
        ids.append(pk)
        ranks.append(_LEVEL_RANK.get(level, 0))
    return _Index(version, STRtree(geoms), geoms, ids, ranks)


def _current() -> _Index:
    global _index
    version = _version()
    index = _index
    if index is None or index.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = _build(version)
            index = _index
    return index


def jurisdiction_id_at(lon: float, lat: float) -> int | None:
    """Id of the deepest jurisdiction (grid, else community, street, district) containing the point."""
    index = _current()
    point = Point(lon, lat)
    best, best_rank = None, -1
    for i in index.tree.query(point, predicate="intersects"):
        if index.ranks[i] > best_rank:
            best, best_rank = index.ids[i], index.ranks[i]
    return best


def jurisdiction_at(lon: float, lat: float) -> Jurisdiction | None:
    pk = jurisdiction_id_at(lon, lat)
    return Jurisdiction.objects.get(pk=pk) if pk is not None else None


@dataclass(frozen=True)
class Place:
    label: str
    lon: float
    lat: float
    kind: str


def gazetteer(text: str, limit: int = 8) -> list[Place]:
    """Places whose name matches `text`: stations (landmarks everyone knows) and jurisdictions.

    Exact names first, then names containing the text, then names contained in
    the text ("南园街道滨河社区12栋" finds 滨河社区).
    """
    text = (text or "").strip()
    if not text:
        return []
    places: list[tuple[int, Place]] = []
    for station in Station.objects.filter(name__icontains=text).values("name", "lon", "lat")[:limit]:
        rank = 0 if station["name"] == text else 1
        places.append((rank, Place(station["name"], station["lon"], station["lat"], "station")))
    jurisdictions = Jurisdiction.objects.exclude(centroid_lon=None).filter(name__icontains=text)
    for j in jurisdictions.values("name", "centroid_lon", "centroid_lat", "level")[:limit]:
        rank = 0 if j["name"] == text else 2
        places.append((rank, Place(j["name"], j["centroid_lon"], j["centroid_lat"], j["level"])))
    if not places and len(text) > 2:
        # The address is longer than any name: find names it contains, the longest (most specific) first.
        names = Jurisdiction.objects.exclude(centroid_lon=None).values_list("name", "centroid_lon", "centroid_lat", "level")
        found = [Place(n, lon, lat, level) for n, lon, lat, level in names if n and n in text]
        found += [Place(n, lon, lat, "station") for n, lon, lat in
                  Station.objects.values_list("name", "lon", "lat") if n and n in text]
        found.sort(key=lambda p: (-len(p.label), _LEVEL_RANK.get(p.kind, 5) * -1))
        places = [(3, p) for p in found]
    places.sort(key=lambda rp: rp[0])
    return [p for _r, p in places[:limit]]
