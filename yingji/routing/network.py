"""The road network: a directed graph of travel times between road junctions.

A :class:`Network` is what every travel-time question in Yingji runs on: the
dispatch console ranking teams for an incident, the supplies "one map" ranking
warehouses, the coverage maps and the station siting.  It is deliberately plain:
node coordinates in two float64 arrays and a SciPy CSR matrix whose entry
``(u, v)`` is the time in seconds to drive the road from junction ``u`` to
junction ``v``.  One-way streets are simply entries without their mirror.  An
imported network also keeps the shape of its roads (:class:`~.links.Links`):
the graph's junctions are the real crossings and the shape points between
them only draw the road, which is what points snap onto.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import connected_components

from .geo import LocalProjection
from .links import Links, contract

#: Smallest edge time kept, in seconds.  SciPy's csgraph drops explicit zeros in
#: some conversions, so a zero-length segment (two OSM nodes on the same spot)
#: would silently disappear; a millisecond keeps it without changing any answer.
MIN_EDGE_SECONDS = 1e-3

_FORMAT_VERSION = 2
#: Files of format 1 (junction graph only, no road shapes) still load.
_READABLE_FORMATS = (1, 2)


@dataclass(eq=False)
class Network:
    """A directed road network with travel times in seconds.

    Attributes:
        lon, lat: WGS-84 coordinates of the junctions (float64, length ``n``).
        graph: ``n × n`` CSR matrix; ``graph[u, v]`` is the seconds to drive u→v.
        edge_attrs: optional per-edge arrays aligned with ``graph.data`` (CSR
            order), e.g. ``length_m`` or ``highway`` class codes.
        node_ids: optional external ids of the junctions (OSM node ids).
        meta: free JSON-serialisable description (source, profile, licence).
        links: the roads' shapes, when they are more than straight lines
            between junctions; then ``edge_attrs["link"]`` names each edge's
            link (``l + 1`` driven forwards, ``-(l + 1)`` backwards).
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    graph: sp.csr_matrix
    edge_attrs: dict[str, NDArray[Any]] = field(default_factory=dict)
    node_ids: NDArray[np.int64] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    links: Links | None = None

    def __post_init__(self) -> None:
        self.lon = np.ascontiguousarray(self.lon, dtype=np.float64)
        self.lat = np.ascontiguousarray(self.lat, dtype=np.float64)
        n = len(self.lon)
        if len(self.lat) != n or self.graph.shape != (n, n):
            raise ValueError("lon, lat and graph sizes disagree")
        # csgraph wants float64 data and int32 indices; converting once here keeps
        # every query free of hidden copies.
        g = sp.csr_matrix(self.graph, dtype=np.float64)
        g.indices = g.indices.astype(np.int32, copy=False)
        g.indptr = g.indptr.astype(np.int32, copy=False)
        self.graph = g
        for name, arr in self.edge_attrs.items():
            if len(arr) != g.nnz:
                raise ValueError(f"edge attribute {name!r} has {len(arr)} values for {g.nnz} edges")
        if self.links is not None and "link" not in self.edge_attrs:
            raise ValueError("a network with road shapes needs the edge attribute 'link'")

    # ------------------------------------------------------------------ build
    @classmethod
    def from_edges(
        cls,
        lon: ArrayLike,
        lat: ArrayLike,
        u: ArrayLike,
        v: ArrayLike,
        seconds: ArrayLike,
        *,
        edge_attrs: Mapping[str, ArrayLike] | None = None,
        node_ids: ArrayLike | None = None,
        meta: Mapping[str, Any] | None = None,
        largest_component: bool = False,
    ) -> Network:
        """Build a network from directed edge lists ``u → v`` taking ``seconds``.

        Parallel edges keep the fastest one (a driver takes the quicker of two
        roads between the same junctions); self-loops are dropped.  With
        ``largest_component`` only the largest strongly connected component is
        kept, so that every junction can both reach and be reached from every
        other one — dead ends of a clipped extract would otherwise yield
        "unreachable" answers for incidents next to a main road.
        """
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        t = np.maximum(np.asarray(seconds, dtype=np.float64), MIN_EDGE_SECONDS)
        if not (len(u) == len(v) == len(t)):
            raise ValueError("u, v and seconds must have the same length")
        if np.any(~np.isfinite(t)):
            raise ValueError("edge times must be finite")
        attrs = {k: np.asarray(a) for k, a in (edge_attrs or {}).items()}
        keep = u != v
        # Sort by (u, v, time) and keep the first of each (u, v): the fastest edge.
        order = np.lexsort((t, v, u))
        order = order[keep[order]]
        u, v, t = u[order], v[order], t[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        u, v, t = u[first], v[first], t[first]
        attrs = {k: a[order][first] for k, a in attrs.items()}
        n = len(lon)
        # The edges are sorted by (u, v) and unique, so the CSR arrays can be
        # written directly and stay aligned with the attribute arrays.
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
        graph = sp.csr_matrix((t, v.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))
        net = cls(
            lon,
            lat,
            graph,
            edge_attrs=attrs,
            node_ids=None if node_ids is None else np.asarray(node_ids, dtype=np.int64),
            meta=dict(meta or {}),
        )
        return net.largest_component() if largest_component else net

    @classmethod
    def from_links(cls, lon: ArrayLike, lat: ArrayLike, links: Links, *, node_ids: ArrayLike | None = None,
                   meta: Mapping[str, Any] | None = None) -> Network:
        """Build the junction graph of road links: one edge per open direction of each link."""
        u, v, seconds, signed = links.edges()
        net = cls.from_edges(lon, lat, u, v, seconds, edge_attrs={"link": signed}, node_ids=node_ids, meta=meta)
        net.links = links
        return net

    def contracted(self) -> Network:
        """The same roads with shape points taken out of the graph (see :func:`.links.contract`).

        Every travel time between junctions that remain, and between any two
        points snapped onto the roads, is unchanged; the graph the searches
        walk is several times smaller.  ``meta["contracted"]`` records the
        junction counts before and after.
        """
        if self.n_nodes == 0:
            return self
        links, _signed = self.road_links
        merged, keep = contract(links, self.n_nodes)
        new_index = np.full(self.n_nodes, -1, dtype=np.int64)
        new_index[keep] = np.arange(int(keep.sum()))
        before = self.meta.get("contracted", {}).get("junctions_before", self.n_nodes)
        meta = {**self.meta, "contracted": {"junctions_before": int(before), "junctions_after": int(keep.sum())}}
        return Network.from_links(self.lon[keep], self.lat[keep], merged.renumbered(new_index),
                                  node_ids=None if self.node_ids is None else self.node_ids[keep], meta=meta)

    # ------------------------------------------------------------- properties
    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_edges(self) -> int:
        return int(self.graph.nnz)

    @cached_property
    def road_links(self) -> tuple[Links, NDArray[np.int64]]:
        """The road links and, per CSR entry, its signed link number (see :class:`Network`).

        Without recorded shapes every edge is a straight road between its junctions.
        """
        if self.links is not None:
            return self.links, np.asarray(self.edge_attrs["link"], dtype=np.int64)
        return Links.from_graph(self.lon, self.lat, self.graph, self.edge_attrs)

    def nbytes(self) -> int:
        """Memory held by the graph, its edge attributes and the road shapes (not caches)."""
        g = self.graph
        total = g.data.nbytes + g.indices.nbytes + g.indptr.nbytes + self.lon.nbytes + self.lat.nbytes
        total += sum(a.nbytes for a in self.edge_attrs.values())
        total += 0 if self.node_ids is None else self.node_ids.nbytes
        return int(total + (self.links.nbytes() if self.links is not None else 0))

    @cached_property
    def reverse_graph(self) -> sp.csr_matrix:
        """The transposed graph: searching it answers "who reaches this node"."""
        g = self.graph.T.tocsr()
        g.indices = g.indices.astype(np.int32, copy=False)
        g.indptr = g.indptr.astype(np.int32, copy=False)
        return g

    @cached_property
    def projection(self) -> LocalProjection:
        """Local metric projection centred on the network's bounding box (road shapes included)."""
        min_lon, min_lat, max_lon, max_lat = self.bbox
        return LocalProjection((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)

    @cached_property
    def xy(self) -> NDArray[np.float64]:
        """Node coordinates in local metres, (n, 2)."""
        return self.projection.forward(self.lon, self.lat)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)`` of the junctions and the roads' shape points."""
        lon, lat = self.lon, self.lat
        if self.links is not None and self.links.n_links:
            lon, lat = np.concatenate([lon, self.links.lon]), np.concatenate([lat, self.links.lat])
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())

    def edges(self) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]:
        """Return ``(u, v, seconds)`` arrays in CSR order."""
        g = self.graph
        u = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(g.indptr))
        return u, g.indices, g.data

    # ------------------------------------------------------------ components
    def subgraph(self, keep: NDArray[np.bool_]) -> Network:
        """The network induced by the nodes where ``keep`` is true (renumbered)."""
        keep = np.asarray(keep, dtype=bool)
        new_index = np.full(self.n_nodes, -1, dtype=np.int64)
        new_index[keep] = np.arange(int(keep.sum()))
        if self.links is not None:
            inside = keep[self.links.u] & keep[self.links.v]
            return Network.from_links(self.lon[keep], self.lat[keep], self.links.renumbered(new_index, inside),
                                      node_ids=None if self.node_ids is None else self.node_ids[keep],
                                      meta=self.meta)
        u, v, t = self.edges()
        ek = keep[u] & keep[v]
        return Network.from_edges(
            self.lon[keep],
            self.lat[keep],
            new_index[u[ek]],
            new_index[v[ek]],
            t[ek],
            edge_attrs={k: a[ek] for k, a in self.edge_attrs.items()},
            node_ids=None if self.node_ids is None else self.node_ids[keep],
            meta=self.meta,
        )

    def permuted(self, order: NDArray[np.int64]) -> Network:
        """The same network with junction ``order[k]`` renumbered ``k``."""
        order = np.asarray(order, dtype=np.int64)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(len(order))
        if self.links is not None:
            return Network.from_links(self.lon[order], self.lat[order], self.links.renumbered(inverse),
                                      node_ids=None if self.node_ids is None else self.node_ids[order],
                                      meta=self.meta)
        u, v, t = self.edges()
        return Network.from_edges(
            self.lon[order],
            self.lat[order],
            inverse[u],
            inverse[v],
            t,
            edge_attrs=self.edge_attrs,
            node_ids=None if self.node_ids is None else self.node_ids[order],
            meta=self.meta,
        )

    def spatially_sorted(self) -> Network:
        """Renumber junctions along a Z-order (Morton) curve of their position.

        Junctions close on the map then sit close in memory, so a bounded
        search touches fewer cache lines: about 10 % faster searches on a
        city-size network.  Importers and the synthetic city apply it.
        """
        if self.n_nodes < 2:
            return self
        xy = self.xy - self.xy.min(axis=0)
        cell = max(float(xy.max()) / 65535.0, 1e-9)
        q = (xy / cell).astype(np.uint64)
        z = np.zeros(self.n_nodes, dtype=np.uint64)
        for bit in range(16):
            b = np.uint64(bit)
            z |= ((q[:, 0] >> b) & np.uint64(1)) << (np.uint64(2) * b)
            z |= ((q[:, 1] >> b) & np.uint64(1)) << (np.uint64(2) * b + np.uint64(1))
        return self.permuted(np.argsort(z, kind="stable"))

    def largest_component(self) -> Network:
        """Keep only the largest strongly connected component."""
        if self.n_nodes == 0:
            return self
        n_comp, labels = connected_components(self.graph, directed=True, connection="strong")
        if n_comp == 1:
            return self
        biggest = np.argmax(np.bincount(labels))
        return self.subgraph(labels == biggest)

    # ---------------------------------------------------------------- storage
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network to a compressed ``.npz`` file (no pickles)."""
        arrays: dict[str, NDArray[Any]] = {
            "lon": self.lon,
            "lat": self.lat,
            "indptr": self.graph.indptr,
            "indices": self.graph.indices,
            "seconds": self.graph.data,
            "meta": np.frombuffer(
                json.dumps({"format": _FORMAT_VERSION, **self.meta}, ensure_ascii=False).encode(),
                dtype=np.uint8,
            ),
        }
        if self.node_ids is not None:
            arrays["node_ids"] = self.node_ids
        for name, arr in self.edge_attrs.items():
            arrays[f"edge__{name}"] = arr
        if self.links is not None:
            lk = self.links
            arrays.update({"links__u": lk.u, "links__v": lk.v, "links__ptr": lk.ptr, "links__lon": lk.lon,
                           "links__lat": lk.lat, "links__fwd_s": lk.fwd_s, "links__bwd_s": lk.bwd_s,
                           "links__length_m": lk.length_m})
            for name, arr in lk.attrs.items():
                arrays[f"segment__{name}"] = arr
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Read a network written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.pop("format", None) not in _READABLE_FORMATS:
                raise ValueError(f"{path}: not a Yingji network file of format {_FORMAT_VERSION}")
            n = len(z["lon"])
            graph = sp.csr_matrix((z["seconds"], z["indices"], z["indptr"]), shape=(n, n))
            links = None
            if "links__u" in z.files:
                links = Links(*(z[f"links__{k}"] for k in ("u", "v", "ptr", "lon", "lat", "fwd_s", "bwd_s",
                                                            "length_m")),
                              attrs={k[9:]: z[k] for k in z.files if k.startswith("segment__")})
            return cls(
                z["lon"],
                z["lat"],
                graph,
                edge_attrs={k[6:]: z[k] for k in z.files if k.startswith("edge__")},
                node_ids=z["node_ids"] if "node_ids" in z.files else None,
                meta=meta,
                links=links,
            )

    def __repr__(self) -> str:
        return f"<Network {self.n_nodes} nodes, {self.n_edges} edges {self.meta.get('name', '')}>"
