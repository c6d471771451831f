"""Coverage: which people and risk points a set of stations reaches in time.

This is the "5-minute rescue circle" of the service-station programme: for
every demand point (an H3 hexagon carrying its resident population, or a risk
point carrying its grade weight) the least travel time from any station, and
whether it is within the target.  Summaries per street or community feed the
gap maps and the construction targets; :func:`cover_matrix` feeds the siting
of new stations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import h3
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from . import search
from .engine import PointSet, TravelTimeEngine
from .geo import LocalProjection
from .snap import along_link, same_link_pairs


@dataclass(frozen=True)
class GroupSummary:
    """Coverage of one street, community or other label."""

    label: Any
    count: int
    covered_count: int
    weight: float
    covered_weight: float

    @property
    def share(self) -> float:
        """Covered share of the weight (population, risk weight), 0..1."""
        return self.covered_weight / self.weight if self.weight > 0 else 0.0

    @property
    def count_share(self) -> float:
        """Covered share of the points themselves (cells, risk points), 0..1."""
        return self.covered_count / self.count if self.count else 0.0


@dataclass(frozen=True)
class CoverageResult:
    """Travel time from the nearest station to every demand point.

    Attributes:
        seconds: least travel time from any station (``inf`` beyond ``limit_s``).
        covered: ``seconds <= limit_s``.
        weights: the demand weights (population, risk weight).
        limit_s: the target time.
        estimated: per demand point, true when its time is a straight-line
            estimate (it, or the station that reaches it first, is off the network).
        groups: the labels passed in, if any.
    """

    seconds: NDArray[np.float64]
    covered: NDArray[np.bool_]
    weights: NDArray[np.float64]
    limit_s: float
    estimated: NDArray[np.bool_]
    groups: NDArray[Any] | None = None

    @property
    def estimated_count(self) -> int:
        """Demand points whose time is a straight-line estimate."""
        return int(self.estimated.sum())

    @property
    def total_weight(self) -> float:
        return float(self.weights.sum())

    @property
    def covered_weight(self) -> float:
        return float(self.weights[self.covered].sum())

    @property
    def covered_share(self) -> float:
        """Covered share of the weight, 0..1."""
        total = self.total_weight
        return self.covered_weight / total if total > 0 else 0.0

    @property
    def minutes(self) -> NDArray[np.float64]:
        return self.seconds / 60.0

    def uncovered(self) -> NDArray[np.int64]:
        """Indices of the demand points out of reach, heaviest first (the gap list)."""
        idx = np.flatnonzero(~self.covered)
        return idx[np.lexsort((idx, -self.weights[idx]))]

    def by_group(self) -> list[GroupSummary]:
        """One :class:`GroupSummary` per distinct label, in label order."""
        if self.groups is None:
            raise ValueError("coverage was computed without group labels")
        labels, inverse = np.unique(self.groups, return_inverse=True)
        n = len(labels)
        count = np.bincount(inverse, minlength=n)
        covered_count = np.bincount(inverse, weights=self.covered, minlength=n)
        weight = np.bincount(inverse, weights=self.weights, minlength=n)
        covered_weight = np.bincount(inverse, weights=self.weights * self.covered, minlength=n)
        return [
            GroupSummary(
                _plain(labels[i]),
                int(count[i]),
                int(covered_count[i]),
                float(weight[i]),
                float(covered_weight[i]),
            )
            for i in range(n)
        ]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class AreaSummary:
    """Population and risk-point coverage of one street or community."""

    label: Any
    population: float
    covered_population: float
    risk_points: int
    covered_risk_points: int

    @property
    def population_share(self) -> float:
        return self.covered_population / self.population if self.population > 0 else 0.0

    @property
    def risk_share(self) -> float:
        return self.covered_risk_points / self.risk_points if self.risk_points else 0.0


def area_summary(population: CoverageResult, risk: CoverageResult | None = None) -> list[AreaSummary]:
    """Join population and risk-point coverage per group label (both need labels)."""
    pop = {g.label: g for g in population.by_group()}
    rsk = {g.label: g for g in risk.by_group()} if risk is not None else {}
    out = []
    for label in sorted(set(pop) | set(rsk), key=str):
        p, r = pop.get(label), rsk.get(label)
        out.append(
            AreaSummary(
                label,
                p.weight if p else 0.0,
                p.covered_weight if p else 0.0,
                r.count if r else 0,
                r.covered_count if r else 0,
            )
        )
    return out


def _prepare(engine: TravelTimeEngine, points: PointSet | ArrayLike) -> PointSet:
    return points if isinstance(points, PointSet) else engine.prepare(points)


def coverage(
    engine: TravelTimeEngine,
    stations: PointSet | ArrayLike,
    demand: PointSet | ArrayLike,
    weights: ArrayLike | None = None,
    limit_s: float = 300.0,
    groups: ArrayLike | Sequence[Any] | None = None,
) -> CoverageResult:
    """Least station-to-demand travel time and the covered flag of every demand point.

    One bounded multi-source Dijkstra from all stations at once (each station
    starting with its own snap time), then a lookup at the demand junctions.
    """
    st, dm = _prepare(engine, stations), _prepare(engine, demand)
    w = np.ones(len(dm)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(w) != len(dm):
        raise ValueError("weights and demand differ in length")
    labels = None if groups is None else np.asarray(groups)
    if labels is not None and len(labels) != len(dm):
        raise ValueError("groups and demand differ in length")
    seconds = np.full(len(dm), np.inf)
    on_st, on_dm = np.flatnonzero(st.on_network), np.flatnonzero(dm.on_network)
    if engine.network is not None and len(on_st) and len(on_dm):
        road_st, road_dm = st.take(on_st), dm.take(on_dm)
        nodes, offsets = road_st.out_node.ravel(), road_st.out_s.ravel()
        budget = limit_s - float(road_dm.in_s.min())
        field = search.multi_source(engine.network.graph, nodes[nodes >= 0], offsets[nodes >= 0], budget)
        entries = road_dm.in_node
        t = (np.where(entries >= 0, field[np.maximum(entries, 0)], np.inf) + road_dm.in_s).min(axis=1)
        i, j = same_link_pairs(road_st, road_dm)
        np.minimum.at(t, j, along_link(road_st, i, road_dm, j))
        seconds[on_dm] = t
    # Every pair with an end off the network is timed by the straight line, and marked.
    guess = np.full(len(dm), np.inf)
    off_st = np.flatnonzero(~st.on_network)
    if len(off_st):
        guess = _straight_line_nearest(engine, st.take(off_st), dm)
    off_dm = np.flatnonzero(~dm.on_network)
    if len(off_dm) and len(on_st):
        np.minimum.at(guess, off_dm, _straight_line_nearest(engine, st.take(on_st), dm.take(off_dm)))
    estimated = guess < seconds
    seconds = np.minimum(seconds, guess)
    seconds = np.where(seconds <= limit_s, seconds, np.inf)
    return CoverageResult(seconds, seconds <= limit_s, w, float(limit_s), estimated & np.isfinite(seconds)
                          | ~dm.on_network, labels)


def coverage_loop(
    engine: TravelTimeEngine,
    stations: PointSet | ArrayLike,
    demand: PointSet | ArrayLike,
    limit_s: float = 300.0,
) -> NDArray[np.float64]:
    """The naive baseline: one bounded search per station, folded with a minimum.

    Same answer as :func:`coverage` (``seconds``) for stations on the network;
    kept for the benchmark and as an independent check in the tests.
    """
    if engine.network is None:
        raise ValueError("coverage_loop needs a road network")
    st, dm = _prepare(engine, stations), _prepare(engine, demand)
    best = np.full(len(dm), np.inf)
    on = np.flatnonzero(dm.on_network)
    road_dm = dm.take(on)
    entries = road_dm.in_node
    for i, (lon, lat) in enumerate(st.lonlat):
        if not st.on_network[i]:
            continue
        field = engine.travel_times_from(float(lon), float(lat), limit_s).seconds
        t = (np.where(entries >= 0, field[np.maximum(entries, 0)], np.inf) + road_dm.in_s).min(axis=1)
        idx, j = same_link_pairs(st.take([i]), road_dm)
        np.minimum.at(t, j, along_link(st.take([i]), idx, road_dm, j))
        np.minimum(best[on], t, out=t)
        best[on] = t
    return np.where(best <= limit_s, best, np.inf)


def _straight_line_nearest(engine: TravelTimeEngine, st: PointSet, dm: PointSet) -> NDArray[np.float64]:
    """The least straight-line estimate from any of ``st`` to each of ``dm``."""
    if len(st) == 0:
        return np.full(len(dm), np.inf)
    proj = LocalProjection(float(st.lonlat[:, 0].mean()), float(st.lonlat[:, 1].mean()))
    tree = cKDTree(proj.forward(st.lonlat[:, 0], st.lonlat[:, 1]))
    # A few nearest in the plane, then the estimate itself (on the sphere) picks among them.
    k = min(8, len(st))
    _, nearest = tree.query(proj.forward(dm.lonlat[:, 0], dm.lonlat[:, 1]), k=k)
    nearest = np.asarray(nearest).reshape(len(dm), k)
    s = st.lonlat[nearest]
    t = engine.fallback.seconds(s[..., 0], s[..., 1], dm.lonlat[:, None, 0], dm.lonlat[:, None, 1])
    return np.asarray(t).reshape(len(dm), k).min(axis=1)


def cover_matrix(
    engine: TravelTimeEngine,
    candidates: PointSet | ArrayLike,
    demand: PointSet | ArrayLike,
    limit_s: float = 300.0,
) -> sp.csr_matrix:
    """Boolean ``candidates × demand`` matrix: candidate site ``j`` reaches demand ``i`` in time.

    Runs one bounded Dijkstra per distinct candidate junction, or per distinct
    demand junction on the reversed graph when those are fewer.  Without a
    network, straight-line estimates decide.
    """
    cand, dm = _prepare(engine, candidates), _prepare(engine, demand)
    shape = (len(cand), len(dm))
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    on_c, on_d = np.flatnonzero(cand.on_network), np.flatnonzero(dm.on_network)
    if engine.network is not None and len(on_c) and len(on_d):
        road_c, road_d = cand.take(on_c), dm.take(on_d)
        net = engine.network
        # Each point joins the graph at up to two junctions: one row (column) per junction,
        # folded back onto its point below.
        c_nodes, c_s = road_c.out_node.ravel(), road_c.out_s.ravel()
        d_nodes, d_s = road_d.in_node.ravel(), road_d.in_s.ravel()
        c_ok, d_ok = np.flatnonzero(c_nodes >= 0), np.flatnonzero(d_nodes >= 0)
        c_of, d_of = on_c[c_ok // 2], on_d[d_ok // 2]
        if len(np.unique(c_nodes[c_ok])) <= len(np.unique(d_nodes[d_ok])):
            pairs = search.within_limit_pairs(net.graph, c_nodes[c_ok], c_s[c_ok], d_nodes[d_ok], d_s[d_ok],
                                              limit_s).tocoo()
            rows.append(c_of[pairs.row])
            cols.append(d_of[pairs.col])
        else:
            pairs = search.within_limit_pairs(net.reverse_graph, d_nodes[d_ok], d_s[d_ok], c_nodes[c_ok],
                                              c_s[c_ok], limit_s).tocoo()
            rows.append(c_of[pairs.col])
            cols.append(d_of[pairs.row])
        i, j = same_link_pairs(road_c, road_d)
        near = along_link(road_c, i, road_d, j) <= limit_s
        rows.append(on_c[i[near]])
        cols.append(on_d[j[near]])
    # Pairs with an end off the network: the straight line decides.
    off_c, off_d = np.flatnonzero(~cand.on_network), np.flatnonzero(~dm.on_network)
    for a_idx, b_idx in ((off_c, np.arange(len(dm))), (on_c, off_d)):
        if len(a_idx) and len(b_idx):
            r, c = _within_radius(engine, cand.lonlat[a_idx], dm.lonlat[b_idx], limit_s)
            rows.append(a_idx[r])
            cols.append(b_idx[c])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    out = sp.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=shape)
    out.sum_duplicates()
    out.sort_indices()
    return out


def _within_radius(engine: TravelTimeEngine, a: NDArray[np.float64], b: NDArray[np.float64], limit_s: float
                   ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Pairs ``(i, j)`` whose straight-line estimate is within ``limit_s``."""
    proj = LocalProjection(float(b[:, 0].mean()), float(b[:, 1].mean()))
    radius = engine.fallback.radius_m(limit_s)
    tree_a = cKDTree(proj.forward(a[:, 0], a[:, 1]))
    tree_b = cKDTree(proj.forward(b[:, 0], b[:, 1]))
    # A little wider than the radius, then the estimate itself decides (the projection is not haversine).
    found = tree_a.query_ball_tree(tree_b, radius * 1.01 + 1.0)
    i = np.repeat(np.arange(len(a)), [len(x) for x in found])
    j = np.fromiter((y for x in found for y in x), dtype=np.int64, count=len(i))
    if len(i) == 0:
        return i.astype(np.int64), j
    t = engine.fallback.seconds(a[i, 0], a[i, 1], b[j, 0], b[j, 1])
    keep = t <= limit_s
    return i[keep].astype(np.int64), j[keep]


def hex_cells(
    bbox: tuple[float, float, float, float], resolution: int
) -> tuple[list[str], NDArray[np.float64]]:
    """H3 cells whose centres fall in a lon/lat box, and those centres as (n, 2) lon/lat.

    Population grids in Yingji are H3 hexagons: equal-area cells that tile a
    district without the gaps of administrative polygons.  Resolution 9 (about
    0.1 km²) suits a district map; 10 (about 0.015 km²) a street.
    """
    min_lon, min_lat, max_lon, max_lat = bbox
    shape = h3.LatLngPoly([(min_lat, min_lon), (min_lat, max_lon), (max_lat, max_lon), (max_lat, min_lon)])
    cells = sorted(h3.h3shape_to_cells(shape, resolution))
    centres = np.array([h3.cell_to_latlng(c) for c in cells], dtype=np.float64).reshape(-1, 2)
    return cells, centres[:, ::-1].copy()


def population_cells(
    lonlat: ArrayLike, population: ArrayLike, resolution: int
) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
    """Sum point populations (buildings, households) into H3 cells.

    Returns the cells (sorted), their centres as (n, 2) lon/lat and their
    summed population: the demand set for :func:`coverage` and siting.
    """
    pts = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    pop = np.asarray(population, dtype=np.float64)
    if len(pop) != len(pts):
        raise ValueError("population and points differ in length")
    ids = [h3.latlng_to_cell(lat, lon, resolution) for lon, lat in pts]
    cells, inverse = np.unique(np.asarray(ids, dtype=object), return_inverse=True)
    totals = np.bincount(inverse.ravel(), weights=pop, minlength=len(cells))
    centres = np.array([h3.cell_to_latlng(c) for c in cells], dtype=np.float64).reshape(-1, 2)[:, ::-1]
    return [str(c) for c in cells], np.ascontiguousarray(centres), totals


def hex_boundary(cell: str) -> list[list[float]]:
    """The closed GeoJSON ring (lon/lat) of an H3 cell, for drawing gap maps."""
    ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
    return ring + ring[:1]
