"""Road networks: import an OpenStreetMap extract with the engine, save it where the engine reads it, record it."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import shape

from yingji.core import travel
from yingji.coverage.models import NetworkSource, RoadNetwork
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources import gazetteer
from yingji.routing import Network
from yingji.routing.osm import NoRoadsError, read_osm
from yingji.routing.pbf import PbfError
from yingji.routing.speeds import PROFILES


def _source_of(network: Network) -> str:
    source = str(network.meta.get("source", ""))
    return source if source in NetworkSource.values else NetworkSource.OTHER


def record_network(network: Network, path: str | os.PathLike[str], *, actor: Any = None, source_file: str = "",
                   seconds: float = 0.0, source: str | None = None) -> RoadNetwork:
    """A RoadNetwork row describing the network saved at `path`."""
    return RoadNetwork.objects.create(
        name=str(network.meta.get("name", Path(path).stem))[:120], path=str(path),
        source=source or _source_of(network), source_file=str(source_file)[:500],
        profile=str(network.meta.get("profile", ""))[:40], node_count=network.n_nodes,
        edge_count=network.n_edges, bbox=[round(v, 6) for v in network.bbox],
        attribution=str(network.meta.get("attribution", ""))[:200], imported_by=actor, seconds=round(seconds, 3))


def save_network(network: Network, out: str | os.PathLike[str]) -> None:
    """Write atomically: the engine of a running server may stat and load the file at any moment."""
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=target.parent)
    os.close(fd)
    try:
        network.save(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def import_osm(pbf: str | os.PathLike[str], *, out: str | None = None, profile: str = "emergency",
               name: str | None = None, bbox: list[float] | None = None, actor: Any = None) -> RoadNetwork:
    """Import the drivable roads of an .osm.pbf extract and make them the engine's network.

    A damaged or truncated file, one without roads, and a network too small
    to be useful or reaching too little of the district are refused with a
    ValidationError saying why; nothing is written and the network in use stays.
    """
    if profile not in PROFILES:
        raise ValidationError({"profile": _("Unknown speed profile %(name)s.") % {"name": profile}})
    if not Path(pbf).is_file():
        raise ValidationError({"file": _("No such file: %(path)s") % {"path": pbf}})
    target = out or travel.configured_path()
    if not target:
        raise ValidationError({"out": _("No road network file is configured (YINGJI_ROAD_NETWORK).")})
    start = time.perf_counter()
    try:
        network = read_osm(pbf, PROFILES[profile], bounding_box=bbox, name=name or Path(pbf).name.split(".")[0])
    except PbfError as exc:
        raise ValidationError({"file": _("The file is not a readable OpenStreetMap extract: %(why)s. "
                                         "The road network in use is kept.") % {"why": exc}}) from exc
    except NoRoadsError as exc:
        raise ValidationError({"file": _("The file holds no drivable roads (%(why)s). "
                                         "The road network in use is kept.") % {"why": exc}}) from exc
    except (ValueError, OSError, KeyError) as exc:
        raise ValidationError({"file": _("The extract could not be read: %(why)s") % {"why": exc}}) from exc
    check_usable(network)
    save_network(network, target)
    record = record_network(network, target, actor=actor, source_file=str(pbf), seconds=time.perf_counter() - start)
    if Path(target).resolve() == Path(travel.configured_path()).resolve():
        gazetteer.rebuild()  # the roads, crossings and named places of the new network, ready for the next call
    return record


def check_usable(network: Network) -> None:
    """Refuse a network too small for useful travel times, or one that misses the district."""
    minimum = settings.YINGJI_ROADS_MIN_JUNCTIONS
    if network.n_nodes < minimum:
        raise ValidationError({"file": _(
            "The road network has only %(n)s junctions; at least %(min)s are needed for useful travel times "
            "(YINGJI_ROADS_MIN_JUNCTIONS). The road network in use is kept.") % {"n": network.n_nodes, "min": minimum}})
    share = district_share_reached(network)
    wanted = settings.YINGJI_ROADS_MIN_COVERAGE_PERCENT
    if share is not None and share * 100 < wanted:
        raise ValidationError({"file": _(
            "The roads reach only %(share)s%% of the district (points within %(limit)s m of a road); at least "
            "%(min)s%% is needed (YINGJI_ROADS_MIN_COVERAGE_PERCENT). Is it the extract of this district? "
            "The road network in use is kept.") % {"share": round(share * 100, 1), "min": wanted,
                                                    "limit": settings.YINGJI_ROAD_SNAP_LIMIT_M}})


#: Sample points laid over the district to measure what share of it the roads reach.
COVERAGE_SAMPLES = 2_000


def district_share_reached(network: Network) -> float | None:
    """Share of the districts' area within the snap limit of a road, on a grid of sample points.

    None when no district has a boundary yet (a fresh installation imports its roads first).
    """
    shapes = [shape(b) for b in Jurisdiction.objects.filter(level=Level.DISTRICT).exclude(boundary=None)
              .values_list("boundary", flat=True) if b]
    if not shapes:
        return None
    area = shapely.union_all(shapes)
    min_lon, min_lat, max_lon, max_lat = area.bounds
    box_share = area.area / max((max_lon - min_lon) * (max_lat - min_lat), 1e-12)
    side = max(2, int(np.sqrt(COVERAGE_SAMPLES / max(box_share, 1e-3))))
    lon, lat = np.meshgrid(np.linspace(min_lon, max_lon, side), np.linspace(min_lat, max_lat, side))
    lon, lat = lon.ravel(), lat.ravel()
    inside = shapely.contains_xy(area, lon, lat)
    if not inside.any():
        return None
    points = travel.make_engine(network).prepare(np.column_stack([lon[inside], lat[inside]]))
    return float(points.on_network.mean())


def install_file(source: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """Copy a ready .npz into place (the demo's shipped Futian network)."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, out)


def current_network() -> RoadNetwork | None:
    path = travel.configured_path()
    return RoadNetwork.objects.filter(path=path).first() if path else None
