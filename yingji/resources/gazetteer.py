"""A small gazetteer: places whose name matches a text — stations (landmarks everyone knows) and jurisdictions.

Used where a person types an address instead of picking a point (incident
intake, the supplies search).
"""

from __future__ import annotations

from dataclasses import dataclass

from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Station

_LEVEL_RANK = {Level.GRID: 4, Level.COMMUNITY: 3, Level.STREET: 2, Level.DISTRICT: 1, Level.CITY: 0}


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
