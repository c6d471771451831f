"""An independent reference for the engine's answers: points spliced into a networkx graph.

Every road segment becomes a networkx edge between its two vertices; every
query point is projected onto its nearest segment by brute force over all
segments and spliced into that segment (two points on one segment in their
order along it), with its gap to the road as a two-way edge at the access
speed.  Travel times are then plain Dijkstra between the point nodes, which
is exactly what the snapping rule says, computed without any of the engine's
machinery (k-d tree, contraction, virtual nodes, bounded searches, same-link
shortcuts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from yingji.routing.network import Network


@dataclass
class Spliced:
    graph: nx.DiGraph
    segment: NDArray[np.int64]
    fraction: NDArray[np.float64]
    distance_m: NDArray[np.float64]
    on_network: NDArray[np.bool_]

    def seconds(self, i: int, j: int) -> float:
        """Driving seconds from point ``i`` to point ``j`` (inf when unreachable)."""
        try:
            return float(nx.dijkstra_path_length(self.graph, ("p", i), ("p", j)))
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return float("inf")

    def from_point(self, i: int) -> dict[object, float]:
        return dict(nx.single_source_dijkstra_path_length(self.graph, ("p", i)))


def nearest_segments(net: Network, lonlat: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                                                           NDArray[np.float64]]:
    """Brute force: the projection of every point on every segment, the nearest kept (lowest index on ties)."""
    links = net.road_links[0]
    start = links.segment_start_vertex
    xy = net.projection.forward(links.lon, links.lat)
    a, b = xy[start], xy[start + 1]
    p = net.projection.forward(lonlat[:, 0], lonlat[:, 1])
    d = b - a
    len2 = (d * d).sum(axis=1)
    rel = p[:, None, :] - a[None, :, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(len2 > 0, (rel * d).sum(axis=2) / len2, 0.0)
    f = np.clip(f, 0.0, 1.0)
    gap = rel - f[..., None] * d
    dist = np.sqrt((gap * gap).sum(axis=2))
    best = np.argmin(dist, axis=1)
    rows = np.arange(len(p))
    return best, f[rows, best], dist[rows, best]


def splice(net: Network, lonlat: Sequence[Sequence[float]] | NDArray[np.float64], *, access_kmh: float,
           max_snap_m: float) -> Spliced:
    links = net.road_links[0]
    pts = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    seg, frac, dist = nearest_segments(net, pts)
    on = dist <= max_snap_m
    g = nx.DiGraph()
    start = links.segment_start_vertex
    link_of = links.segment_link
    # Vertex nodes: a vertex at either end of a link is its junction.
    def vertex_node(vi: int, s: int) -> object:
        link = int(link_of[s])
        if vi == int(links.ptr[link]):
            return ("j", int(links.u[link]))
        if vi == int(links.ptr[link + 1]) - 1:
            return ("j", int(links.v[link]))
        return ("v", vi)

    on_segment: dict[int, list[int]] = {}
    for i in np.flatnonzero(on):
        on_segment.setdefault(int(seg[i]), []).append(int(i))
    for s in range(links.n_segments):
        a, b = vertex_node(int(start[s]), s), vertex_node(int(start[s]) + 1, s)
        chain: list[tuple[object, float]] = [(a, 0.0)]
        for i in sorted(on_segment.get(s, []), key=lambda i: (frac[i], i)):
            chain.append((("s", i), float(frac[i])))
        chain.append((b, 1.0))
        fwd, bwd = float(links.fwd_s[s]), float(links.bwd_s[s])
        for (x, fx), (y, fy) in zip(chain[:-1], chain[1:], strict=True):
            if fy == fx:  # the same place: no time either way, whatever the road's direction
                _add(g, x, y, 0.0)
                _add(g, y, x, 0.0)
                continue
            _add(g, x, y, (fy - fx) * fwd)
            _add(g, y, x, (fy - fx) * bwd)
    speed = access_kmh / 3.6
    for i in np.flatnonzero(on):
        _add(g, ("p", int(i)), ("s", int(i)), float(dist[i]) / speed)
        _add(g, ("s", int(i)), ("p", int(i)), float(dist[i]) / speed)
    for i in np.flatnonzero(~on):
        g.add_node(("p", int(i)))
    return Spliced(g, seg, frac, dist, on)


def _add(g: nx.DiGraph, x: object, y: object, seconds: float) -> None:
    if not np.isfinite(seconds) or x == y:
        return
    if g.has_edge(x, y) and g[x][y]["weight"] <= seconds:
        return
    g.add_edge(x, y, weight=seconds)
