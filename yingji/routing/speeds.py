"""Driving speeds: how fast a vehicle moves on each class of road.

OpenStreetMap tags a road with its class (``highway=primary``…) and sometimes a
signposted limit (``maxspeed=50``).  A :class:`SpeedProfile` turns those into a
travel time for each road segment.  Two profiles ship: :data:`DEFAULT` for an
ordinary car in Shenzhen urban traffic (used for warehouse-to-site transfers
and public estimates) and :data:`EMERGENCY` for a fire engine or rescue van with
lights and siren (used for dispatch ranking and the 5-minute rescue circle).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: The road classes the importer keeps, in the order of their integer codes
#: (the ``highway`` edge attribute stores the index into this tuple).
HIGHWAY_CLASSES: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
    "other",
)
HIGHWAY_CODE: Mapping[str, int] = MappingProxyType({h: i for i, h in enumerate(HIGHWAY_CLASSES)})


@dataclass(frozen=True)
class SpeedProfile:
    """Speeds by road class for one kind of vehicle.

    Attributes:
        name: short identifier stored with the built network.
        highway_kmh: typical speed in km/h per OSM ``highway`` class.
        default_kmh: speed for a class not listed.
        maxspeed_factor: when a segment carries a ``maxspeed`` tag, its speed is
            ``maxspeed × factor`` (drivers rarely hold the limit in a city; an
            emergency vehicle may exceed it).  ``None`` ignores ``maxspeed``.
        edge_penalty_s: fixed seconds added to every edge (e.g. to model delay
            at junctions on a network whose edges run junction to junction).
        max_kmh: upper clamp applied after everything else.
    """

    name: str
    highway_kmh: Mapping[str, float] = field(default_factory=dict)
    default_kmh: float = 20.0
    maxspeed_factor: float | None = 0.7
    edge_penalty_s: float = 0.0
    max_kmh: float = 120.0

    def __hash__(self) -> int:
        # The speed table is a read-only mapping, which dataclass hashing can't hash.
        return hash(
            (self.name, tuple(sorted(self.highway_kmh.items())), self.default_kmh, self.maxspeed_factor)
        )

    def class_speeds(self) -> NDArray[np.float64]:
        """Speed in km/h for each entry of :data:`HIGHWAY_CLASSES`."""
        return np.array(
            [self.highway_kmh.get(h, self.default_kmh) for h in HIGHWAY_CLASSES], dtype=np.float64
        )

    def speeds_kmh(
        self, highway_code: ArrayLike, maxspeed_kmh: ArrayLike | None = None
    ) -> NDArray[np.float64]:
        """Speed of each segment from its class code and parsed maxspeed (NaN = none)."""
        speed = self.class_speeds()[np.asarray(highway_code, dtype=np.int64)]
        if maxspeed_kmh is not None and self.maxspeed_factor is not None:
            ms = np.asarray(maxspeed_kmh, dtype=np.float64)
            has = np.isfinite(ms) & (ms > 0)
            speed = np.where(has, ms * self.maxspeed_factor, speed)
        # A floor of 3 km/h keeps odd tags (maxspeed=1 on a barrier lane) from
        # producing hour-long segments that are really "walk the car through".
        return np.clip(speed, 3.0, self.max_kmh)

    def seconds(
        self, length_m: ArrayLike, highway_code: ArrayLike, maxspeed_kmh: ArrayLike | None = None
    ) -> NDArray[np.float64]:
        """Travel time in seconds of each segment."""
        speed_ms = self.speeds_kmh(highway_code, maxspeed_kmh) / 3.6
        return np.asarray(length_m, dtype=np.float64) / speed_ms + self.edge_penalty_s


#: Ordinary car in Shenzhen urban traffic: average speeds including signals and
#: congestion, well below the posted limits (Shenzhen's average peak-hour road
#: speed is around 25-30 km/h; expressways 50-60 km/h).
DEFAULT = SpeedProfile(
    name="default",
    highway_kmh=MappingProxyType(
        {
            "motorway": 60,
            "motorway_link": 35,
            "trunk": 45,
            "trunk_link": 30,
            "primary": 32,
            "primary_link": 25,
            "secondary": 28,
            "secondary_link": 22,
            "tertiary": 24,
            "tertiary_link": 20,
            "unclassified": 20,
            "residential": 16,
            "living_street": 8,
            "service": 10,
            "road": 20,
        }
    ),
    default_kmh=18.0,
    maxspeed_factor=0.6,
)

#: Emergency vehicle with lights and siren: traffic yields, red lights are
#: crossed with care, limits may be exceeded moderately.
EMERGENCY = SpeedProfile(
    name="emergency",
    highway_kmh=MappingProxyType(
        {
            "motorway": 80,
            "motorway_link": 50,
            "trunk": 65,
            "trunk_link": 45,
            "primary": 50,
            "primary_link": 40,
            "secondary": 45,
            "secondary_link": 35,
            "tertiary": 40,
            "tertiary_link": 30,
            "unclassified": 30,
            "residential": 25,
            "living_street": 12,
            "service": 15,
            "road": 30,
        }
    ),
    default_kmh=25.0,
    maxspeed_factor=1.0,
)

PROFILES: Mapping[str, SpeedProfile] = MappingProxyType({p.name: p for p in (DEFAULT, EMERGENCY)})

# Implicit limits written as "<country>:<zone>" (see the OSM wiki page
# "Default speed limits").  China's road traffic law sets 30 km/h on unmarked
# urban roads with one lane per direction and 50 km/h with more; we take 50 as
# the usual urban value and use the same zone numbers for other countries.
_ZONE_KMH = {
    "urban": 50.0,
    "rural": 80.0,
    "motorway": 120.0,
    "expressway": 100.0,
    "trunk": 100.0,
    "living_street": 20.0,
    "zone30": 30.0,
    "zone20": 20.0,
    "school": 30.0,
    "walk": 6.0,
}
_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")
_UNIT_FACTOR = {None: 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}


def parse_maxspeed(value: object) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h, or ``None`` if it gives no number.

    Handles ``"50"``, ``"50 km/h"``, ``"30 mph"``, ``"CN:urban"``, ``"RU:living_street"``,
    ``"walk"`` and lists like ``"60;40"`` (the lowest applies).  ``"none"``,
    ``"signals"`` and ``"variable"`` mean there is no fixed number.
    """
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    text = str(value).strip().lower()
    if not text:
        return None
    if ";" in text or "|" in text:
        parts = [parse_maxspeed(p) for p in re.split(r"[;|]", text)]
        numbers = [p for p in parts if p is not None]
        return min(numbers) if numbers else None
    match = _NUMBER_UNIT.match(text)
    if match:
        kmh = float(match.group(1)) * _UNIT_FACTOR[match.group(2)]
        return kmh if kmh > 0 else None
    zone = text.split(":", 1)[1] if ":" in text else text
    zone = zone.replace(" ", "_")
    return _ZONE_KMH.get(zone)
