"""The one snapping rule: a point joins the road network at the nearest point of the nearest road.

Every travel time in Yingji starts and ends with it.  A point (incident,
station, warehouse, demand cell) is projected onto the nearest road *segment*
(not the nearest junction): it then lies at a fraction of that segment, and
the seconds to drive from it to either end of its link are that fraction of
the segment's time plus the link's other segments.  The gap between the point
and the road is crossed at the engine's access speed (a stated walking or
crawling pace).  A point farther from every road than the snap limit is *off
the network*: every query answers it with the straight-line estimate, marked
``estimated``.

:class:`SegmentIndex` finds the nearest segment exactly: a k-d tree holds
sample points spaced at most :data:`SAMPLE_SPACING_M` along every segment, so
any segment within ``r`` of a query point has a sample within ``r + spacing/2``;
the candidates' exact projections decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from .geo import LocalProjection
from .links import Links

#: Longest gap between two samples on a segment, metres.  Longer segments get
#: more samples; a short one gets one, at its middle.
SAMPLE_SPACING_M = 40.0
#: Candidates looked at first per query point; more when they cannot prove the answer.
FIRST_CANDIDATES = 8


class SegmentIndex:
    """Nearest road segment of points, exactly (see the module docstring)."""

    def __init__(self, links: Links, projection: LocalProjection, spacing_m: float = SAMPLE_SPACING_M) -> None:
        start = links.segment_start_vertex
        xy = projection.forward(links.lon, links.lat)
        self.a = xy[start]
        self.d = xy[start + 1] - self.a
        self.len2 = np.einsum("ij,ij->i", self.d, self.d)
        length = np.sqrt(self.len2)
        pieces = np.maximum(1, np.ceil(length / spacing_m)).astype(np.int64)
        segment = np.repeat(np.arange(links.n_segments, dtype=np.int64), pieces)
        rank = np.arange(len(segment)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        where = (rank + 0.5) / pieces[segment]
        self.sample_segment = segment
        # Every point of a segment lies within half a piece of a sample.
        self.half_piece = float((length / pieces).max() / 2) if len(length) else 0.0
        self.tree = cKDTree(self.a[segment] + where[:, None] * self.d[segment]) if len(segment) else None

    def _project(self, xy: NDArray[np.float64], seg: NDArray[np.int64]) -> tuple[NDArray[np.float64],
                                                                                  NDArray[np.float64]]:
        """Fraction along and distance to each candidate segment, ``xy`` (n, 2) against ``seg`` (n, k)."""
        a, d, len2 = self.a[seg], self.d[seg], self.len2[seg]
        rel = xy[:, None, :] - a
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(len2 > 0, np.einsum("nkj,nkj->nk", rel, d) / len2, 0.0)
        frac = np.clip(frac, 0.0, 1.0)
        gap = rel - frac[..., None] * d
        return frac, np.sqrt(np.einsum("nkj,nkj->nk", gap, gap))

    def nearest(self, xy: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                                         NDArray[np.float64]]:
        """``(segment, fraction, distance_m)`` of the nearest segment to each point (local metres).

        Ties go to the lowest segment number, so the answer does not depend on
        how many candidates were examined.
        """
        n = len(xy)
        seg = np.full(n, -1, dtype=np.int64)
        frac = np.zeros(n)
        dist = np.full(n, np.inf)
        if self.tree is None or n == 0:
            return seg, frac, dist
        todo = np.arange(n)
        k = FIRST_CANDIDATES
        n_samples = len(self.sample_segment)
        while len(todo):
            kk = min(k, n_samples)
            sample_d, sample_i = self.tree.query(xy[todo], k=kk)
            sample_d = sample_d.reshape(len(todo), kk)
            cand = self.sample_segment[sample_i.reshape(len(todo), kk)]
            f, g = self._project(xy[todo], cand)
            order = np.lexsort((cand, g), axis=1)[:, 0]
            rows = np.arange(len(todo))
            best_g = g[rows, order]
            # A segment none of whose samples was returned is at least (farthest sample
            # returned - half a piece) away: if that beats the best, the answer is proven.
            proven = (kk == n_samples) | (sample_d[:, -1] - self.half_piece > best_g)
            done = todo[proven]
            seg[done] = cand[rows, order][proven]
            frac[done] = f[rows, order][proven]
            dist[done] = best_g[proven]
            todo = todo[~proven]
            k *= 4
        return seg, frac, dist


@dataclass(frozen=True)
class PointSet:
    """Points (stations, warehouses, demand cells, an incident) snapped onto the roads once.

    Built by :meth:`~yingji.routing.engine.TravelTimeEngine.prepare`; reuse it
    across queries so that ranking 1,001 stations for every incident does not
    snap them every time.  Each point leaves its road towards up to two
    junctions (the ends of its link it may drive to) and is reached from up to
    two; ``-1`` marks a direction its one-way road does not allow.

    Attributes:
        lonlat: (n, 2) WGS-84 coordinates as given.
        distance_m: crow-fly gap from the point to the road (``inf`` without a network).
        on_network: gap within the engine's snap limit; points off the network
            are timed by the straight-line estimate in every query.
        gap_s: seconds charged for the gap at the engine's access speed.
        link, segment, fraction: where on the roads the point joins them (``-1`` when off).
        out_node, out_s: (n, 2) junctions the point drives to along its link,
            and the seconds to each, gap included.
        in_node, in_s: (n, 2) junctions from which the point is reached along
            its link, and the seconds from each, gap included.
        fwd_at_s, bwd_at_s: seconds from the link's ``u`` (driving forwards) /
            from its ``v`` (backwards) to the point's place on it, ``nan`` when
            that direction is closed: two points on one link are timed along it.
    """

    lonlat: NDArray[np.float64]
    distance_m: NDArray[np.float64]
    on_network: NDArray[np.bool_]
    gap_s: NDArray[np.float64]
    link: NDArray[np.int64]
    segment: NDArray[np.int64]
    fraction: NDArray[np.float64]
    out_node: NDArray[np.int64]
    out_s: NDArray[np.float64]
    in_node: NDArray[np.int64]
    in_s: NDArray[np.float64]
    fwd_at_s: NDArray[np.float64]
    bwd_at_s: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.lonlat)

    def take(self, index: ArrayLike) -> PointSet:
        """The points at ``index`` (an index array or a boolean mask), in that order."""
        idx = np.asarray(index)
        return PointSet(*(getattr(self, name)[idx] for name in _FIELDS))

    def replaced(self, rows: ArrayLike, other: PointSet) -> PointSet:
        """A copy with the points at ``rows`` replaced by ``other``'s (a moved station)."""
        rows = np.asarray(rows, dtype=np.int64)
        arrays = []
        for name in _FIELDS:
            arr = getattr(self, name).copy()
            arr[rows] = getattr(other, name)
            arrays.append(arr)
        return PointSet(*arrays)

    @classmethod
    def concat(cls, parts: list[PointSet]) -> PointSet:
        return PointSet(*(np.concatenate([getattr(p, name) for p in parts]) for name in _FIELDS))

    @property
    def estimated(self) -> NDArray[np.bool_]:
        """Points whose every time is a straight-line estimate (off the network, or no network)."""
        return ~self.on_network


_FIELDS = ("lonlat", "distance_m", "on_network", "gap_s", "link", "segment", "fraction", "out_node", "out_s",
           "in_node", "in_s", "fwd_at_s", "bwd_at_s")


def off_network(lonlat: NDArray[np.float64]) -> PointSet:
    """Points with no road to join: every time about them is an estimate."""
    n = len(lonlat)
    none = np.full(n, -1, dtype=np.int64)
    pair = np.full((n, 2), -1, dtype=np.int64)
    inf2 = np.full((n, 2), np.inf)
    return PointSet(lonlat, np.full(n, np.inf), np.zeros(n, dtype=bool), np.full(n, np.inf), none, none.copy(),
                    np.zeros(n), pair, inf2, pair.copy(), inf2.copy(), np.full(n, np.nan), np.full(n, np.nan))


def snap_points(lonlat: NDArray[np.float64], links: Links, index: SegmentIndex, projection: LocalProjection,
                access_ms: float, max_snap_m: float) -> PointSet:
    """Snap ``lonlat`` onto ``links`` under the one rule (module docstring)."""
    seg, frac, dist = index.nearest(projection.forward(lonlat[:, 0], lonlat[:, 1]))
    on = (seg >= 0) & (dist <= max_snap_m)
    out = off_network(lonlat)
    if not on.any():
        return PointSet(lonlat, dist, on, dist / access_ms, *_fields_from(out)[4:])
    s, f = seg[on], frac[on]
    link = links.segment_link[s]
    fwd_open, bwd_open = links.forward_open[link], links.backward_open[link]
    fwd_at = links.forward_before[s] + f * np.where(np.isfinite(links.fwd_s[s]), links.fwd_s[s], 0.0)
    bwd_at = links.backward_after[s] + (1.0 - f) * np.where(np.isfinite(links.bwd_s[s]), links.bwd_s[s], 0.0)
    gap = dist[on] / access_ms
    u, v = links.u[link], links.v[link]
    out_node, out_s = out.out_node.copy(), out.out_s.copy()
    in_node, in_s = out.in_node.copy(), out.in_s.copy()
    # Driving forwards the point goes on to v and is reached from u; backwards, on to u and from v.
    out_node[on, 0] = np.where(fwd_open, v, -1)
    out_s[on, 0] = np.where(fwd_open, gap + links.forward_total[link] - fwd_at, np.inf)
    out_node[on, 1] = np.where(bwd_open, u, -1)
    out_s[on, 1] = np.where(bwd_open, gap + links.backward_total[link] - bwd_at, np.inf)
    in_node[on, 0] = np.where(fwd_open, u, -1)
    in_s[on, 0] = np.where(fwd_open, fwd_at + gap, np.inf)
    in_node[on, 1] = np.where(bwd_open, v, -1)
    in_s[on, 1] = np.where(bwd_open, bwd_at + gap, np.inf)
    # A point projected onto the very end of its link stands on that junction: it may take any
    # road from it, whichever way its own link runs.
    first = links.first_segment
    at_u = (s == first[link]) & (f == 0.0)
    at_v = (s == first[link + 1] - 1) & (f == 1.0)
    rows = np.flatnonzero(on)
    out_node[rows[at_v], 0], out_s[rows[at_v], 0] = v[at_v], gap[at_v]
    in_node[rows[at_v], 1], in_s[rows[at_v], 1] = v[at_v], gap[at_v]
    out_node[rows[at_u], 1], out_s[rows[at_u], 1] = u[at_u], gap[at_u]
    in_node[rows[at_u], 0], in_s[rows[at_u], 0] = u[at_u], gap[at_u]
    # Round-off must not make a time negative (a point on the very end of its link).
    np.maximum(out_s, 0.0, out=out_s)
    link_all = out.link.copy()
    seg_all = out.segment.copy()
    frac_all = out.fraction.copy()
    fwd_all, bwd_all = out.fwd_at_s.copy(), out.bwd_at_s.copy()
    link_all[on], seg_all[on], frac_all[on] = link, s, f
    fwd_all[on] = np.where(fwd_open, fwd_at, np.nan)
    bwd_all[on] = np.where(bwd_open, bwd_at, np.nan)
    return PointSet(lonlat, dist, on, dist / access_ms, link_all, seg_all, frac_all, out_node, out_s, in_node,
                    in_s, fwd_all, bwd_all)


def _fields_from(points: PointSet) -> list[NDArray[np.generic]]:
    return [getattr(points, name) for name in _FIELDS]


def same_link_pairs(a: PointSet, b: PointSet) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every pair ``(i, j)`` with ``a[i]`` and ``b[j]`` on the same road link."""
    ia = np.flatnonzero(a.link >= 0)
    ia = ia[np.argsort(a.link[ia], kind="stable")]
    links_a = a.link[ia]
    jb = np.flatnonzero(b.link >= 0)
    lo = np.searchsorted(links_a, b.link[jb], side="left")
    hi = np.searchsorted(links_a, b.link[jb], side="right")
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    j = np.repeat(jb, counts)
    position = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(total)
    return ia[position].astype(np.int64), j.astype(np.int64)


def along_link(source: PointSet, i: NDArray[np.int64], target: PointSet, j: NDArray[np.int64]
               ) -> NDArray[np.float64]:
    """Seconds from ``source[i]`` to ``target[j]`` (pairwise) driving along their common link only.

    ``inf`` where they are on different links or the link's direction forbids
    it; gaps included.  The searches between junctions cannot see this way
    (it passes no junction), so every query adds it.
    """
    same = (source.link[i] == target.link[j]) & (source.link[i] >= 0)
    out = np.full(len(i), np.inf)
    if not same.any():
        return out
    si, tj = i[same], j[same]
    with np.errstate(invalid="ignore"):
        fwd = target.fwd_at_s[tj] - source.fwd_at_s[si]
        bwd = target.bwd_at_s[tj] - source.bwd_at_s[si]
    # A closed direction is nan and never >= 0.
    fwd = np.where(fwd >= 0, fwd, np.inf)
    bwd = np.where(bwd >= 0, bwd, np.inf)
    out[same] = source.gap_s[si] + np.minimum(fwd, bwd) + target.gap_s[tj]
    return out
