"""A small gazetteer: places whose name matches a text — stations (landmarks everyone knows),
facilities (shelters, hydrants, AEDs…), jurisdictions, and the roads and crossings of the road
network in use.

Used where a person types an address instead of picking a point (incident
intake, the supplies search). Road names come from the OpenStreetMap data kept
at road import (routing.places.named_roads): "燕南路" or "燕南街" finds the
road, "深南大道与华富路交叉口" the crossing, and "景华社区燕南路88号" the part
of 燕南路 nearest 景华社区 — flagged `approximate`, as house numbers are not in
the data. Prefixes the data does not hold (深圳市, 福田区, …街道) are ignored.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from yingji.core import travel
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Facility, Station
from yingji.routing.places import ROAD_SUFFIXES, named_roads, road_stem

_LEVEL_RANK = {Level.GRID: 4, Level.COMMUNITY: 3, Level.STREET: 2, Level.DISTRICT: 1, Level.CITY: 0}


@dataclass(frozen=True)
class Place:
    label: str
    lon: float
    lat: float
    kind: str
    #: The point stands for more than the text says (a house number the data lacks: the road's nearest part).
    approximate: bool = False


_PREFIX = re.compile(r"^(广东省)?(深圳市?)?")
_CROSSING = re.compile(r"(.+?)(?:与|和|、|交|/)(.+?)(?:交叉口|交汇处|路口|交界)")
_roads_lock = threading.Lock()
_roads_index: tuple[Any, dict[str, np.ndarray], dict[tuple[str, str], tuple[float, float]], dict[str, list[str]]] | None = None


def _roads() -> tuple[dict[str, np.ndarray], dict[tuple[str, str], tuple[float, float]], dict[str, list[str]]]:
    """The named roads and crossings of the network in use, with the roads by stem (one index per network)."""
    global _roads_index
    network = travel.engine().network
    current = _roads_index
    if current is None or current[0] is not network:
        with _roads_lock:
            roads, crossings = named_roads(network) if network is not None else ({}, {})
            stems: dict[str, list[str]] = {}
            for name in roads:
                stems.setdefault(road_stem(name), []).append(name)
            _roads_index = current = (network, roads, crossings, stems)
    return current[1], current[2], current[3]


def _road_in(text: str, roads: dict[str, np.ndarray], stems: dict[str, list[str]]) -> tuple[str, bool] | None:
    """The longest road named in the text: (name, exact) — exact unless found by its stem (燕南街 → 燕南路)."""
    named = [n for n in roads if n in text]
    if named:
        return max(named, key=len), True
    for stem, names in sorted(stems.items(), key=lambda kv: -len(kv[0])):
        if len(stem) >= 2 and any(stem + suffix in text for suffix in ROAD_SUFFIXES):
            return min(names, key=len), False
    return None


def _near(points: np.ndarray, lon: float | None, lat: float | None) -> tuple[float, float]:
    """The point of a road nearest (lon, lat), or its middle one."""
    if lon is not None and lat is not None:
        i = int(np.argmin((points[:, 0] - lon) ** 2 + (points[:, 1] - lat) ** 2))
    else:
        centre = points.mean(axis=0)
        i = int(np.argmin(((points - centre) ** 2).sum(axis=1)))
    return float(points[i, 0]), float(points[i, 1])


def road_places(text: str, near: tuple[float, float] | None = None) -> list[Place]:
    """The crossing or the road the text names (see the module docstring)."""
    roads, crossings, stems = _roads()
    if not roads:
        return []
    crossing = _CROSSING.search(text)
    if crossing:
        a, b = (_road_in(part, roads, stems) for part in crossing.groups())
        if a and b and a[0] != b[0]:
            key = tuple(sorted((a[0], b[0])))
            if key in crossings:
                lon, lat = crossings[key]  # type: ignore[index]
                return [Place(f"{key[0]}与{key[1]}交叉口", lon, lat, "crossing", approximate=not (a[1] and b[1]))]
    found = _road_in(text, roads, stems)
    if found is None:
        return []
    name, exact = found
    lon, lat = _near(roads[name], *(near or (None, None)))
    rest = text.split(name, 1)[1] if exact and name in text else text
    return [Place(name, lon, lat, "road", approximate=not exact or bool(re.search(r"\d", rest)))]


def _jurisdiction_in(text: str) -> tuple[float, float] | None:
    """The centre of the most specific jurisdiction the text names (to pick the right part of a long road)."""
    rows = Jurisdiction.objects.exclude(centroid_lon=None).values_list("name", "centroid_lon", "centroid_lat", "depth")
    found = [(depth, len(name), lon, lat) for name, lon, lat, depth in rows if name and name in text]
    if not found:
        return None
    _depth, _n, lon, lat = max(found)
    return float(lon), float(lat)


def _without_prefixes(text: str) -> str:
    """The text without the province, city, district and street it may start with (the data names places
    below them): "深圳市福田区南园街道景华社区" → "景华社区"."""
    text = _PREFIX.sub("", text, count=1)
    for level in (Level.DISTRICT, Level.STREET):
        names = Jurisdiction.objects.filter(level=level).values_list("name", flat=True)
        for name in sorted(names, key=len, reverse=True):
            if name and text.startswith(name) and len(text) > len(name):
                text = text[len(name):]
                break
    return text


def gazetteer(text: str, limit: int = 8) -> list[Place]:
    """Places whose name matches `text`: stations (landmarks everyone knows) and jurisdictions.

    Exact names first, then names containing the text, then a crossing or a
    road the text names (on the part nearest a jurisdiction it names too), then
    names contained in the text ("南园街道滨河社区12栋" finds 滨河社区).
    """
    original = re.sub(r"\s+", "", text or "")
    text = _without_prefixes(original)
    if not text:
        return []
    places: list[tuple[int, Place]] = []
    for station in Station.objects.filter(name__icontains=text).values("name", "lon", "lat")[:limit]:
        rank = 0 if station["name"] == text else 1
        places.append((rank, Place(station["name"], station["lon"], station["lat"], "station")))
    for facility in Facility.objects.exclude(lon=None).filter(name__icontains=text).values("name", "lon", "lat")[:limit]:
        rank = 0 if facility["name"] == text else 1
        places.append((rank, Place(facility["name"], facility["lon"], facility["lat"], "facility")))
    jurisdictions = Jurisdiction.objects.exclude(centroid_lon=None).filter(name__icontains=text)
    for j in jurisdictions.values("name", "centroid_lon", "centroid_lat", "level")[:limit]:
        rank = 0 if j["name"] == text else 2
        places.append((rank, Place(j["name"], j["centroid_lon"], j["centroid_lat"], j["level"])))
    if not places and len(text) > 2:
        # A road or a crossing named in the address beats the centre of a community.
        roads = road_places(text, near=_jurisdiction_in(original))
        if roads:
            return roads
        # The address is longer than any name: find names it contains, the longest (most specific) first.
        names = Jurisdiction.objects.exclude(centroid_lon=None).values_list("name", "centroid_lon", "centroid_lat", "level")
        found = [Place(n, lon, lat, level) for n, lon, lat, level in names if n and n in text]
        found += [Place(n, lon, lat, "station") for n, lon, lat in
                  Station.objects.values_list("name", "lon", "lat") if n and n in text]
        found += [Place(n, lon, lat, "facility") for n, lon, lat in
                  Facility.objects.exclude(lon=None).values_list("name", "lon", "lat") if n and n in text]
        found.sort(key=lambda p: (-len(p.label), _LEVEL_RANK.get(p.kind, 5) * -1))
        places = [(3, p) for p in found]
    places.sort(key=lambda rp: rp[0])
    return [p for _r, p in places[:limit]]
