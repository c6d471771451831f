"""The nearest emergency shelters to a person reading a warning, by walking distance.

Shelters come from the facilities ledger (resources: kind shelter, in
service) of the warning's jurisdiction: where they are is public, posted at
every community's notice board. The walking distance is the length of the
road path from the travel-time engine (core.travel.engine().route, the one
snapping rule of the platform), at a walking pace; without a road network it
is the engine's straight-line estimate and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from yingji.core import travel
from yingji.resources.models import Facility, FacilityKind, FacilityStatus
from yingji.routing.geo import haversine_m
from yingji.routing.walking import WALKING_M_PER_MIN  # the one walking pace (4.5 km/h)
from yingji.warnings.models import EarlyWarning

# Shelters looked at closely (road path each): the nearest ones as the crow flies.
CANDIDATES = 8


@dataclass(frozen=True)
class NearbyShelter:
    shelter: Facility
    metres: float
    minutes: float
    estimated: bool


def nearest(warning: EarlyWarning, lon: float, lat: float, k: int = 3) -> list[NearbyShelter]:
    """The `k` shelters of the warning's jurisdiction nearest to (lon, lat) on foot."""
    shelters = list(Facility.objects.in_subtree(warning.jurisdiction.path)
                    .filter(kind=FacilityKind.SHELTER, status=FacilityStatus.IN_SERVICE))
    if not shelters:
        return []
    shelters.sort(key=lambda s: float(haversine_m(lon, lat, s.lon, s.lat)))
    engine = travel.engine()
    found = []
    for shelter in shelters[:CANDIDATES]:
        route = engine.route((lon, lat), (shelter.lon, shelter.lat))
        metres = route.metres if math.isfinite(route.metres) else float(haversine_m(lon, lat, shelter.lon, shelter.lat))
        found.append(NearbyShelter(shelter, metres, metres / WALKING_M_PER_MIN, route.estimated))
    found.sort(key=lambda n: (n.metres, n.shelter.pk))
    return found[:k]
