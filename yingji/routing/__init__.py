"""Yingji's travel-time engine: road networks, travel times, coverage and siting.

A pure-Python package (NumPy, SciPy, Shapely, h3, HiGHS) with no Django import,
so that it can be used, tested and benchmarked on its own.  The Django apps
(dispatch, supplies, coverage) call it through the names exported here.
"""

from .bounds import lagrangian_bound
from .coverage import CoverageResult, GroupSummary, area_summary, cover_matrix, hex_cells, population_cells
from .engine import (
    ACCESS_SPEED_KMH,
    MAX_SNAP_M,
    NodeTimes,
    PointSet,
    Ranking,
    Route,
    TravelTime,
    TravelTimeEngine,
)
from .fallback import StraightLine
from .isochrone import Isochrone
from .links import Links
from .network import Network
from .siting import SitingResult, lp_bound, lscp, mclp
from .speeds import DEFAULT, EMERGENCY, SpeedProfile, parse_maxspeed
from .synthetic import synthetic_city

__all__ = [
    "ACCESS_SPEED_KMH",
    "DEFAULT",
    "EMERGENCY",
    "CoverageResult",
    "GroupSummary",
    "Isochrone",
    "Links",
    "MAX_SNAP_M",
    "Network",
    "NodeTimes",
    "PointSet",
    "Ranking",
    "Route",
    "SitingResult",
    "SpeedProfile",
    "StraightLine",
    "TravelTime",
    "TravelTimeEngine",
    "area_summary",
    "cover_matrix",
    "hex_cells",
    "lagrangian_bound",
    "lp_bound",
    "lscp",
    "mclp",
    "parse_maxspeed",
    "population_cells",
    "synthetic_city",
]
