"""The travel-time engine: answers "how long to drive from here to there".

:class:`TravelTimeEngine` wraps a :class:`~yingji.routing.network.Network` (or
none at all) and is what the Django apps call: dispatch ranks the nearest
available teams for an incident, supplies ranks warehouses holding a material,
coverage draws the 5-minute rescue circle.  Points are snapped to the nearest
junction; the gap is charged at a low speed so that a station 400 m away from
any road does not look as close as one on the kerb.  Without a network, or for
a point far outside it, answers fall back to a straight-line estimate and say
so through ``estimated=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from . import search
from .fallback import StraightLine
from .geo import as_lonlat_array, haversine_m
from .isochrone import Isochrone, circle_isochrone, node_isochrone
from .network import Network

#: Node-distance budget of the first search when ranking; doubled until enough
#: facilities are certain.  Five minutes: most incidents in a city with stations
#: every couple of kilometres find their nearest ten within two rounds.
FIRST_SEARCH_S = 300.0


@dataclass(frozen=True)
class PointSet:
    """Points (stations, warehouses, demand cells) snapped to the network once.

    Built by :meth:`TravelTimeEngine.prepare`; reuse it across queries so that
    ranking 1,001 stations for every incident does not snap them every time.

    Attributes:
        lonlat: (n, 2) WGS-84 coordinates as given.
        node: nearest junction of each point (-1 without a network).
        distance_m: crow-fly distance from the point to that junction.
        offset_s: seconds charged for that gap at the engine's snap speed.
    """

    lonlat: NDArray[np.float64]
    node: NDArray[np.int64]
    distance_m: NDArray[np.float64]
    offset_s: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.lonlat)


@dataclass(frozen=True)
class TravelTime:
    """One travel time; ``estimated`` is true for a straight-line guess."""

    seconds: float
    estimated: bool

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0


@dataclass(frozen=True)
class Ranking:
    """Facilities ordered by travel time: ``items`` is ``[(index, seconds), …]``.

    ``index`` refers to the position in the facility list passed in.
    """

    items: list[tuple[int, float]]
    estimated: bool

    def __iter__(self) -> Iterator[tuple[int, float]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[int, float]:
        return self.items[i]

    @property
    def indices(self) -> list[int]:
        return [i for i, _ in self.items]

    @property
    def minutes(self) -> list[float]:
        return [s / 60.0 for _, s in self.items]


@dataclass(frozen=True)
class Route:
    """The way to drive from one point to another, for drawing on a map.

    Attributes:
        lonlat: the polyline as ``[(lon, lat), …]``: the start point, the
            junctions of the road path, the end point.  Without a road (no
            network, a point off it, or no connection) it is the straight
            line ``[start, end]``, as it is when both ends snap to the same junction.
        nodes: the junctions of the road path (empty for a straight line).
        seconds: driving time including both snap gaps.
        metres: road length including the snap gaps; for a straight line the
            crow-fly distance times the fallback's detour factor, the same
            guess the seconds are made of.
        estimated: true for the straight-line guess.
    """

    lonlat: list[tuple[float, float]]
    nodes: list[int]
    seconds: float
    metres: float
    estimated: bool

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0


@dataclass(frozen=True)
class NodeTimes:
    """Seconds from (or to) one point to every junction (``inf`` beyond the limit)."""

    seconds: NDArray[np.float64]
    origin_node: int
    estimated: bool = False


class TravelTimeEngine:
    """Travel times on a road network, or straight-line estimates without one.

    Args:
        network: the road network; ``None`` answers everything from ``fallback``.
        fallback: the straight-line model used without a network.
        snap_speed_kmh: speed charged between a point and its nearest junction.
        max_snap_m: a query point farther than this from any junction is
            outside the network; it gets a straight-line estimate instead.
    """

    def __init__(
        self,
        network: Network | None,
        fallback: StraightLine | None = None,
        *,
        snap_speed_kmh: float = 10.0,
        max_snap_m: float = 3000.0,
    ) -> None:
        self.network = network
        self.fallback = fallback or StraightLine()
        self.snap_speed_ms = snap_speed_kmh / 3.6
        self.max_snap_m = max_snap_m

    @property
    def estimated(self) -> bool:
        """True when every answer is a straight-line estimate (no network)."""
        return self.network is None

    @cached_property
    def _tree(self) -> cKDTree:
        assert self.network is not None
        return cKDTree(self.network.xy)

    @cached_property
    def _max_path_s(self) -> float:
        # No shortest path is longer than all edges together: past this budget
        # a bounded search has seen everything it ever will.
        assert self.network is not None
        return float(self.network.graph.data.sum())

    # ----------------------------------------------------------------- snapping
    def prepare(self, lonlat: ArrayLike) -> PointSet:
        """Snap points once for repeated queries (see :class:`PointSet`)."""
        pts = as_lonlat_array(lonlat)
        if self.network is None or len(pts) == 0:
            zeros = np.zeros(len(pts))
            return PointSet(pts, np.full(len(pts), -1, dtype=np.int64), zeros, zeros)
        dist, node = self._tree.query(self.network.projection.forward(pts[:, 0], pts[:, 1]))
        dist = np.asarray(dist, dtype=np.float64)
        return PointSet(pts, np.asarray(node, dtype=np.int64), dist, dist / self.snap_speed_ms)

    def snap(self, lon: float, lat: float) -> PointSet:
        """Nearest junction of one point, with the snap distance and its time."""
        return self.prepare([[lon, lat]])

    def _points(self, points: PointSet | ArrayLike) -> PointSet:
        return points if isinstance(points, PointSet) else self.prepare(points)

    def _on_network(self, p: PointSet) -> bool:
        return self.network is not None and bool(np.all(p.distance_m <= self.max_snap_m))

    # ------------------------------------------------------------------ queries
    def travel_times_from(
        self, lon: float, lat: float, limit_s: float | None = None, *, reverse: bool = False
    ) -> NodeTimes:
        """Seconds from the point to every junction (``reverse``: from every junction to it).

        Includes the point's snap time.  Needs a network: the node-level field
        is what isochrones and gap maps are drawn from.
        """
        if self.network is None:
            raise ValueError("travel_times_from needs a road network; use travel_time or nearest")
        p = self.snap(lon, lat)
        graph = self.network.reverse_graph if reverse else self.network.graph
        off = float(p.offset_s[0])
        limit = None if limit_s is None else limit_s - off
        if limit is not None and limit < 0:
            return NodeTimes(np.full(self.network.n_nodes, np.inf), int(p.node[0]))
        return NodeTimes(search.single_source(graph, int(p.node[0]), limit) + off, int(p.node[0]))

    def travel_time(self, a: tuple[float, float], b: tuple[float, float]) -> TravelTime:
        """Driving seconds from point ``a`` to point ``b`` (both ``(lon, lat)``).

        ``inf`` when ``b`` cannot be reached from ``a`` on the network.  The
        search grows its budget like :meth:`nearest`, so a short trip in a big
        city only explores the neighbourhood.
        """
        pb = self.prepare([b])
        if not self._on_network(pb):
            return TravelTime(float(self.fallback.seconds(a[0], a[1], b[0], b[1])), True)
        ranking = self._rank(a, pb, 1, None, reverse=False)
        if ranking.estimated:
            return TravelTime(float(self.fallback.seconds(a[0], a[1], b[0], b[1])), True)
        return TravelTime(ranking.items[0][1] if ranking.items else np.inf, False)

    def route(self, a: tuple[float, float], b: tuple[float, float]) -> Route:
        """The fastest road path from point ``a`` to point ``b`` (both ``(lon, lat)``).

        Like :meth:`travel_time` the search budget grows from five minutes, so
        a short trip in a big city only explores the neighbourhood.  Falls back
        to the straight line, marked estimated, when there is no road.
        """
        ends = self.prepare([a, b])
        # Both ends on one junction: no road lies between them, and a line out to the
        # junction and back (the two snap gaps) would be drawn; the straight line is the answer.
        if self._on_network(ends) and ends.node[0] != ends.node[1]:
            assert self.network is not None
            source, target = int(ends.node[0]), int(ends.node[1])
            budget = FIRST_SEARCH_S
            while True:
                nodes, seconds = search.route(self.network.graph, source, target, budget)
                if nodes or budget >= self._max_path_s:
                    break
                budget *= 2.0
            if nodes:
                lon, lat = self.network.lon[nodes], self.network.lat[nodes]
                line = [(float(a[0]), float(a[1]))]
                line += [(float(x), float(y)) for x, y in zip(lon, lat, strict=True)]
                line.append((float(b[0]), float(b[1])))
                metres = self._path_metres(nodes) + float(ends.distance_m.sum())
                return Route(line, nodes, seconds + float(ends.offset_s.sum()), metres, False)
        crow = float(haversine_m(a[0], a[1], b[0], b[1]))
        seconds = float(self.fallback.seconds(a[0], a[1], b[0], b[1]))
        line = [(float(a[0]), float(a[1])), (float(b[0]), float(b[1]))]
        return Route(line, [], seconds, crow * self.fallback.detour, True)

    def _path_metres(self, nodes: list[int]) -> float:
        """Length of a junction path: the edges' ``length_m`` when imported, else crow-fly per edge."""
        assert self.network is not None
        net = self.network
        if len(nodes) < 2:
            return 0.0
        u = np.asarray(nodes[:-1], dtype=np.int64)
        v = np.asarray(nodes[1:], dtype=np.int64)
        lengths = net.edge_attrs.get("length_m")
        if lengths is None:
            return float(haversine_m(net.lon[u], net.lat[u], net.lon[v], net.lat[v]).sum())
        g = net.graph
        # Each (u, v) is one CSR entry (from_edges keeps one edge per pair); find its position.
        position = [int(g.indptr[x] + np.flatnonzero(g.indices[g.indptr[x]:g.indptr[x + 1]] == y)[0])
                    for x, y in zip(u, v, strict=True)]
        return float(np.asarray(lengths, dtype=np.float64)[position].sum())

    def nearest(
        self,
        point: tuple[float, float],
        facilities: PointSet | ArrayLike,
        k: int = 10,
        limit_s: float | None = None,
        *,
        reverse: bool = True,
    ) -> Ranking:
        """The ``k`` facilities with the least travel time, exactly.

        ``reverse=True`` times the drive from each facility *to* the point (a
        team answering an incident); ``reverse=False`` from the point to each
        facility (people walking to a shelter).  Facilities beyond ``limit_s``
        are left out.  Ties are broken by facility index.
        """
        return self._rank(point, self._points(facilities), k, limit_s, reverse)

    def reachable_within(
        self,
        point: tuple[float, float],
        facilities: PointSet | ArrayLike,
        limit_s: float,
        *,
        reverse: bool = True,
    ) -> Ranking:
        """Every facility within ``limit_s`` of the point, nearest first."""
        return self._rank(point, self._points(facilities), None, limit_s, reverse)

    def _rank(
        self, point: tuple[float, float], fac: PointSet, k: int | None, limit_s: float | None, reverse: bool
    ) -> Ranking:
        p = self.prepare([point])
        if len(fac) == 0:
            return Ranking([], self.estimated)
        if not self._on_network(p):
            t = self.fallback.seconds(point[0], point[1], fac.lonlat[:, 0], fac.lonlat[:, 1])
            return Ranking(
                _best(t, np.isfinite(t) & (t <= (np.inf if limit_s is None else limit_s)), k), True
            )
        assert self.network is not None
        graph = self.network.reverse_graph if reverse else self.network.graph
        node, p_off = int(p.node[0]), float(p.offset_s[0])
        f_min = float(fac.offset_s.min())
        # The search budget is on node-to-node time; the totals add both offsets.
        cap = np.inf if limit_s is None else limit_s - p_off - f_min
        budget = cap if k is None else min(FIRST_SEARCH_S, cap)
        while True:
            if budget < 0:
                return Ranking([], False)
            d = search.single_source(graph, node, budget)
            t = d[fac.node] + fac.offset_s + p_off
            done = budget >= cap or budget >= self._max_path_s
            if done or bool(np.all(np.isfinite(d))):
                certain = np.isfinite(t) & (t <= (np.inf if limit_s is None else limit_s))
                break
            # Unseen facilities are at least ``budget + f_min + p_off`` away, so
            # every facility strictly below that is final.
            certain = t < budget + f_min + p_off
            found = int(certain.sum())
            if k is not None and found >= k:
                break
            budget = min(budget * _growth(found, k), cap)
        return Ranking(_best(t, certain, k), False)

    def isochrone(
        self, lon: float, lat: float, limit_s: float, *, reverse: bool = False, ratio: float = 0.15
    ) -> Isochrone:
        """The area reachable from the point within ``limit_s`` (``reverse``: that reaches it).

        Returns an :class:`Isochrone` whose ``geojson`` is a ready GeoJSON
        geometry in lon/lat.  Without a network (or off it) the area is the
        straight-line circle of the fallback, marked estimated.
        """
        p = self.snap(lon, lat)
        if not self._on_network(p):
            return circle_isochrone(lon, lat, self.fallback.radius_m(limit_s), limit_s)
        assert self.network is not None
        times = self.travel_times_from(lon, lat, limit_s, reverse=reverse).seconds
        reached = np.flatnonzero(times <= limit_s)
        return node_isochrone(self.network, (lon, lat), reached, limit_s, ratio=ratio)


def _growth(found: int, k: int | None) -> float:
    """How much to enlarge the search budget after finding ``found`` of ``k``.

    Facilities within a budget grow roughly with the reached area, i.e. the
    budget squared, so ``sqrt(k / found)`` (with a margin) usually lands on a
    budget that suffices in one more search; with nothing found, double.
    A search costs about the square of its budget, so overshooting is what
    the margin must not overdo.
    """
    if not k or found == 0:
        return 2.0
    return float(min(2.0, max(1.25, 1.15 * np.sqrt(k / found))))


def _best(t: NDArray[np.float64], mask: NDArray[np.bool_], k: int | None) -> list[tuple[int, float]]:
    """The ``k`` smallest masked times as ``(index, seconds)``, ties by index."""
    idx = np.flatnonzero(mask)
    if k is not None and len(idx) > k:
        # argpartition first: ranking 1,001 stations should not sort them all.
        part = idx[np.argpartition(t[idx], k - 1)[:k]]
        kth = t[part].max()
        idx = idx[t[idx] <= kth]  # keep ties at the k-th time for the index tie-break
    order = np.lexsort((idx, t[idx]))
    idx = idx[order][: k if k is not None else None]
    return [(int(i), float(t[i])) for i in idx]
