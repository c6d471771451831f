"""Walking: the same roads timed at a walking pace, in both directions.

People walk to a shelter (避难场所) or a service within the "15-minute community life circle"
(15分钟社区生活圈) along the roads the engine already holds: every link, one-way for cars or not,
is walked both ways at :data:`WALKING_KMH`. The warnings' "nearest shelters on foot" and the
coverage app's walking coverage of residents use this one pace.
"""

from __future__ import annotations

from .engine import TravelTimeEngine
from .fallback import StraightLine
from .links import Links
from .network import Network

#: An adult walking with a child or a bag: 4.5 km/h, 75 metres a minute.
WALKING_KMH = 4.5
WALKING_M_PER_MIN = WALKING_KMH * 1000.0 / 60.0


def walking_network(network: Network, speed_kmh: float = WALKING_KMH) -> Network:
    """The network's roads as a walker's graph: each segment's length at ``speed_kmh``, both directions open."""
    if not speed_kmh > 0:
        raise ValueError("the walking speed must be positive")
    links = network.road_links[0]
    seconds = links.length_m / (speed_kmh / 3.6)
    walk = Links(links.u, links.v, links.ptr, links.lon, links.lat, seconds, seconds.copy(), links.length_m,
                 dict(links.attrs))
    return Network.from_links(network.lon, network.lat, walk, node_ids=network.node_ids,
                              meta={**network.meta, "profile": "walking"})


def walking_engine(network: Network | None, speed_kmh: float = WALKING_KMH) -> TravelTimeEngine:
    """An engine that answers walking times (points reach the roads at the same pace; without roads,
    the straight line at walking speed, marked estimated)."""
    walk = walking_network(network, speed_kmh) if network is not None and network.n_nodes else None
    return TravelTimeEngine(walk, StraightLine(speed_kmh=speed_kmh, detour=1.3), access_speed_kmh=speed_kmh)


__all__ = ["WALKING_KMH", "WALKING_M_PER_MIN", "walking_engine", "walking_network"]
