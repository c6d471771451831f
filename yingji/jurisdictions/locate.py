"""Point → jurisdiction: the deepest jurisdiction containing a point (intake, supplies, IoT alarms…).

Point-in-polygon runs on a Shapely STRtree of every grid, community and street
boundary, built once per process. Incident intake calls it for every call, so it
must stay far under a millisecond and ask the database nothing: the index also
keeps each jurisdiction's path, code and name (the scope check, the audit
record and the answer need them), and is rebuilt

- at once when this process saves or deletes a jurisdiction (signals), and
- when another process did: the table's version (count, last update, last id;
  one aggregate query) is compared at most every RECHECK_S seconds.

So a boundary drawn in another process is used within RECHECK_S seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from shapely import STRtree
from shapely.geometry import Point, shape

from yingji.core.prepared import partial_instance
from yingji.jurisdictions.models import Jurisdiction, Level

_LEVEL_RANK = {Level.GRID: 4, Level.COMMUNITY: 3, Level.STREET: 2, Level.DISTRICT: 1, Level.CITY: 0}  # deeper wins
RECHECK_S = 2.0
# What the index keeps of each jurisdiction, to hand out unsaved-looking copies without a query.
_KEPT = ("id", "level", "code", "name", "parent_id", "path", "depth")


@dataclass
class _Index:
    version: tuple
    tree: STRtree
    geoms: list
    ids: list[int]
    ranks: list[int]
    rows: dict[int, tuple]
    checked: float
    bounds: tuple[float, float, float, float] | None = None


_lock = threading.Lock()
_index: _Index | None = None


def _version() -> tuple:
    row = Jurisdiction.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    return (row["n"], row["last"], row["top"])


def _build(version: tuple) -> _Index:
    geoms, ids, ranks = [], [], []
    rows = {}
    for values in Jurisdiction.objects.values_list(*_KEPT, "boundary"):
        rows[values[0]] = values[:-1]
        pk, level, boundary = values[0], values[1], values[-1]
        if boundary is None or level == Level.CITY:
            continue
        try:
            geom = shape(boundary)
        except Exception:  # a malformed stored boundary must not stop intake
            continue
        geoms.append(geom)
        ids.append(pk)
        ranks.append(_LEVEL_RANK.get(level, 0))
    bounds = None
    if geoms:
        boxes = [g.bounds for g in geoms]
        bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return _Index(version, STRtree(geoms), geoms, ids, ranks, rows, time.monotonic(), bounds)


def _current() -> _Index:
    global _index
    index = _index
    if index is not None and time.monotonic() - index.checked < RECHECK_S:
        return index
    version = _version()
    with _lock:
        index = _index
        if index is None or index.version != version:
            index = _build(version)
            _index = index
        # What a transaction reads may still be rolled back: then check again at the next lookup.
        index.checked = -RECHECK_S if connection.in_atomic_block else time.monotonic()
        return index


def forget() -> None:
    """Drop the index; the next lookup rebuilds it."""
    global _index
    with _lock:
        _index = None


@receiver(post_save, sender=Jurisdiction)
@receiver(post_delete, sender=Jurisdiction)
def _jurisdiction_changed(**kwargs: object) -> None:
    forget()


def jurisdiction_id_at(lon: float, lat: float) -> int | None:
    """Id of the deepest jurisdiction (grid, else community, street, district) containing the point."""
    index = _current()
    return _deepest(index, lon, lat)


def _deepest(index: _Index, lon: float, lat: float) -> int | None:
    point = Point(lon, lat)
    best, best_rank = None, -1
    for i in index.tree.query(point, predicate="intersects"):
        if index.ranks[i] > best_rank:
            best, best_rank = index.ids[i], index.ranks[i]
    return best


def locate(lon: float, lat: float) -> Jurisdiction | None:
    """The deepest jurisdiction containing the point, without a query.

    The instance carries id, level, code, name, parent, path and depth; any
    other field is loaded from the database when first read (as with .only()).
    """
    index = _current()
    pk = _deepest(index, lon, lat)
    if pk is None:
        return None
    row = index.rows.get(pk)
    if row is None:  # cannot happen: the tree and the rows are built together
        return Jurisdiction.objects.get(pk=pk)
    return partial_instance(Jurisdiction, **dict(zip(_KEPT, row, strict=True)))


def area_bounds(margin: float = 0.01) -> tuple[float, float, float, float] | None:
    """The box around every boundary on record (the district, or the city's districts),
    widened by `margin` degrees (about a kilometre): what a typed coordinate must fall
    in (core.validators.check_point). None when no boundary is drawn yet."""
    bounds = _current().bounds
    if bounds is None:
        return None
    return (bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin)


def jurisdiction_at(lon: float, lat: float) -> Jurisdiction | None:
    pk = jurisdiction_id_at(lon, lat)
    return Jurisdiction.objects.get(pk=pk) if pk is not None else None
