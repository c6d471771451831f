"""Road networks: import an OpenStreetMap extract with the engine, save it where the engine reads it, record it."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yingji.core import travel
from yingji.coverage.models import NetworkSource, RoadNetwork
from yingji.routing import Network
from yingji.routing.osm import read_osm
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
    """Import the drivable roads of an .osm.pbf extract and make them the engine's network."""
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
    except (ValueError, OSError, KeyError) as exc:
        raise ValidationError({"file": _("The extract could not be read: %(why)s") % {"why": exc}}) from exc
    save_network(network, target)
    return record_network(network, target, actor=actor, source_file=str(pbf), seconds=time.perf_counter() - start)


def install_file(source: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """Copy a ready .npz into place (the demo's shipped Futian network)."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, out)


def current_network() -> RoadNetwork | None:
    path = travel.configured_path()
    return RoadNetwork.objects.filter(path=path).first() if path else None
