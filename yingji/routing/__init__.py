"""Yingji's travel-time engine: road networks, travel times, coverage and siting.

A pure-Python package (NumPy, SciPy, Shapely, h3, HiGHS) with no Django import,
so that it can be used, tested and benchmarked on its own.  The Django apps
(dispatch, supplies, coverage) call it through the names exported here.
"""

from .engine import NodeTimes, PointSet, Ranking, TravelTime, TravelTimeEngine
from .fallback import StraightLine
from .isochrone import Isochrone
from .network import Network
from .speeds import DEFAULT, EMERGENCY, SpeedProfile, parse_maxspeed
from .synthetic import synthetic_city

__all__ = [
    "DEFAULT",
    "EMERGENCY",
    "Isochrone",
    "Network",
    "NodeTimes",
    "PointSet",
    "Ranking",
    "SpeedProfile",
    "StraightLine",
    "TravelTime",
    "TravelTimeEngine",
    "parse_maxspeed",
    "synthetic_city",
]
