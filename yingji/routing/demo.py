"""The demo district's real road network (Futian and eastern Nanshan, Shenzhen).

The OSM extract ships in ``data/`` with its ODbL attribution; the processed
network ships beside it as ``.npz`` (under 1 MB, loads in milliseconds), so a
fresh clone can answer travel-time questions without pyrosm.  Rebuild it with
``python -m yingji.routing build-futian --out PATH`` after changing the importer
or the emergency speed profile.
"""

from __future__ import annotations

import os
from pathlib import Path

from .network import Network
from .osm import read_osm, retime
from .speeds import EMERGENCY, SpeedProfile

DATA_DIR = Path(__file__).resolve().parent / "data"
FUTIAN_PBF = DATA_DIR / "futian-nanshan-drive.osm.pbf"
FUTIAN_NPZ = DATA_DIR / "futian-nanshan-drive.npz"
#: The extract's box (lon/lat), as cut from OpenStreetMap in October 2024.
FUTIAN_BBOX = (113.954, 22.479, 114.094, 22.599)


def build_futian(out: str | os.PathLike[str] | None = None, profile: SpeedProfile = EMERGENCY) -> Network:
    """Import the shipped Futian extract and optionally save it to ``out`` (``.npz``)."""
    net = read_osm(FUTIAN_PBF, profile, name="futian-nanshan-drive")
    if out is not None:
        net.save(out)
    return net


def futian_network(profile: SpeedProfile = EMERGENCY) -> Network:
    """The demo district's network under ``profile``.

    Loads the shipped ``.npz``; if it is missing (e.g. a trimmed install) the
    extract is imported once and cached under ``$YINGJI_CACHE_DIR`` (default
    ``~/.cache/yingji``).
    """
    path = FUTIAN_NPZ
    if not path.exists():
        cache = Path(os.environ.get("YINGJI_CACHE_DIR", Path.home() / ".cache" / "yingji"))
        path = cache / FUTIAN_NPZ.name
        if not path.exists():
            cache.mkdir(parents=True, exist_ok=True)
            build_futian(path)
    net = Network.load(path)
    return net if net.meta.get("profile") == profile.name else retime(net, profile)
