"""The travel-time engine: answers "how long to drive from here to there".

:class:`TravelTimeEngine` wraps a :class:`~yingji.routing.network.Network` (or
none at all) and is what the Django apps call: dispatch ranks the nearest
available teams for an incident, supplies ranks warehouses holding a material,
coverage draws the 5-minute rescue circle.

Every query follows one rule (:mod:`yingji.routing.snap`): a point joins the
roads at the nearest point of the nearest road segment, the gap to the road
is crossed at the access speed, and a pair of points of which either lies
farther than the snap limit from every road is timed by the straight-line
estimate and marked ``estimated`` — per answer, so a ranking may hold road
times and marked estimates side by side but never an unmarked guess.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra

from .fallback import StraightLine
from .geo import as_lonlat_array, haversine_m
from .isochrone import Isochrone, circle_isochrone, node_isochrone
from .network import Network
from .snap import PointSet, SegmentIndex, along_link, off_network, snap_points

#: Node-distance budget of the first search when ranking; grown until enough
#: facilities are certain.  Five minutes: most incidents in a city with stations
#: every couple of kilometres find their nearest ten within two rounds.
FIRST_SEARCH_S = 300.0
#: Speed at which the gap between a point and its road is crossed: a
#: responder running, or a vehicle crawling through a compound's lanes.
ACCESS_SPEED_KMH = 10.0
#: A point farther than this from every road is off the network: its times are
#: straight-line estimates.  Half a kilometre is beyond any driveway or compound
#: lane; farther out (a mountain park, a bay, another city) no road time means much.
MAX_SNAP_M = 500.0

__all__ = ["NodeTimes", "PointSet", "Ranking", "Route", "TravelTime", "TravelTimeEngine"]


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

    ``index`` refers to the position in the facility list passed in;
    ``flags[i]`` says whether ``items[i]`` is a straight-line estimate.
    """

    items: list[tuple[int, float]]
    flags: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.flags) != len(self.items):
            raise ValueError("one estimate flag per ranked item")

    def __iter__(self) -> Iterator[tuple[int, float]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[int, float]:
        return self.items[i]

    @property
    def estimated(self) -> bool:
        """True when any item is a straight-line estimate."""
        return any(self.flags)

    @property
    def indices(self) -> list[int]:
        return [i for i, _ in self.items]

    @property
    def minutes(self) -> list[float]:
        return [s / 60.0 for _, s in self.items]

    def timed(self) -> Iterator[tuple[int, float, bool]]:
        """``(index, seconds, estimated)`` of every item."""
        for (i, s), e in zip(self.items, self.flags, strict=True):
            yield i, s, e


@dataclass(frozen=True)
class Route:
    """The way to drive from one point to another, for drawing on a map.

    Attributes:
        lonlat: the polyline as ``[(lon, lat), …]``: the start point, where it
            joins its road, the roads' shapes through the junctions of the
            path, where the end joins its road, the end point.  Without a road
            (no network, an end off it, or no connection) it is the straight
            line ``[start, end]``.
        nodes: the junctions of the road path (empty for a straight line or a
            trip along one road).
        seconds: driving time including both gaps to the road.
        metres: road length including the gaps; for a straight line the
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
    """Seconds from (or to) one point to every junction (``inf`` beyond the limit).

    ``estimated`` is true when the point is off the network: then no junction
    has a road time and every value is ``inf``.
    """

    seconds: NDArray[np.float64]
    origin_node: int
    estimated: bool = False


class TravelTimeEngine:
    """Travel times on a road network, or straight-line estimates without one.

    Args:
        network: the road network; ``None`` answers everything from ``fallback``.
        fallback: the straight-line model for points off the network.
        access_speed_kmh: speed charged between a point and its road.
        max_snap_m: a point farther than this from every road is off the network.
    """

    def __init__(
        self,
        network: Network | None,
        fallback: StraightLine | None = None,
        *,
        access_speed_kmh: float = ACCESS_SPEED_KMH,
        max_snap_m: float = MAX_SNAP_M,
    ) -> None:
        if not access_speed_kmh > 0 or not max_snap_m >= 0:
            raise ValueError("the access speed must be positive and the snap limit not negative")
        self.network = network
        self.fallback = fallback or StraightLine()
        self.access_speed_kmh = float(access_speed_kmh)
        self.access_ms = access_speed_kmh / 3.6
        self.max_snap_m = float(max_snap_m)
        # The virtual start node's two edges are rewritten per search (see _search).
        self._search_lock = threading.Lock()

    @property
    def estimated(self) -> bool:
        """True when every answer is a straight-line estimate (no network)."""
        return self.network is None

    # ---------------------------------------------------------------- snapping
    @cached_property
    def _links(self) -> Any:
        assert self.network is not None
        return self.network.road_links[0]

    @cached_property
    def _edge_link(self) -> NDArray[np.int64]:
        assert self.network is not None
        return self.network.road_links[1]

    @cached_property
    def segment_index(self) -> SegmentIndex:
        assert self.network is not None
        return SegmentIndex(self._links, self.network.projection)

    def prepare(self, lonlat: ArrayLike) -> PointSet:
        """Snap points once for repeated queries (see :class:`PointSet`).

        Raises ``ValueError`` for a coordinate that is not a finite number.
        """
        pts = as_lonlat_array(lonlat)
        if not np.all(np.isfinite(pts)):
            raise ValueError("coordinates must be finite numbers")
        if self.network is None or len(pts) == 0:
            return off_network(pts)
        return snap_points(pts, self._links, self.segment_index, self.network.projection, self.access_ms,
                           self.max_snap_m)

    def snap(self, lon: float, lat: float) -> PointSet:
        """Where one point joins the roads, with its gap and the seconds to its junctions."""
        return self.prepare([[lon, lat]])

    def _points(self, points: PointSet | ArrayLike) -> PointSet:
        return points if isinstance(points, PointSet) else self.prepare(points)

    # --------------------------------------------------------------- searching
    @cached_property
    def _graphs(self) -> dict[bool, sp.csr_matrix]:
        """Forward and reverse graphs with one virtual start node ``n`` and two spare edges from it."""
        assert self.network is not None
        n = self.network.n_nodes
        out = {}
        for reverse, g in ((False, self.network.graph), (True, self.network.reverse_graph)):
            indptr = np.concatenate([g.indptr, [g.indptr[-1] + 2]]).astype(np.int32)
            indices = np.concatenate([g.indices, [0, 0]]).astype(np.int32)
            data = np.concatenate([g.data, [np.inf, np.inf]])
            out[reverse] = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
        return out

    @cached_property
    def _max_path_s(self) -> float:
        # No shortest path is longer than all edges together: past this budget
        # a bounded search has seen everything it ever will.
        assert self.network is not None
        return float(self.network.graph.data.sum())

    def _search(self, nodes: NDArray[np.int64], seconds: NDArray[np.float64], limit: float, *, reverse: bool,
                predecessors: bool = False) -> Any:
        """Seconds from a point that enters the graph at ``nodes`` after ``seconds`` (``inf`` past ``limit``).

        The point is a virtual node joined to its (at most two) junctions: one
        exact search, however different the two start times.  The graph's
        spare edges are rewritten under a lock (SciPy holds the GIL anyway).
        """
        assert self.network is not None
        n = self.network.n_nodes
        valid = nodes >= 0
        nodes, seconds = nodes[valid], seconds[valid]
        if len(nodes) == 1:
            nodes, seconds = np.repeat(nodes, 2), np.repeat(seconds, 2)
        g = self._graphs[reverse]
        with self._search_lock:
            g.indices[-2:] = nodes
            g.data[-2:] = seconds
            result = dijkstra(g, directed=True, indices=n, limit=max(float(limit), 0.0),
                              return_predecessors=predecessors)
        if predecessors:
            return result[0][:n], result[1][:n]
        return result[:n]

    # ------------------------------------------------------------------ queries
    def travel_times_from(
        self, lon: float, lat: float, limit_s: float | None = None, *, reverse: bool = False
    ) -> NodeTimes:
        """Seconds from the point to every junction (``reverse``: from every junction to it).

        Includes the point's gap and the way along its road.  Needs a network:
        the node-level field is what isochrones and gap maps are drawn from.
        """
        if self.network is None:
            raise ValueError("travel_times_from needs a road network; use travel_time or nearest")
        p = self.snap(lon, lat)
        if not p.on_network[0]:
            return NodeTimes(np.full(self.network.n_nodes, np.inf), -1, True)
        nodes, seconds = (p.in_node[0], p.in_s[0]) if reverse else (p.out_node[0], p.out_s[0])
        limit = np.inf if limit_s is None else float(limit_s)
        times = self._search(nodes, seconds, limit, reverse=reverse)
        times[times > limit] = np.inf
        origin = int(nodes[np.argmin(np.where(nodes >= 0, seconds, np.inf))])
        return NodeTimes(times, origin)

    def travel_time(self, a: tuple[float, float], b: tuple[float, float]) -> TravelTime:
        """Driving seconds from point ``a`` to point ``b`` (both ``(lon, lat)``).

        ``inf`` when ``b`` cannot be reached from ``a`` on the network; a
        marked straight-line estimate when either lies off it.  The search
        grows its budget like :meth:`nearest`, so a short trip in a big city
        only explores the neighbourhood.
        """
        ranking = self._rank(a, self.prepare([b]), 1, None, reverse=False)
        if not ranking.items:
            return TravelTime(np.inf, False)
        return TravelTime(ranking.items[0][1], ranking.flags[0])

    def _estimate(self, a: tuple[float, float], b: tuple[float, float]) -> Route:
        crow = float(haversine_m(a[0], a[1], b[0], b[1]))
        seconds = float(self.fallback.seconds(a[0], a[1], b[0], b[1]))
        line = [(float(a[0]), float(a[1])), (float(b[0]), float(b[1]))]
        return Route(line, [], seconds, crow * self.fallback.detour, True)

    def route(self, a: tuple[float, float], b: tuple[float, float]) -> Route:
        """The fastest road path from point ``a`` to point ``b`` (both ``(lon, lat)``), for drawing.

        Its seconds are :meth:`travel_time`'s.  The straight line, marked
        estimated, when either end is off the network or no road connects them.
        """
        ends = self.prepare([a, b])
        if not bool(ends.on_network.all()):
            return self._estimate(a, b)
        assert self.network is not None
        start, end = ends.take([0]), ends.take([1])
        direct = float(along_link(start, np.array([0]), end, np.array([0]))[0])
        entries = end.in_node[0]
        nearest_entry = float(np.where(entries >= 0, end.in_s[0], np.inf).min())
        nearest_exit = float(np.where(start.out_node[0] >= 0, start.out_s[0], np.inf).min())
        # Past this budget the search has seen every junction it ever will: the longest path plus
        # the way onto the roads at the start (a point far from its road starts late) — the same
        # bound `_rank_on_roads` uses, so a route is found whenever `travel_time` finds one.
        exhausted = self._max_path_s + (nearest_exit if math.isfinite(nearest_exit) else 0.0)
        budget = FIRST_SEARCH_S
        while True:
            d, pred = self._search(start.out_node[0], start.out_s[0], budget, reverse=False, predecessors=True)
            via = np.where(entries >= 0, d[np.maximum(entries, 0)] + end.in_s[0], np.inf)
            best = float(via.min())
            # Anything the search has not reached is at least budget + the nearest entry away.
            if min(best, direct) < budget + nearest_entry or budget >= exhausted:
                break
            budget *= 2.0
        if not (np.isfinite(best) or np.isfinite(direct)):
            return self._estimate(a, b)
        links = self._links
        gap_m = float(ends.distance_m.sum())
        a_xy = (float(a[0]), float(a[1]))
        b_xy = (float(b[0]), float(b[1]))
        if direct <= best:
            line = links.piece(int(start.link[0]), int(start.segment[0]), float(start.fraction[0]),
                               int(end.segment[0]), float(end.fraction[0]))
            metres = abs(self._along_m(end) - self._along_m(start)) + gap_m
            return Route(_without_repeats([a_xy, *line, b_xy]), [], direct, metres, False)
        entry = int(np.argmin(via))
        last = int(end.in_node[0][entry])
        nodes = [last]
        while int(pred[nodes[-1]]) != self.network.n_nodes:  # back to the virtual start
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        first = nodes[0]
        # Out of the start's road towards the junction the path leaves from…
        s_link, s_seg, s_frac = int(start.link[0]), int(start.segment[0]), float(start.fraction[0])
        to_v = first == int(start.out_node[0][0])
        head = links.piece(s_link, s_seg, s_frac, *self._link_end(s_link, to_v))
        metres = gap_m + (float(links.link_length_m[s_link]) - self._along_m(start) if to_v else self._along_m(start))
        line = [a_xy, *head]
        # …along the roads between junctions…
        for x, y in zip(nodes[:-1], nodes[1:], strict=True):
            signed = self._edge_between(x, y)
            link = abs(signed) - 1
            line += links.vertices(link, backwards=signed < 0)[1:]
            metres += float(links.link_length_m[link])
        # …and into the end's road from the junction the path arrives at.
        e_link, e_seg, e_frac = int(end.link[0]), int(end.segment[0]), float(end.fraction[0])
        from_u = entry == 0
        tail = links.piece(e_link, *self._link_end(e_link, not from_u), e_seg, e_frac)
        metres += self._along_m(end) if from_u else float(links.link_length_m[e_link]) - self._along_m(end)
        line += [*tail[1:], b_xy]
        return Route(_without_repeats(line), nodes, best, metres, False)

    def _along_m(self, p: PointSet) -> float:
        links = self._links
        s = int(p.segment[0])
        return float(links.length_before[s] + p.fraction[0] * links.length_m[s])

    def _link_end(self, link: int, at_v: bool) -> tuple[int, float]:
        """(segment, fraction) of the link's ``v`` end (``at_v``) or its ``u`` end."""
        first = self._links.first_segment
        return (int(first[link + 1]) - 1, 1.0) if at_v else (int(first[link]), 0.0)

    def _edge_between(self, x: int, y: int) -> int:
        """Signed link number of the graph edge ``x → y``."""
        assert self.network is not None
        g = self.network.graph
        row = slice(int(g.indptr[x]), int(g.indptr[x + 1]))
        position = int(g.indptr[x]) + int(np.flatnonzero(g.indices[row] == y)[0])
        return int(self._edge_link[position])

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
        limit = np.inf if limit_s is None else float(limit_s)
        if len(fac) == 0 or (k is not None and k <= 0):
            return Ranking([], [])
        estimated = ~fac.on_network | (not bool(p.on_network[0]))
        t = np.full(len(fac), np.inf)
        if estimated.any():
            t[estimated] = self.fallback.seconds(point[0], point[1], fac.lonlat[estimated, 0],
                                                 fac.lonlat[estimated, 1])
        road = np.flatnonzero(~estimated)
        certain = estimated.copy()
        if len(road):
            t_road, certain_road = self._rank_on_roads(p, fac.take(road), k, limit, reverse)
            t[road], certain[road] = t_road, certain_road
        certain &= t <= limit
        return _best(t, certain, k, estimated)

    def _rank_on_roads(self, p: PointSet, fac: PointSet, k: int | None, limit: float, reverse: bool
                       ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Road times of facilities all on the network, and which of them are final."""
        idx = np.arange(len(fac))
        zero = np.zeros(len(fac), dtype=np.int64)
        if reverse:  # facilities drive to the point: search the reversed roads from where it is reached
            seeds, seed_s, ends, end_s = p.in_node[0], p.in_s[0], fac.out_node, fac.out_s
            direct = along_link(fac, idx, p, zero)
        else:
            seeds, seed_s, ends, end_s = p.out_node[0], p.out_s[0], fac.in_node, fac.in_s
            direct = along_link(p, zero, fac, idx)
        f_min = float(end_s.min())
        cap = limit - f_min
        max_budget = self._max_path_s + float(np.min(seed_s))
        budget = cap if k is None else min(FIRST_SEARCH_S, cap)
        while True:
            if budget < 0:
                return direct, direct <= limit
            d = self._search(seeds, seed_s, budget, reverse=reverse)
            d_ends = np.where(ends >= 0, d[np.maximum(ends, 0)], np.inf)
            t = np.minimum((d_ends + end_s).min(axis=1), direct)
            if budget >= cap or budget >= max_budget:
                return t, np.isfinite(t)
            # Facilities not yet reached are at least ``budget + f_min`` away, so
            # every facility strictly below that is final.
            certain = t < budget + f_min
            found = int(certain.sum())
            if k is not None and found >= k:
                return t, certain
            budget = min(budget * _growth(found, k), cap)

    def isochrone(
        self, lon: float, lat: float, limit_s: float, *, reverse: bool = False, ratio: float = 0.15
    ) -> Isochrone:
        """The area reachable from the point within ``limit_s`` (``reverse``: that reaches it).

        Returns an :class:`Isochrone` whose ``geojson`` is a ready GeoJSON
        geometry in lon/lat.  Without a network, or off it, the area is the
        straight-line circle of the fallback, marked estimated.
        """
        if self.network is None or not bool(self.snap(lon, lat).on_network[0]):
            return circle_isochrone(lon, lat, self.fallback.radius_m(limit_s), limit_s)
        times = self.travel_times_from(lon, lat, limit_s, reverse=reverse).seconds
        reached = np.flatnonzero(times <= limit_s)
        return node_isochrone(self.network, (lon, lat), reached, limit_s, ratio=ratio)


def _without_repeats(line: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The polyline without a point repeated right after itself (a point on its road, a path's ends)."""
    return [p for i, p in enumerate(line) if i == 0 or p != line[i - 1]]


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


def _best(t: NDArray[np.float64], mask: NDArray[np.bool_], k: int | None, estimated: NDArray[np.bool_]) -> Ranking:
    """The ``k`` smallest masked times, ties by index, with their estimate flags."""
    idx = np.flatnonzero(mask)
    if k is not None and len(idx) > k:
        # argpartition first: ranking 1,001 stations should not sort them all.
        part = idx[np.argpartition(t[idx], k - 1)[:k]]
        kth = t[part].max()
        idx = idx[t[idx] <= kth]  # keep ties at the k-th time for the index tie-break
    order = np.lexsort((idx, t[idx]))
    idx = idx[order][: k if k is not None else None]
    return Ranking([(int(i), float(t[i])) for i in idx], [bool(estimated[i]) for i in idx])
