"""Where a generated place may stand on a road network: the area the roads serve, and spots on its roads.

The demo district is fitted to the road extract it ships with (not the other
way round): :func:`served_area` is the part of a box that the roads actually
reach — the roads widened, the gaps between them closed, the holes filled —
and :class:`RoadSpots` puts stations, warehouses, facilities and risk points
on a road segment inside a polygon, so every one of them snaps to the roads
within a few metres and no travel time of the demo is a straight-line
estimate.  Used by the demo steps of jurisdictions, resources, coverage,
supplies and hazards.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import shapely
from scipy import ndimage
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from .network import Network

#: Metres a spot may stand off its road (a building's front, not the carriageway).
BESIDE_M = (5.0, 20.0)


def _segments_xy(network: Network) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of every road segment in the network's local metres, (S, 2) each."""
    links, _signed = network.road_links
    start = links.segment_start_vertex
    xy = network.projection.forward(links.lon, links.lat)
    return xy[start], xy[start + 1]


def served_area(network: Network, within: tuple[float, float, float, float] | None = None, *,
                reach_m: float = 120.0, close_m: float = 300.0, cell_m: float = 40.0) -> Polygon:
    """The largest connected area within `reach_m` of a road, gaps narrower than 2·`close_m` closed, holes filled.

    Worked out on a raster of `cell_m` cells (buffering tens of thousands of
    segments as shapes takes gigabytes): a cell is served when a road passes
    within `reach_m` of its centre; a morphological closing joins blocks split
    by a park or a river narrower than 2·`close_m`. Clipped to the box `within`
    (lon/lat) when given.
    """
    a, b = _segments_xy(network)
    pieces = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / (cell_m / 2))).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), pieces)
    rank = np.arange(len(seg)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    samples = a[seg] + ((rank + 0.5) / pieces[seg])[:, None] * (b - a)[seg]
    if within is not None:
        lo = network.projection.forward([within[0], within[2]], [within[1], within[3]])
    else:
        lo = np.array([samples.min(axis=0), samples.max(axis=0)])
    x0, y0 = lo[0] - cell_m
    nx, ny = (int(v) for v in np.ceil((lo[1] - lo[0]) / cell_m) + 2)
    cx, cy = np.meshgrid(x0 + (np.arange(nx) + 0.5) * cell_m, y0 + (np.arange(ny) + 0.5) * cell_m)
    distance, _i = cKDTree(samples).query(np.column_stack([cx.ravel(), cy.ravel()]),
                                          distance_upper_bound=reach_m + cell_m)
    served = (distance <= reach_m).reshape(ny, nx)
    disk = _disk(int(round(close_m / cell_m)))
    served = ndimage.binary_erosion(ndimage.binary_dilation(served, disk), disk, border_value=1) | served
    served = ndimage.binary_fill_holes(served)
    if within is not None:
        served[[0, -1], :] = False
        served[:, [0, -1]] = False
    labels, count = ndimage.label(served)
    if count == 0:
        raise ValueError("no road inside the area")
    largest = 1 + int(np.argmax(ndimage.sum(served, labels, range(1, count + 1))))
    keep = labels == largest
    runs = []
    for row in range(ny):  # one box per run of served cells in a row
        line = np.concatenate([[False], keep[row], [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(line))
        for s, e in zip(edges[::2], edges[1::2], strict=True):
            runs.append(box(x0 + s * cell_m, y0 + row * cell_m, x0 + e * cell_m, y0 + (row + 1) * cell_m))
    outline = shapely.union_all(runs)
    if hasattr(outline, "geoms"):
        outline = max(outline.geoms, key=lambda g: g.area)
    ring = np.asarray(Polygon(outline.exterior).simplify(cell_m).exterior.coords)
    return Polygon(network.projection.inverse(ring))


def _disk(radius: int) -> np.ndarray:
    y, x = np.ogrid[-radius:radius + 1, -radius:radius + 1]
    return np.asarray(x * x + y * y <= radius * radius)


def road_lines(network: Network, tolerance_m: float = 4.0) -> list[list[list[float]]]:
    """Every road link of the network as a line of [lon, lat] (5 decimals, about a metre), its shape
    simplified to `tolerance_m` — what a map draws as the streets."""
    links, _signed = network.road_links
    xy = network.projection.forward(links.lon, links.lat)
    lines = []
    for link in range(links.n_links):
        start, end = int(links.ptr[link]), int(links.ptr[link + 1])
        shape_xy = xy[start:end]
        if end - start > 2:
            simplified = LineString(shape_xy).simplify(tolerance_m, preserve_topology=False)
            shape_xy = np.asarray(simplified.coords)
        lonlat = network.projection.inverse(shape_xy)
        lines.append([[round(float(x), 5), round(float(y), 5)] for x, y in lonlat])
    return lines


ROAD_SUFFIXES = ("大道", "路", "街", "道", "巷")


def road_stem(name: str) -> str:
    """A road's name without its kind (深南大道 → 深南, 燕南路 → 燕南), so 燕南街 finds 燕南路."""
    for suffix in ROAD_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def named_roads(network: Network) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], tuple[float, float]]]:
    """Where each named road runs — the [lon, lat] middles of its segments — and where two named roads
    cross (a junction both reach), keyed by the two names in order. From the OpenStreetMap names kept at
    import (``meta["road_names"]``, the links' ``name_id``); empty for a network without names."""
    names = list(network.meta.get("road_names") or [])
    links, _signed = network.road_links
    if not names or "name_id" not in links.attrs:
        return {}, {}
    name_id = np.asarray(links.attrs["name_id"])
    start = links.segment_start_vertex
    mid_lon = (links.lon[start] + links.lon[start + 1]) / 2
    mid_lat = (links.lat[start] + links.lat[start + 1]) / 2
    roads = {names[i]: np.column_stack([mid_lon[name_id == i], mid_lat[name_id == i]])
             for i in np.unique(name_id[name_id >= 0])}
    first = links.first_segment[:-1]
    link_name = name_id[first] if links.n_links else np.zeros(0, dtype=np.int64)
    at: dict[int, set[int]] = {}
    for end in (links.u, links.v):
        for node, nid in zip(end.tolist(), link_name.tolist(), strict=True):
            if nid >= 0:
                at.setdefault(node, set()).add(nid)
    crossings: dict[tuple[str, str], tuple[float, float]] = {}
    for node, ids in at.items():
        if len(ids) > 1:
            for a in ids:
                for b in ids:
                    if a < b:
                        crossings.setdefault((names[a], names[b]), (float(network.lon[node]), float(network.lat[node])))
    return roads, crossings


class RoadSpots:
    """Spots on the roads of a network inside a polygon, drawn without replacement."""

    def __init__(self, network: Network | None) -> None:
        self.network = network
        if network is not None:
            a, b = _segments_xy(network)
            mid = network.projection.inverse((a + b) / 2)
            self.a, self.b, self.mid_lon, self.mid_lat = a, b, mid[:, 0], mid[:, 1]
            self.length = np.hypot(*(b - a).T)
        self.used: set[int] = set()

    def inside(self, area: dict[str, Any] | BaseGeometry, n: int, rng: random.Random,
               beside_m: tuple[float, float] = BESIDE_M, roads_only: bool = False) -> list[tuple[float, float]]:
        """`n` spots on distinct road segments whose middle lies in `area` (a GeoJSON geometry or a shape),
        each `beside_m` metres to one side of its road.

        Longer segments are likelier (a spot per metre of road). When the area
        holds fewer segments than asked (or no network is known), the rest are
        drawn inside the area as it is (none with `roads_only`).
        """
        polygon = shape(area) if isinstance(area, dict) else area
        points: list[tuple[float, float]] = []
        if self.network is not None and n > 0:
            minx, miny, maxx, maxy = polygon.bounds
            near = np.flatnonzero((self.mid_lon >= minx) & (self.mid_lon <= maxx)
                                  & (self.mid_lat >= miny) & (self.mid_lat <= maxy) & (self.length > 1.0))
            near = near[shapely.contains_xy(polygon, self.mid_lon[near], self.mid_lat[near])]
            fresh = [int(s) for s in near if int(s) not in self.used] or [int(s) for s in near]
            weights = [float(self.length[s]) for s in fresh]
            while fresh and len(points) < n:
                s = rng.choices(range(len(fresh)), weights)[0]
                segment = fresh.pop(s)
                weights.pop(s)
                self.used.add(segment)
                points.append(self._beside(segment, rng, beside_m))
        tries = 0 if not roads_only else 10_000
        while len(points) < n and tries < 10_000:
            tries += 1
            minx, miny, maxx, maxy = polygon.bounds
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if polygon.contains(shapely.Point(x, y)):
                points.append((round(x, 6), round(y, 6)))
        return points

    def near(self, lon: float, lat: float, area: dict[str, Any] | BaseGeometry, rng: random.Random,
             radii_m: tuple[float, ...] = (150.0, 400.0, 1000.0)) -> tuple[float, float]:
        """A spot on a road of `area` as near (lon, lat) as the radii allow (the nearest that has a road)."""
        polygon = shape(area) if isinstance(area, dict) else area
        for radius in radii_m:
            disc = shapely.Point(lon, lat).buffer(radius / (111_320.0 * math.cos(math.radians(lat))))
            found = self.inside(disc.intersection(polygon), 1, rng, roads_only=True)
            if found:
                return found[0]
        return self.inside(polygon, 1, rng)[0]

    def _beside(self, segment: int, rng: random.Random, beside_m: tuple[float, float]) -> tuple[float, float]:
        assert self.network is not None
        a, d = self.a[segment], self.b[segment] - self.a[segment]
        along = a + rng.uniform(0.2, 0.8) * d
        norm = math.hypot(float(d[0]), float(d[1])) or 1.0
        off = rng.uniform(*beside_m) * rng.choice((-1, 1))
        xy = along + off * np.array([-d[1], d[0]]) / norm
        [(lon, lat)] = self.network.projection.inverse(xy)
        return (round(float(lon), 6), round(float(lat), 6))
