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
        estimated: true when computed from straight-line estimates.
        groups: the labels passed in, if any.
    """

    seconds: NDArray[np.float64]
    covered: NDArray[np.bool_]
    weights: NDArray[np.float64]
    limit_s: float
    estimated: bool
    groups: NDArray[Any] | None = None

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
    if engine.network is None:
        seconds = _straight_line_nearest(engine, st, dm)
        estimated = True
    else:
        budget = limit_s - (float(dm.offset_s.min()) if len(dm) else 0.0)
        field = search.multi_source(engine.network.graph, st.node, st.offset_s, budget)
        seconds = field[dm.node] + dm.offset_s
        estimated = False
    seconds = np.where(seconds <= limit_s, seconds, np.inf)
    return CoverageResult(seconds, seconds <= limit_s, w, float(limit_s), estimated, labels)


def coverage_loop(
    engine: TravelTimeEngine,
    stations: PointSet | ArrayLike,
    demand: PointSet | ArrayLike,
    limit_s: float = 300.0,
) -> NDArray[np.float64]:
    """The naive baseline: one bounded search per station, folded with a minimum.

    Same answer as :func:`coverage` (``seconds``); kept for the benchmark and
    as an independent check in the tests.
    """
    if engine.network is None:
        raise ValueError("coverage_loop needs a road network")
    st, dm = _prepare(engine, stations), _prepare(engine, demand)
    best = np.full(len(dm), np.inf)
    for node, off in zip(st.node, st.offset_s, strict=True):
        d = search.single_source(engine.network.graph, int(node), limit_s - off)
        np.minimum(best, off + d[dm.node] + dm.offset_s, out=best)
    return np.where(best <= limit_s, best, np.inf)


def _straight_line_nearest(engine: TravelTimeEngine, st: PointSet, dm: PointSet) -> NDArray[np.float64]:
    if len(st) == 0:
        return np.full(len(dm), np.inf)
    proj = LocalProjection(float(st.lonlat[:, 0].mean()), float(st.lonlat[:, 1].mean()))
    tree = cKDTree(proj.forward(st.lonlat[:, 0], st.lonlat[:, 1]))
    _, nearest = tree.query(proj.forward(dm.lonlat[:, 0], dm.lonlat[:, 1]))
    s = st.lonlat[nearest]
    return engine.fallback.seconds(s[:, 0], s[:, 1], dm.lonlat[:, 0], dm.lonlat[:, 1])


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
    if engine.network is None:
        proj = LocalProjection(float(dm.lonlat[:, 0].mean()), float(dm.lonlat[:, 1].mean()))
        radius = engine.fallback.radius_m(limit_s)
        a = cKDTree(proj.forward(cand.lonlat[:, 0], cand.lonlat[:, 1]))
        b = cKDTree(proj.forward(dm.lonlat[:, 0], dm.lonlat[:, 1]))
        m = a.sparse_distance_matrix(b, radius, output_type="coo_matrix").tocsr()
        out = sp.csr_matrix((np.ones(m.nnz, dtype=bool), m.indices, m.indptr), shape=m.shape)
        # sparse_distance_matrix drops exact-zero distances; same-spot pairs count.
        same = a.query_ball_tree(b, 1e-9)
        extra = [(i, j) for i, js in enumerate(same) for j in js]
        if extra:
            r, c = np.array(extra).T
            out = out + sp.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=out.shape)
        return out
    net = engine.network
    if len(np.unique(cand.node)) <= len(np.unique(dm.node)):
        return search.within_limit_pairs(net.graph, cand.node, cand.offset_s, dm.node, dm.offset_s, limit_s)
    rev = search.within_limit_pairs(
        net.reverse_graph, dm.node, dm.offset_s, cand.node, cand.offset_s, limit_s
    )
    return rev.T.tocsr()


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
