"""Road links: the roads between junctions as drawn polylines, and the contraction of shape points.

A :class:`Links` table is the geometry behind a :class:`~yingji.routing.network.Network`'s
junction graph.  Link ``l`` runs from junction ``u[l]`` to ``v[l]`` through its
shape vertices; each straight piece between two vertices is a *segment* with
its own seconds forwards (``u → v``), backwards (``v → u``, ``inf`` on a
one-way road) and its length.  Points (incidents, stations, warehouses) snap
onto segments (:mod:`yingji.routing.snap`), so a link keeps every vertex of
the road even when its interior vertices are no junctions of the graph.

An OpenStreetMap way is a chain of nodes, most of which only draw the curve of
the road: 76–84 % of an extract's nodes have exactly two neighbours.
:func:`contract` removes them from the graph and keeps them as shape vertices:
the graph shrinks to the real junctions and every travel time stays what it
was, because a link's seconds are the sum of its segments' seconds and a point
on a segment is timed by the fraction of that segment it lies on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from .geo import haversine_m


@dataclass(eq=False)
class Links:
    """The road links of a network (see the module docstring).

    Attributes:
        u, v: end junctions of each link (int64, length ``L``).
        ptr: vertices of link ``l`` are ``lon/lat[ptr[l]:ptr[l + 1]]`` (int64, ``L + 1``);
            the first lies on junction ``u[l]``, the last on ``v[l]``.
        lon, lat: shape vertices (float64, ``V``).
        fwd_s, bwd_s: seconds to drive each segment ``u → v`` / ``v → u``
            (float64, ``S = V - L``; ``inf`` where the direction is closed; a
            link is open in a direction on all its segments or on none).
        length_m: length of each segment (float64, ``S``).
        attrs: optional per-segment arrays (``highway``, ``maxspeed_kmh``, ``way_id``).
    """

    u: NDArray[np.int64]
    v: NDArray[np.int64]
    ptr: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    fwd_s: NDArray[np.float64]
    bwd_s: NDArray[np.float64]
    length_m: NDArray[np.float64]
    attrs: dict[str, NDArray[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.u = np.ascontiguousarray(self.u, dtype=np.int64)
        self.v = np.ascontiguousarray(self.v, dtype=np.int64)
        self.ptr = np.ascontiguousarray(self.ptr, dtype=np.int64)
        self.lon = np.ascontiguousarray(self.lon, dtype=np.float64)
        self.lat = np.ascontiguousarray(self.lat, dtype=np.float64)
        self.fwd_s = np.ascontiguousarray(self.fwd_s, dtype=np.float64)
        self.bwd_s = np.ascontiguousarray(self.bwd_s, dtype=np.float64)
        self.length_m = np.ascontiguousarray(self.length_m, dtype=np.float64)
        n_links, n_vertices = len(self.u), len(self.lon)
        n_segments = n_vertices - n_links
        if len(self.v) != n_links or len(self.ptr) != n_links + 1 or len(self.lat) != n_vertices:
            raise ValueError("link arrays disagree in length")
        if n_links and (self.ptr[0] != 0 or self.ptr[-1] != n_vertices or np.any(np.diff(self.ptr) < 2)):
            raise ValueError("every link needs at least two vertices")
        for name, arr in {"fwd_s": self.fwd_s, "bwd_s": self.bwd_s, "length_m": self.length_m,
                          **self.attrs}.items():
            if len(arr) != n_segments:
                raise ValueError(f"segment array {name!r} has {len(arr)} values for {n_segments} segments")

    # ------------------------------------------------------------------ sizes
    @property
    def n_links(self) -> int:
        return len(self.u)

    @property
    def n_segments(self) -> int:
        return len(self.fwd_s)

    @cached_property
    def segment_link(self) -> NDArray[np.int64]:
        """The link of every segment; segment ``s`` runs from vertex ``s + segment_link[s]`` to the next."""
        return np.repeat(np.arange(self.n_links, dtype=np.int64), np.diff(self.ptr) - 1)

    @cached_property
    def segment_start_vertex(self) -> NDArray[np.int64]:
        return np.arange(self.n_segments, dtype=np.int64) + self.segment_link

    @cached_property
    def first_segment(self) -> NDArray[np.int64]:
        """Index of each link's first segment (``L + 1`` values, the last one ``S``)."""
        return self.ptr - np.arange(self.n_links + 1, dtype=np.int64)

    @cached_property
    def forward_open(self) -> NDArray[np.bool_]:
        """Whether each link may be driven ``u → v``."""
        return self._open(self.fwd_s)

    @cached_property
    def backward_open(self) -> NDArray[np.bool_]:
        """Whether each link may be driven ``v → u``."""
        return self._open(self.bwd_s)

    def _open(self, seconds: NDArray[np.float64]) -> NDArray[np.bool_]:
        if self.n_links == 0:
            return np.zeros(0, dtype=bool)
        finite = np.isfinite(seconds).astype(np.int64)
        return np.add.reduceat(finite, self.first_segment[:-1]) == np.diff(self.first_segment)

    # -------------------------------------------------------- cumulative times
    def _cumulative(self, values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Per segment, the sum of ``values`` over the link's earlier segments; per link, the total.

        Summed link by link in segment order, so that a link's total is exactly
        the sum a search through its former shape points would have added.
        """
        finite = np.where(np.isfinite(values), values, 0.0)
        before = np.zeros(self.n_segments)
        first = self.first_segment[:-1]
        counts = np.diff(self.first_segment)
        # Rank by rank along the links (vectorised across links): before[k-th segment] is the
        # running sum of the k earlier ones, added in order.
        for rank in range(1, int(counts.max()) if self.n_links else 0):
            longer = first[counts > rank]
            before[longer + rank] = before[longer + rank - 1] + finite[longer + rank - 1]
        last = self.first_segment[1:] - 1
        total = before[last] + finite[last] if self.n_links else np.zeros(0)
        return before, total

    @cached_property
    def forward_before(self) -> NDArray[np.float64]:
        """Seconds from the link's ``u`` to the start of each segment, driving forwards."""
        return self._cumulative(self.fwd_s)[0]

    @cached_property
    def forward_total(self) -> NDArray[np.float64]:
        """Seconds to drive each link ``u → v`` (meaningless where closed)."""
        return self._cumulative(self.fwd_s)[1]

    @cached_property
    def backward_after(self) -> NDArray[np.float64]:
        """Seconds from the link's ``v`` back to the end of each segment, driving backwards."""
        before, total = self._cumulative(self.bwd_s)
        finite = np.where(np.isfinite(self.bwd_s), self.bwd_s, 0.0)
        return total[self.segment_link] - before - finite

    @cached_property
    def backward_total(self) -> NDArray[np.float64]:
        """Seconds to drive each link ``v → u`` (meaningless where closed)."""
        return self._cumulative(self.bwd_s)[1]

    @cached_property
    def length_before(self) -> NDArray[np.float64]:
        """Metres from the link's ``u`` to the start of each segment."""
        return self._cumulative(self.length_m)[0]

    @cached_property
    def link_length_m(self) -> NDArray[np.float64]:
        return self._cumulative(self.length_m)[1]

    # ---------------------------------------------------------------- drawing
    def vertices(self, link: int, *, backwards: bool = False) -> list[tuple[float, float]]:
        """The link's polyline as ``(lon, lat)`` from ``u`` to ``v`` (``backwards``: from ``v`` to ``u``)."""
        a, b = int(self.ptr[link]), int(self.ptr[link + 1])
        pts = list(zip(self.lon[a:b].tolist(), self.lat[a:b].tolist(), strict=True))
        return pts[::-1] if backwards else pts

    def piece(self, link: int, seg_from: int, frac_from: float, seg_to: int, frac_to: float
              ) -> list[tuple[float, float]]:
        """The polyline along one link between two positions (segment, fraction), either way round."""
        def at(seg: int, frac: float) -> tuple[float, float]:
            a = int(self.segment_start_vertex[seg])
            return (float(self.lon[a] + frac * (self.lon[a + 1] - self.lon[a])),
                    float(self.lat[a] + frac * (self.lat[a + 1] - self.lat[a])))

        start, end = at(seg_from, frac_from), at(seg_to, frac_to)
        if (seg_from, frac_from) <= (seg_to, frac_to):
            inner = range(int(self.segment_start_vertex[seg_from]) + 1, int(self.segment_start_vertex[seg_to]) + 1)
        else:
            inner = range(int(self.segment_start_vertex[seg_from]), int(self.segment_start_vertex[seg_to]), -1)
        return [start, *((float(self.lon[i]), float(self.lat[i])) for i in inner), end]

    # ------------------------------------------------------------------ build
    @classmethod
    def from_graph(cls, lon: NDArray[np.float64], lat: NDArray[np.float64], graph: sp.csr_matrix,
                   edge_attrs: Mapping[str, NDArray[Any]] | None = None
                   ) -> tuple[Links, NDArray[np.int64]]:
        """One straight single-segment link per pair of junctions joined by an edge.

        Returns the links and, per CSR entry, its signed link number (``l + 1``
        driven forwards, ``-(l + 1)`` backwards).  Segment attributes come from
        the forward edge where there is one, else the backward one.
        """
        n = len(lon)
        u = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.indptr))
        v = graph.indices.astype(np.int64)
        t = np.asarray(graph.data, dtype=np.float64)
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        key = lo * max(n, 1) + hi
        pairs, link_of_edge = np.unique(key, return_inverse=True)
        n_links = len(pairs)
        link_u, link_v = pairs // max(n, 1), pairs % max(n, 1)
        forward = u == link_u[link_of_edge]
        fwd_s = np.full(n_links, np.inf)
        bwd_s = np.full(n_links, np.inf)
        fwd_s[link_of_edge[forward]] = t[forward]
        bwd_s[link_of_edge[~forward]] = t[~forward]
        # The edge each link takes its attributes from: forwards first.
        source = np.full(n_links, -1, dtype=np.int64)
        source[link_of_edge[~forward]] = np.flatnonzero(~forward)
        source[link_of_edge[forward]] = np.flatnonzero(forward)
        attrs = dict(edge_attrs or {})
        length = attrs.pop("length_m", None)
        length_m = (np.asarray(length, dtype=np.float64)[source] if length is not None
                    else haversine_m(lon[link_u], lat[link_u], lon[link_v], lat[link_v]))
        vertex = np.column_stack([link_u, link_v]).ravel()
        links = cls(link_u, link_v, np.arange(0, 2 * n_links + 1, 2, dtype=np.int64), lon[vertex], lat[vertex],
                    fwd_s, bwd_s, length_m, {k: np.asarray(a)[source] for k, a in attrs.items()})
        signed = np.where(forward, link_of_edge + 1, -(link_of_edge + 1)).astype(np.int64)
        return links, signed

    def edges(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
        """Directed junction edges ``(u, v, seconds, signed link)`` of the open directions."""
        fwd, bwd = np.flatnonzero(self.forward_open), np.flatnonzero(self.backward_open)
        src = np.concatenate([self.u[fwd], self.v[bwd]])
        dst = np.concatenate([self.v[fwd], self.u[bwd]])
        seconds = np.concatenate([self.forward_total[fwd], self.backward_total[bwd]])
        signed = np.concatenate([fwd + 1, -(bwd + 1)]).astype(np.int64)
        return src, dst, seconds, signed

    def renumbered(self, new_index: NDArray[np.int64], keep: NDArray[np.bool_] | None = None) -> Links:
        """The links with junctions renumbered by ``new_index``; with ``keep``, only those links."""
        if keep is None:
            return Links(new_index[self.u], new_index[self.v], self.ptr, self.lon, self.lat, self.fwd_s,
                         self.bwd_s, self.length_m, self.attrs)
        idx = np.flatnonzero(keep)
        counts = np.diff(self.ptr)[idx]
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        vertex = _ranges(self.ptr[idx], counts)
        segment = _ranges(self.first_segment[idx], counts - 1)
        return Links(new_index[self.u[idx]], new_index[self.v[idx]], ptr, self.lon[vertex], self.lat[vertex],
                     self.fwd_s[segment], self.bwd_s[segment], self.length_m[segment],
                     {k: a[segment] for k, a in self.attrs.items()})

    def nbytes(self) -> int:
        arrays = [self.u, self.v, self.ptr, self.lon, self.lat, self.fwd_s, self.bwd_s, self.length_m,
                  *self.attrs.values()]
        return int(sum(a.nbytes for a in arrays))


def _ranges(starts: ArrayLike, counts: ArrayLike) -> NDArray[np.int64]:
    """Concatenated ``range(start, start + count)`` for each pair."""
    starts = np.asarray(starts, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return offsets + np.arange(total, dtype=np.int64)


# ---------------------------------------------------------------- contraction
def contract(links: Links, n_nodes: int) -> tuple[Links, NDArray[np.bool_]]:
    """Merge links through shape points: junctions with two neighbours that only carry the road on.

    A junction is contracted when exactly two links meet there, from two
    different neighbours, and traffic passes straight through it the same way
    it arrives (in from ``a`` and on to ``b`` exactly when in from ``b`` and on
    to ``a`` are equally possible); a junction where a one-way road turns
    two-way stays.  Chains of such junctions become one link whose segments are
    those of the chain.  Where two chains would join the same pair of
    junctions (or a chain would close on itself) one of its shape points stays
    a junction, so that no two links share their ends and none is a loop.

    Returns the merged links (junction numbers unchanged) and the mask of the
    junctions that remain.
    """
    ends = np.concatenate([links.u, links.v])
    degree = np.bincount(ends, minlength=n_nodes)
    other = np.concatenate([links.v, links.u])
    link_of_end = np.concatenate([np.arange(links.n_links), np.arange(links.n_links)])
    order = np.argsort(ends, kind="stable")
    start = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
    incident = link_of_end[order]  # links at junction x: incident[start[x]:start[x + 1]]
    neighbour = other[order]
    fwd, bwd = links.forward_open, links.backward_open

    def passes_through(x: int) -> bool:
        if degree[x] != 2:
            return False
        l1, l2 = int(incident[start[x]]), int(incident[start[x] + 1])
        a, b = int(neighbour[start[x]]), int(neighbour[start[x] + 1])
        if a == b or l1 == l2 or a == x or b == x:
            return False
        # Can traffic go a → x on l1, x → b on l2, b → x on l2, x → a on l1?
        in_a = bool(fwd[l1]) if links.v[l1] == x else bool(bwd[l1])
        out_a = bool(bwd[l1]) if links.v[l1] == x else bool(fwd[l1])
        in_b = bool(fwd[l2]) if links.v[l2] == x else bool(bwd[l2])
        out_b = bool(bwd[l2]) if links.v[l2] == x else bool(fwd[l2])
        return in_a == out_b and in_b == out_a and (in_a or in_b)

    through = np.zeros(n_nodes, dtype=bool)
    for x in np.flatnonzero(degree == 2):
        through[x] = passes_through(int(x))

    while True:
        chains = _chains(links, through, incident, neighbour, start)
        seen: dict[tuple[int, int], int] = {}
        clash = False
        for index, (chain_nodes, _parts) in enumerate(chains):
            first, last = chain_nodes[0], chain_nodes[-1]
            key = (min(first, last), max(first, last))
            if first != last and key not in seen:
                seen[key] = index
                continue
            # A loop, or a second chain between the same junctions: one of the shape points
            # (of this chain, or of the other one when this is a plain link) becomes a junction.
            inner = chain_nodes[1:-1] or chains[seen[key]][0][1:-1]
            through[inner[len(inner) // 2]] = False
            clash = True
        if not clash:
            break

    return _merge(links, chains), ~through


def _chains(links: Links, through: NDArray[np.bool_], incident: NDArray[np.int64], neighbour: NDArray[np.int64],
            start: NDArray[np.int64]) -> list[tuple[list[int], list[tuple[int, bool]]]]:
    """Every maximal chain of links between kept junctions: its junctions and its ``(link, reversed)`` parts."""
    used = np.zeros(links.n_links, dtype=bool)
    out: list[tuple[list[int], list[tuple[int, bool]]]] = []
    kept = np.flatnonzero(~through)

    def walk(x: int, k: int) -> None:
        nodes, parts = [x], []
        link, node = int(incident[k]), int(neighbour[k])
        while True:
            used[link] = True
            parts.append((link, int(links.u[link]) != nodes[-1]))
            nodes.append(node)
            if not through[node]:
                break
            a, b = int(start[node]), int(start[node] + 1)
            k2 = b if int(incident[a]) == link else a
            link, node = int(incident[k2]), int(neighbour[k2])
            if used[link]:  # a ring of shape points only: closed on itself
                break
        out.append((nodes, parts))

    for x in kept:
        for k in range(int(start[x]), int(start[x + 1])):
            if not used[incident[k]]:
                walk(int(x), k)
    # Rings with no kept junction at all: keep one point of each.
    for x in np.flatnonzero(through):
        k = int(start[x])
        if not used[incident[k]]:
            through[x] = False
            for k2 in range(k, int(start[x + 1])):
                if not used[incident[k2]]:
                    walk(int(x), k2)
    return out


def _merge(links: Links, chains: list[tuple[list[int], list[tuple[int, bool]]]]) -> Links:
    """One link per chain, its segments in driving order from the chain's first junction."""
    us, vs, counts = [], [], []
    vertex_parts: list[NDArray[np.int64]] = []
    segment_parts: list[NDArray[np.int64]] = []
    flipped_parts: list[NDArray[np.bool_]] = []
    for nodes, parts in chains:
        us.append(nodes[0])
        vs.append(nodes[-1])
        verts: list[NDArray[np.int64]] = []
        for i, (link, rev) in enumerate(parts):
            a, b = int(links.ptr[link]), int(links.ptr[link + 1])
            vv = np.arange(a, b, dtype=np.int64)
            ss = np.arange(int(links.first_segment[link]), int(links.first_segment[link + 1]), dtype=np.int64)
            if rev:
                vv, ss = vv[::-1], ss[::-1]
            verts.append(vv if i == 0 else vv[1:])
            segment_parts.append(ss)
            flipped_parts.append(np.full(len(ss), rev))
        joined = np.concatenate(verts)
        vertex_parts.append(joined)
        counts.append(len(joined))
    vertex = np.concatenate(vertex_parts) if vertex_parts else np.zeros(0, dtype=np.int64)
    segment = np.concatenate(segment_parts) if segment_parts else np.zeros(0, dtype=np.int64)
    flipped = np.concatenate(flipped_parts) if flipped_parts else np.zeros(0, dtype=bool)
    fwd = np.where(flipped, links.bwd_s[segment], links.fwd_s[segment])
    bwd = np.where(flipped, links.fwd_s[segment], links.bwd_s[segment])
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Links(np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64), ptr, links.lon[vertex],
                 links.lat[vertex], fwd, bwd, links.length_m[segment], {k: a[segment] for k, a in links.attrs.items()})
