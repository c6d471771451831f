"""Nearest-stock search, the heart of the supplies one map (应急仓库一张图).

A duty officer types a material's name, alias or code and picks a point; the
answer is the warehouses holding at least the requested quantity, ranked by
travel time to the point, with stock, keeper and phone — and, when no single
warehouse holds enough, a plan that gathers it from the nearest several.

Each process keeps a `StockIndex` in memory: the catalogue with its search
text, every active warehouse snapped once to the road network, and per
material the warehouses holding it with their available units as NumPy arrays.
A search is then one bounded reverse travel-time query (TravelTimeEngine.nearest
over the warehouses that qualify) plus array lookups; no query per warehouse,
no database query at all once the index is warm. The index follows the stock
through the version counter of services/invalidation.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from yingji.core import travel
from yingji.core.scope import ROOT_PATH, granted_paths
from yingji.routing import PointSet, Ranking, TravelTimeEngine
from yingji.supplies.models import Material, StockBalance, Warehouse
from yingji.supplies.services import invalidation

VIEW_PERM = "supplies.view_warehouse"
MAX_RESULTS = 50


class StockState:
    SUFFICIENT = "sufficient"
    BELOW_MINIMUM = "below_minimum"
    EMPTY = "empty"


@dataclass(frozen=True)
class MaterialEntry:
    id: int
    code: str
    name: str
    unit: str
    category: str
    aliases: tuple[str, ...]
    min_reserve: dict[str, int]
    haystack: tuple[str, ...]  # lower-cased code, name and aliases
    joined: str  # the same, joined by a separator no search term contains

    def minimum_for(self, level: str) -> int:
        return int(self.min_reserve.get(level, 0) or 0)


@dataclass(frozen=True)
class WarehouseEntry:
    id: int
    code: str
    name: str
    level: str
    jurisdiction: str
    path: str
    keeper: str
    phone: str
    address: str
    hours: str
    open_24h: bool
    lon: float
    lat: float


@dataclass(frozen=True)
class Holdings:
    """Warehouses (index positions) holding one material, with held and available units."""

    pos: NDArray[np.int64]
    held: NDArray[np.int64]
    available: NDArray[np.int64]


EMPTY_HOLDINGS = Holdings(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


@dataclass
class StockIndex:
    version: int
    engine: TravelTimeEngine
    warehouses: list[WarehouseEntry]
    position: dict[int, int]
    points: PointSet
    materials: dict[int, MaterialEntry]
    holdings: dict[int, Holdings]
    paths: NDArray[np.str_]
    _scope_masks: dict[tuple[str, ...], NDArray[np.bool_]] = field(default_factory=dict)
    _matches: dict[str, list[MaterialEntry]] = field(default_factory=dict)

    def scope_mask(self, paths: list[str]) -> NDArray[np.bool_]:
        key = tuple(paths)
        mask = self._scope_masks.get(key)
        if mask is None:
            if ROOT_PATH in paths:
                mask = np.ones(len(self.warehouses), dtype=bool)
            else:
                mask = np.zeros(len(self.warehouses), dtype=bool)
                for path in paths:
                    mask |= np.char.startswith(self.paths, path)
            self._scope_masks[key] = mask
        return mask

    def subset(self, positions: NDArray[np.int64]) -> PointSet:
        return self.points.take(positions)


# ------------------------------------------------------------------ building
def _load_warehouses() -> list[WarehouseEntry]:
    rows = (Warehouse.objects.filter(is_active=True).order_by("pk")
            .values_list("pk", "code", "name", "level", "jurisdiction__name", "jurisdiction__path", "keeper_name",
                         "keeper__display_name", "phone", "address", "hours", "open_24h", "lon", "lat"))
    return [WarehouseEntry(pk, code, name, level, jname, jpath, keeper or kdisplay or "", phone, address, hours,
                           open_24h, lon, lat)
            for (pk, code, name, level, jname, jpath, keeper, kdisplay, phone, address, hours, open_24h, lon, lat)
            in rows]


def _load_materials() -> dict[int, MaterialEntry]:
    entries = {}
    for pk, code, name, unit, category, aliases, reserve in (
            Material.objects.filter(is_active=True)
            .values_list("pk", "code", "name", "unit", "category", "aliases", "min_reserve")):
        aliases = tuple(str(a) for a in (aliases or []) if str(a).strip())
        haystack = tuple(s.lower() for s in (code, name, *aliases))
        entries[pk] = MaterialEntry(pk, code, name, unit, category, aliases, dict(reserve or {}), haystack,
                                    "\x00".join(haystack))
    return entries


def _group(position: dict[int, int], rows: list[tuple[int, int, int, int]]) -> dict[int, Holdings]:
    """Per material: positions, held and available units of rows (warehouse, material, quantity, reserved)."""
    if not rows or not position:
        return {}
    raw = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
    # Warehouse ids → index positions, vectorised (closed warehouses are not in `position`).
    ids = np.fromiter(position.keys(), dtype=np.int64, count=len(position))
    slots = np.fromiter(position.values(), dtype=np.int64, count=len(position))
    order = np.argsort(ids)
    ids, slots = ids[order], slots[order]
    found = np.minimum(np.searchsorted(ids, raw[:, 0]), len(ids) - 1)
    keep = (raw[:, 2] > 0) & (ids[found] == raw[:, 0])
    arr = raw[keep]
    if not len(arr):
        return {}
    arr[:, 0] = slots[found[keep]]
    arr = arr[np.lexsort((arr[:, 0], arr[:, 1]))]
    materials, starts = np.unique(arr[:, 1], return_index=True)
    ends = [*starts[1:], len(arr)]
    return {int(m): Holdings(arr[s:e, 0].copy(), arr[s:e, 2].copy(), (arr[s:e, 2] - arr[s:e, 3]).copy())
            for m, s, e in zip(materials, starts, ends, strict=True)}


def build_index(version: int) -> StockIndex:
    engine = travel.engine()
    warehouses = _load_warehouses()
    position = {w.id: i for i, w in enumerate(warehouses)}
    points = engine.prepare(np.array([[w.lon, w.lat] for w in warehouses], dtype=np.float64).reshape(-1, 2))
    # A plain cursor: a district city holds a million balances and Django's
    # row conversion would triple the time of a cold start.
    sql, params = (StockBalance.objects.filter(quantity__gt=0)
                   .values_list("warehouse_id", "material_id", "quantity", "reserved").query.sql_with_params())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return StockIndex(version=version, engine=engine, warehouses=warehouses, position=position, points=points,
                      materials=_load_materials(), holdings=_group(position, rows),
                      paths=np.array([w.path for w in warehouses], dtype=np.str_))


def _apply_changes(index: StockIndex, version: int, pairs: list[tuple[int, int]]) -> StockIndex:
    """A copy of `index` with the balances of `pairs` reloaded."""
    if not pairs:
        return replace(index, version=version, _scope_masks=index._scope_masks, _matches=index._matches)
    condition = Q()
    for w, m in pairs:
        condition |= Q(warehouse_id=w, material_id=m)
    fresh = list(StockBalance.objects.filter(condition).values_list("warehouse_id", "material_id", "quantity",
                                                                    "reserved"))
    holdings = dict(index.holdings)
    touched: dict[int, set[int]] = {}
    for w, m in pairs:
        if w in index.position:
            touched.setdefault(m, set()).add(index.position[w])
    new_rows = _group(index.position, fresh)
    for material, positions in touched.items():
        old = holdings.get(material, EMPTY_HOLDINGS)
        keep = ~np.isin(old.pos, np.fromiter(positions, dtype=np.int64))
        add = new_rows.get(material, EMPTY_HOLDINGS)
        merged = Holdings(np.concatenate([old.pos[keep], add.pos]), np.concatenate([old.held[keep], add.held]),
                          np.concatenate([old.available[keep], add.available]))
        holdings[material] = merged
    return replace(index, version=version, holdings=holdings, _scope_masks=index._scope_masks,
                   _matches=index._matches)


_lock = threading.Lock()
_index: StockIndex | None = None


def get_index() -> StockIndex:
    """The process's index, brought up to date with the stock version in the cache.

    An index built inside a transaction (which may see uncommitted rows) serves
    that call only and is not kept.
    """
    global _index
    version = invalidation.current_version()
    engine = travel.engine()
    current = _index
    if current is not None and current.version == version and current.engine is engine:
        return current
    keep = not connection.in_atomic_block
    with _lock:
        current = _index
        if current is not None and current.version == version and current.engine is engine:
            return current
        pairs = None
        if current is not None and current.engine is engine:
            pairs = invalidation.changes_since(current.version, version)
        fresh = build_index(version) if pairs is None or current is None else _apply_changes(current, version, pairs)
        if keep:
            _index = fresh
        return fresh


def reset_index() -> None:
    global _index
    with _lock:
        _index = None


# ------------------------------------------------------------------ searching
def match_materials(index: StockIndex, term: str, limit: int = 12) -> list[MaterialEntry]:
    """Materials whose code, name or an alias contains `term`, best match first.

    Exact code, name or alias first; then names that start with the term; then
    any containment; shorter names before longer ones ("灭火器" ranks 干粉灭火器
    before 推车式干粉灭火器). Answers are memoised per index: duty officers
    search the same few dozen words again and again.
    """
    text = (term or "").strip().lower()
    if not text:
        return []
    cached = index._matches.get(text)
    if cached is not None:
        return cached[:limit]
    scored = []
    for entry in index.materials.values():
        if text not in entry.joined:
            continue
        if text in entry.haystack:
            rank = 0
        elif entry.haystack[1].startswith(text):
            rank = 1
        else:
            rank = 2
        scored.append((rank, len(entry.name), entry.code, entry))
    if not scored:
        # "干粉灭火器4kg" still finds 干粉灭火器: a name or alias inside the term.
        scored = [(3, len(e.name), e.code, e) for e in index.materials.values()
                  if any(len(h) > 1 and h in text for h in e.haystack[1:])]
    scored.sort(key=lambda s: s[:3])
    found = [s[3] for s in scored]
    if len(index._matches) > 2048:
        index._matches.clear()
    index._matches[text] = found
    return found[:limit]


@dataclass(frozen=True)
class Hit:
    warehouse: WarehouseEntry
    seconds: float
    held: int
    available: int
    take: int = 0  # units this warehouse gives in a partial-fulfilment plan
    estimated: bool = False  # the time is a straight-line estimate (an end off the road network)

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0


@dataclass
class SearchResult:
    material: MaterialEntry | None
    candidates: list[MaterialEntry]
    quantity: int
    point: tuple[float, float]
    hits: list[Hit]
    plan: list[Hit]
    estimated: bool
    total_available: int
    holders: int

    @property
    def fulfilled(self) -> bool:
        return bool(self.hits) or sum(h.take for h in self.plan) >= self.quantity

    @property
    def shortfall(self) -> int:
        if self.hits:
            return 0
        return max(0, self.quantity - sum(h.take for h in self.plan))


def resolve_material(index: StockIndex, *, material: str | int | None, term: str | None
                     ) -> tuple[MaterialEntry | None, list[MaterialEntry]]:
    """The material searched for: by id or code when given, else the best text match."""
    candidates = match_materials(index, term or "") if term else []
    if material not in (None, ""):
        chosen = None
        if isinstance(material, int) or str(material).isdigit():
            chosen = index.materials.get(int(material))
        if chosen is None:
            wanted = str(material).strip().lower()
            chosen = next((m for m in index.materials.values() if m.code.lower() == wanted), None)
        if chosen is None:
            raise ValidationError({"material": _("No material %(code)s in the catalogue.") % {"code": material}})
        return chosen, candidates
    return (candidates[0] if candidates else None), candidates


def search_stock(user: Any, *, point: tuple[float, float], term: str | None = None,
                 material: str | int | None = None, quantity: int = 1, limit: int = 10) -> SearchResult:
    """Warehouses the user may see that hold `quantity` of a material, nearest first by travel time.

    `term` is matched against codes, names and aliases; `material` (id or
    code) picks one of the candidates explicitly. When no single warehouse has
    enough, `plan` takes from the nearest holders in turn until the quantity is
    covered (or all are used, leaving a `shortfall`).
    """
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationError({"quantity": _("Enter a whole number greater than zero.")})
    lon, lat = float(point[0]), float(point[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError({"point": _("Coordinates must be longitude, latitude in WGS-84 degrees.")})
    limit = max(1, min(int(limit), MAX_RESULTS))
    index = get_index()
    chosen, candidates = resolve_material(index, material=material, term=term)
    result = SearchResult(chosen, candidates, quantity, (lon, lat), [], [], index.engine.estimated, 0, 0)
    if chosen is None:
        return result
    holdings = index.holdings.get(chosen.id, EMPTY_HOLDINGS)
    visible = index.scope_mask(granted_paths(user, VIEW_PERM))[holdings.pos] & (holdings.available > 0)
    pos, held, available = holdings.pos[visible], holdings.held[visible], holdings.available[visible]
    result.total_available, result.holders = int(available.sum()), len(pos)
    if len(pos) == 0:
        return result
    enough = np.flatnonzero(available >= quantity)
    if len(enough):
        ranking = _nearest(index, (lon, lat), pos[enough], limit)
        result.estimated = ranking.estimated
        result.hits = [Hit(index.warehouses[int(pos[enough[i]])], seconds, int(held[enough[i]]),
                           int(available[enough[i]]), estimated=estimated) for i, seconds, estimated in ranking.timed()]
        return result
    # Nobody holds enough alone: take from the nearest holders until it is covered.
    k = min(len(pos), max(limit, 8))
    while True:
        ranking = _nearest(index, (lon, lat), pos, k)
        order = ranking.indices
        covered = int(np.cumsum(available[order])[-1]) if order else 0
        if covered >= quantity or k >= len(pos):
            break
        k = min(len(pos), k * 4)
    result.estimated = ranking.estimated
    remaining = quantity
    for i, seconds, estimated in ranking.timed():
        if remaining <= 0:
            break
        take = min(int(available[i]), remaining)
        remaining -= take
        result.plan.append(Hit(index.warehouses[int(pos[i])], seconds, int(held[i]), int(available[i]), take,
                               estimated))
    return result


def _nearest(index: StockIndex, point: tuple[float, float], positions: NDArray[np.int64], k: int) -> Ranking:
    """The k warehouses (of `positions`) with the least travel time to `point`, exactly.

    The engine's bounded reverse search (five minutes first, grown until the k
    nearest are certain) under its one snapping rule: a warehouse or a point off
    the road network is timed by the straight-line estimate, and marked.
    """
    return index.engine.nearest(point, index.subset(positions), k=min(k, len(positions)))


def warehouse_states(user: Any, material_id: int | None) -> list[tuple[WarehouseEntry, str, int, int]]:
    """Every warehouse the user may see with its stock state for one material, for the map.

    State: empty (nothing available), below the minimum reserve of its level,
    or sufficient. Without a material every warehouse is "sufficient".
    """
    index = get_index()
    mask = index.scope_mask(granted_paths(user, VIEW_PERM))
    held = np.zeros(len(index.warehouses), dtype=np.int64)
    available = np.zeros(len(index.warehouses), dtype=np.int64)
    entry = index.materials.get(material_id) if material_id is not None else None
    if entry is not None:
        holdings = index.holdings.get(entry.id, EMPTY_HOLDINGS)
        held[holdings.pos] = holdings.held
        available[holdings.pos] = holdings.available
    out = []
    for i in np.flatnonzero(mask):
        warehouse = index.warehouses[int(i)]
        if entry is None:
            state = StockState.SUFFICIENT
        elif available[i] <= 0:
            state = StockState.EMPTY
        elif held[i] < entry.minimum_for(warehouse.level):
            state = StockState.BELOW_MINIMUM
        else:
            state = StockState.SUFFICIENT
        out.append((warehouse, state, int(held[i]), int(available[i])))
    return out


def naive_search(user: Any, *, point: tuple[float, float], material_id: int, quantity: int, limit: int = 10,
                 engine: TravelTimeEngine | None = None) -> list[tuple[int, float]]:
    """The baseline the benchmark compares with: query the holders, time each one separately.

    Kept here so that bench/supplies.py measures the real alternative, not a straw man.
    """
    engine = engine or travel.engine()
    paths = granted_paths(user, VIEW_PERM)
    rows = StockBalance.objects.filter(material_id=material_id, quantity__gte=quantity + 0,
                                       warehouse__is_active=True).select_related("warehouse")
    if ROOT_PATH not in paths:
        condition = Q()
        for path in paths:
            condition |= Q(warehouse__jurisdiction__path__startswith=path)
        rows = rows.filter(condition)
    timed = []
    for balance in rows:
        if balance.available < quantity:
            continue
        seconds = engine.travel_time((balance.warehouse.lon, balance.warehouse.lat), point).seconds
        timed.append((balance.warehouse_id, seconds))
    timed.sort(key=lambda t: t[1])
    return timed[:limit]
