"""Import a drivable road network from an OpenStreetMap ``.osm.pbf`` extract.

The reading itself is done by pyrosm; this module turns its edge table into a
:class:`~yingji.routing.network.Network`: it decides the direction(s) of every
segment from the ``oneway`` rules of OSM, gives it a travel time from its road
class and ``maxspeed`` under a :class:`~yingji.routing.speeds.SpeedProfile`,
keeps only the largest strongly connected component and contracts the shape
points (nodes that only draw a road's curve) out of the junction graph,
keeping them as the roads' shapes (:func:`.links.contract`).
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .links import Links
from .network import MIN_EDGE_SECONDS, Network
from .pbf import PbfError, check_pbf
from .speeds import DEFAULT, HIGHWAY_CLASSES, HIGHWAY_CODE, SpeedProfile, parse_maxspeed

OSM_ATTRIBUTION = "Data © OpenStreetMap contributors, ODbL 1.0"

_FORWARD = {"yes", "1", "true"}
_REVERSE = {"-1", "reverse"}
_TWO_WAY = {"no", "0", "false", "reversible", "alternating"}
_IMPLIED_ONEWAY_HIGHWAY = {"motorway"}
_IMPLIED_ONEWAY_JUNCTION = {"roundabout", "circular"}


class NoRoadsError(ValueError):
    """The extract holds no drivable road (or none connected to another)."""


def oneway_direction(oneway: object, highway: str, junction: object = None) -> int:
    """Return +1 (one-way along the way), -1 (one-way against it) or 0 (both ways).

    Follows the OSM wiki "Key:oneway": explicit tags win; without a tag,
    ``highway=motorway`` and ``junction=roundabout``/``circular`` are one-way.
    """
    tag = str(oneway).strip().lower() if isinstance(oneway, str) else None
    if tag in _FORWARD:
        return 1
    if tag in _REVERSE:
        return -1
    if tag in _TWO_WAY:
        return 0
    if highway in _IMPLIED_ONEWAY_HIGHWAY:
        return 1
    if isinstance(junction, str) and junction.strip().lower() in _IMPLIED_ONEWAY_JUNCTION:
        return 1
    return 0


def _column(edges: Any, name: str) -> list[object]:
    """A tag column of pyrosm's edge table, falling back to its JSON ``tags``.

    pyrosm only makes a column for tags that occur in the file's default set; a
    small extract without any roundabout has no ``junction`` column at all.
    """
    if name in edges.columns:
        return list(edges[name])
    out: list[object] = []
    for raw in edges["tags"] if "tags" in edges.columns else [None] * len(edges):
        tags = json.loads(raw) if isinstance(raw, str) and raw else {}
        out.append(tags.get(name) if isinstance(tags, dict) else None)
    return out


def read_osm(
    path: str | os.PathLike[str],
    profile: SpeedProfile = DEFAULT,
    *,
    bounding_box: list[float] | None = None,
    largest_component: bool = True,
    contract: bool = True,
    name: str | None = None,
) -> Network:
    """Read the drivable roads of an ``.osm.pbf`` file into a :class:`Network`.

    Args:
        path: the extract.
        profile: speeds used to turn lengths into seconds.
        bounding_box: optional ``[min_lon, min_lat, max_lon, max_lat]`` clip.
        largest_component: keep only the largest strongly connected component.
        contract: take the shape points out of the junction graph (same times, smaller graph).
        name: stored in ``meta['name']``; defaults to the file name.
    """
    import pyrosm  # imported lazily: it pulls in geopandas, slow to import

    check_pbf(path)  # a truncated or damaged file is refused with a message saying where
    try:
        osm = pyrosm.OSM(os.fspath(path), bounding_box=bounding_box)
        result = osm.get_network(network_type="driving", nodes=True)
    except Exception as exc:  # pyrosm's own errors name neither the file nor the problem
        raise PbfError(f"{path}: the file could not be read as OpenStreetMap data ({type(exc).__name__})") from exc
    nodes, edges = result if isinstance(result, tuple) else (None, None)
    if nodes is None or edges is None or len(edges) == 0:
        raise NoRoadsError(f"{path}: no drivable roads in the file" + (" inside the box" if bounding_box else ""))
    node_ids = np.asarray(nodes["id"], dtype=np.int64)
    order = np.argsort(node_ids)
    node_ids = node_ids[order]
    lon = np.asarray(nodes["lon"], dtype=np.float64)[order]
    lat = np.asarray(nodes["lat"], dtype=np.float64)[order]

    def index_of(ids: NDArray[np.int64]) -> NDArray[np.int64]:
        pos = np.searchsorted(node_ids, ids)
        pos = np.clip(pos, 0, len(node_ids) - 1)
        if np.any(node_ids[pos] != ids):
            raise ValueError(f"{path}: edges refer to nodes missing from the node table")
        return pos

    u = index_of(np.asarray(edges["u"], dtype=np.int64))
    v = index_of(np.asarray(edges["v"], dtype=np.int64))
    # Use the column, not GeoDataFrame.length (that is the planar degree length).
    length_m = np.asarray(edges["length"], dtype=np.float64)
    highway_tags = [str(h) for h in edges["highway"]]
    highway = np.array([HIGHWAY_CODE.get(h, HIGHWAY_CODE["other"]) for h in highway_tags], dtype=np.uint8)
    cache: dict[object, float] = {}
    maxspeed = np.array(
        [
            cache.setdefault(m, np.nan if (p := parse_maxspeed(m)) is None else p)
            if isinstance(m, str | int | float)
            else np.nan
            for m in _column(edges, "maxspeed")
        ],
        dtype=np.float32,
    )
    direction = np.array(
        [
            oneway_direction(o, h, j)
            for o, h, j in zip(
                _column(edges, "oneway"), highway_tags, _column(edges, "junction"), strict=True
            )
        ],
        dtype=np.int8,
    )
    way_id = np.asarray(edges["id"], dtype=np.int64)
    # Road names (for the gazetteer and the map's labels): an index into meta["road_names"], -1 for none.
    raw_names = [n.strip() if isinstance(n, str) else "" for n in _column(edges, "name")]
    road_names = sorted({n for n in raw_names if n})
    name_index = {n: i for i, n in enumerate(road_names)}
    name_id = np.array([name_index.get(n, -1) for n in raw_names], dtype=np.int32)

    # Forward copies for +1 and two-way segments, reversed copies for -1 and two-way.
    fwd = direction >= 0
    rev = direction <= 0
    src = np.concatenate([u[fwd], v[rev]])
    dst = np.concatenate([v[fwd], u[rev]])
    pick = np.concatenate([np.flatnonzero(fwd), np.flatnonzero(rev)])
    attrs = {
        "length_m": length_m[pick].astype(np.float32),
        "highway": highway[pick],
        "maxspeed_kmh": maxspeed[pick],
        "way_id": way_id[pick],
        "name_id": name_id[pick],
    }
    seconds = profile.seconds(length_m[pick], highway[pick], maxspeed[pick])
    network = Network.from_edges(
        lon,
        lat,
        src,
        dst,
        seconds,
        edge_attrs=attrs,
        node_ids=node_ids,
        meta={
            "name": name or os.path.basename(os.fspath(path)),
            "source": "openstreetmap",
            "profile": profile.name,
            "attribution": OSM_ATTRIBUTION,
            "highway_classes": list(HIGHWAY_CLASSES),
            "road_names": road_names,
            "named_places": named_places(osm),
        },
        largest_component=largest_component,
    )
    if network.n_edges == 0:
        raise NoRoadsError(f"{path}: no connected drivable roads in the file")
    return (network.contracted() if contract else network).spatially_sorted()


#: OpenStreetMap keys whose named features are places a caller may name (a park, a school, an estate…).
PLACE_KEYS = ("place", "amenity", "leisure", "tourism", "building", "landuse", "shop", "office", "historic")


def named_places(osm: Any) -> list[list[object]]:
    """[name, lon, lat] of every named point or area of the extract under :data:`PLACE_KEYS` (an area at
    a point inside it), for the gazetteer; empty when the extract holds none (a roads-only extract)."""
    try:
        pois = osm.get_pois(custom_filter={key: True for key in PLACE_KEYS})
    except Exception:  # noqa: BLE001 — the roads are what an import needs; places are a bonus
        return []
    if pois is None or len(pois) == 0 or "name" not in pois:
        return []
    places: dict[str, list[object]] = {}
    for name, geometry in zip(pois["name"], pois["geometry"], strict=True):
        if not isinstance(name, str) or not name.strip() or geometry is None or geometry.is_empty:
            continue
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        places.setdefault(name.strip(), [name.strip(), round(float(point.x), 6), round(float(point.y), 6)])
    return sorted(places.values())


def retime(network: Network, profile: SpeedProfile) -> Network:
    """Recompute edge times of an imported network under another profile.

    Needs the ``length_m``, ``highway`` and ``maxspeed_kmh`` edge attributes that
    :func:`read_osm` stores, so a cached demo network can serve both the
    ordinary and the emergency profile without re-reading the extract.
    """
    if network.links is not None:
        links = network.links
        missing = {"highway", "maxspeed_kmh"} - set(links.attrs)
        if missing:
            raise ValueError(f"network lacks segment attributes {sorted(missing)} needed to retime it")
        seconds = np.maximum(profile.seconds(links.length_m, links.attrs["highway"], links.attrs["maxspeed_kmh"]),
                             MIN_EDGE_SECONDS)
        retimed = Links(links.u, links.v, links.ptr, links.lon, links.lat,
                        np.where(np.isfinite(links.fwd_s), seconds, np.inf),
                        np.where(np.isfinite(links.bwd_s), seconds, np.inf), links.length_m, dict(links.attrs))
        return Network.from_links(network.lon, network.lat, retimed, node_ids=network.node_ids,
                                  meta={**network.meta, "profile": profile.name})
    missing = {"length_m", "highway", "maxspeed_kmh"} - set(network.edge_attrs)
    if missing:
        raise ValueError(f"network lacks edge attributes {sorted(missing)} needed to retime it")
    a = network.edge_attrs
    g = network.graph.copy()
    g.data = np.maximum(profile.seconds(a["length_m"], a["highway"], a["maxspeed_kmh"]), MIN_EDGE_SECONDS)
    return Network(
        network.lon,
        network.lat,
        g,
        edge_attrs=dict(a),
        node_ids=network.node_ids,
        meta={**network.meta, "profile": profile.name},
    )
