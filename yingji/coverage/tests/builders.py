"""A hand-checked world for the coverage tests: six junctions one minute apart across the cast's communities.

    n0 ─1′─ n1 ─1′─ n2 ─1′─ n3 ─1′─ n4 ─1′─ n5
    A1       A       B1      B       C       C          (jurisdiction of the cell at each junction)
    1000     2000    3000    4000    5000    6000       (residents)

A station on n0 reaches n0…n3 within 3 minutes (0, 1, 2, 3′), n4 in 4′, n5 in 5′.
Every demand cell and station sits exactly on its junction, so no snapping time is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import h3
import numpy as np

from yingji.core import travel
from yingji.core.testing import Cast
from yingji.coverage.models import CandidateSite, DemandCell, PlaceKind
from yingji.hazards.models import RiskGrade, RiskPoint
from yingji.resources.models import Station, StationKind
from yingji.routing import Network, TravelTimeEngine

NODES = [(114.02, 22.51), (114.02, 22.53), (114.02, 22.55), (114.02, 22.57), (114.06, 22.57), (114.06, 22.53)]
POPULATION = [1000, 2000, 3000, 4000, 5000, 6000]


def line_network() -> Network:
    lon, lat = zip(*NODES, strict=True)
    u = [0, 1, 2, 3, 4, 1, 2, 3, 4, 5]
    v = [1, 2, 3, 4, 5, 0, 1, 2, 3, 4]
    return Network.from_edges(np.array(lon), np.array(lat), u, v, [60.0] * 10, meta={"name": "test-line"})


@dataclass
class World:
    cells: list[DemandCell]
    station: Station
    risk: dict[str, RiskPoint]
    mall: CandidateSite
    engine: TravelTimeEngine


def make_station(jurisdiction: Any, code: str, kind: str, lon: float, lat: float, **fields: Any) -> Station:
    return Station.objects.create(jurisdiction=jurisdiction, code=code, name=fields.pop("name", code), kind=kind,
                                  lon=lon, lat=lat, **fields)


def world(cast: Cast) -> World:
    """Cells, one station on n0, three risk points and a candidate mall on n5; installs the engine."""
    owners = [cast.grid_a1, cast.community_a, cast.grid_b1, cast.community_b, cast.community_c, cast.community_c]
    cells = [DemandCell.objects.create(jurisdiction=j, h3=h3.latlng_to_cell(lat, lon, 9), resolution=9,
                                       lon=lon, lat=lat, population=p)
             for j, (lon, lat), p in zip(owners, NODES, POPULATION, strict=True)]
    station = make_station(cast.community_a, "ST-A", StationKind.COMMUNITY, *NODES[0], name="A社区站")
    risk = {
        "a_red": RiskPoint.objects.create(jurisdiction=cast.community_a, code="R-A", name="A老旧小区",
                                          grade=RiskGrade.RED, lon=NODES[1][0], lat=NODES[1][1]),
        "b_blue": RiskPoint.objects.create(jurisdiction=cast.community_b, code="R-B", name="B边坡",
                                           grade=RiskGrade.BLUE, lon=NODES[3][0], lat=NODES[3][1]),
        "c_red": RiskPoint.objects.create(jurisdiction=cast.community_c, code="R-C", name="C低洼地",
                                          grade=RiskGrade.RED, lon=NODES[5][0], lat=NODES[5][1]),
    }
    mall = CandidateSite.objects.create(jurisdiction=cast.community_c, name="C购物中心", kind=PlaceKind.MALL,
                                        lon=NODES[5][0], lat=NODES[5][1])
    engine = TravelTimeEngine(line_network())
    travel.use_engine(engine)
    return World(cells, station, risk, mall, engine)
