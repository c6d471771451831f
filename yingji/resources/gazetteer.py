"""The gazetteer: named places a typed address can find, kept as a table (GazetteerEntry).

Sources (each one rebuilt on its own):

* ``roads`` — the road network in use (OpenStreetMap names kept at road
  import, routing.places.named_roads): every named road, every crossing of two
  named roads as "A与B交叉口", and the named places the import kept
  (``meta["named_places"]``);
* the ledgers — stations, facilities and jurisdictions (here), warehouses
  (supplies) and risk points (hazards), each app registering its own with
  :func:`register_source` in its ``AppConfig.ready``.

**Kept current by stamps, not hooks.** A source's stamp is the count and
the last ``updated_at`` of its rows (the network's signature for roads); a
lookup compares the live stamps with those the entries were built from and
rebuilds a source whose stamp moved, under a row lock so two requests do not
both rebuild it. That catches every way a ledger changes — forms, the API,
the admin, Excel imports by ``bulk_create`` (which send no signals), the demo
— without each ledger's services having to remember the gazetteer; it costs
one aggregate query per source a lookup. ``yingji rebuild_gazetteer``
rebuilds everything; road import (coverage.services.networks.import_osm) and
the demo run it, so the first call after either finds the table ready.

Matching (:func:`gazetteer`): province, city, district and street prefixes
the data does not hold are dropped; then exact names, names containing the
text, a crossing, a road (by name or by its stem: 燕南街 finds 燕南路,
flagged ``approximate``; a house number the data lacks finds the road on its
part nearest a community the text names, flagged too), names contained in the
text (longest first), pinyin initials or full pinyin ("jhsq" → 景华社区,
"snl" → 深南路 or, by its stem, 深南大道), and last the nearest spelling
(rapidfuzz, flagged ``approximate``). Nothing found is an empty list: the
caller keeps what was typed and asks for a map pick.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import OperationalError, models, transaction
from django.db.models import Count, Max
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process

from yingji.core import travel
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Facility, GazetteerEntry, GazetteerStamp, Station
from yingji.routing.places import ROAD_SUFFIXES, named_roads, road_stem

log = logging.getLogger(__name__)

_LEVEL_RANK = {Level.GRID: 4, Level.COMMUNITY: 3, Level.STREET: 2, Level.DISTRICT: 1, Level.CITY: 0}
ROADS = "roads"
#: A near miss counts when its spelling is at least this similar (rapidfuzz ratio, 0..100).
FUZZY_CUTOFF = 74.0


@dataclass(frozen=True)
class Place:
    label: str
    lon: float
    lat: float
    kind: str
    #: The point stands for more than the text says (a house number the data lacks, another road kind,
    #: a near spelling): the officer should check it on the map.
    approximate: bool = False


@dataclass(frozen=True)
class Source:
    """A ledger whose rows are places: `rows()` gives (id, name, lon, lat, kind) of each."""

    name: str
    model: type[models.Model]
    rows: Callable[[], Iterable[tuple[int, str, float, float, str]]]


SOURCES: dict[str, Source] = {}


def register_source(name: str, model: type[models.Model],
                    rows: Callable[[], Iterable[tuple[int, str, float, float, str]]]) -> None:
    """Make the rows of a ledger places of the gazetteer (call from AppConfig.ready)."""
    SOURCES[name] = Source(name, model, rows)


def _stations() -> Iterable[tuple[int, str, float, float, str]]:
    return ((pk, n, lon, lat, "station") for pk, n, lon, lat in
            Station.objects.exclude(lon=None).values_list("pk", "name", "lon", "lat"))


def _facilities() -> Iterable[tuple[int, str, float, float, str]]:
    return ((pk, n, lon, lat, "facility") for pk, n, lon, lat in
            Facility.objects.exclude(lon=None).values_list("pk", "name", "lon", "lat"))


def _jurisdictions() -> Iterable[tuple[int, str, float, float, str]]:
    return Jurisdiction.objects.exclude(centroid_lon=None).values_list("pk", "name", "centroid_lon",
                                                                      "centroid_lat", "level")


register_source("station", Station, _stations)
register_source("facility", Facility, _facilities)
register_source("jurisdiction", Jurisdiction, _jurisdictions)


# --- pinyin -------------------------------------------------------------------------------------------

def initials(text: str) -> str:
    """Pinyin initials, lower case (景华社区 → jhsq; letters and digits kept as typed: A社区 → asq)."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


def full_pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).lower()


_SUFFIX_INITIALS = {initials(s) for s in ROAD_SUFFIXES}


# --- building -----------------------------------------------------------------------------------------

def _entry(source: str, kind: str, name: str, lon: float, lat: float, ref: int | None = None,
           stem: str = "") -> GazetteerEntry:
    name = name[:200]
    return GazetteerEntry(source=source, kind=kind, ref=ref, name=name, stem=stem,
                          initials=initials(name)[:80], stem_initials=initials(stem)[:80] if kind == "road" else "",
                          pinyin=full_pinyin(name)[:400] if kind != "crossing" else "", lon=lon, lat=lat)


def _network_signature(network: Any) -> str:
    if network is None:
        return "none"
    meta = network.meta or {}
    return (f"{meta.get('name', '')}|{network.n_nodes}|{network.n_edges}|{len(meta.get('road_names') or [])}"
            f"|{len(meta.get('named_places') or [])}")[:200]


def _road_entries(network: Any) -> list[GazetteerEntry]:
    if network is None:
        return []
    roads, crossings = named_roads(network)
    entries = []
    for name, points in roads.items():
        lon, lat = _near(points, None, None)
        entries.append(_entry(ROADS, "road", name, lon, lat, stem=road_stem(name)))
    for (a, b), (lon, lat) in crossings.items():
        entries.append(_entry(ROADS, "crossing", f"{a}与{b}交叉口", lon, lat, stem=f"{a}|{b}"))
    for item in network.meta.get("named_places") or []:
        name, lon, lat = item[0], item[1], item[2]
        if name:
            entries.append(_entry(ROADS, "place", str(name), float(lon), float(lat)))
    return entries


def _ledger_stamp(source: Source) -> str:
    model: Any = source.model
    got = model.objects.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    return f"{got['n']}|{got['last'].isoformat() if got['last'] else ''}|{got['top'] or 0}"


def _live_stamps() -> dict[str, str]:
    stamps = {name: _ledger_stamp(source) for name, source in SOURCES.items()}
    stamps[ROADS] = _network_signature(travel.engine().network)
    return stamps


def _build(source: str) -> list[GazetteerEntry]:
    if source == ROADS:
        return _road_entries(travel.engine().network)
    return [_entry(source, kind, name, lon, lat, ref=pk)
            for pk, name, lon, lat, kind in SOURCES[source].rows() if name and lon is not None and lat is not None]


def _rebuild(source: str, stamp: str) -> None:
    """Replace the entries of one source, unless another process did so first."""
    with transaction.atomic():
        row, _created = GazetteerStamp.objects.get_or_create(source=source, defaults={"stamp": ""})
        row = GazetteerStamp.objects.select_for_update().get(pk=row.pk)
        if row.stamp == stamp:
            return
        GazetteerEntry.objects.filter(source=source).delete()
        GazetteerEntry.objects.bulk_create(_build(source), batch_size=2000)
        row.stamp = stamp
        row.save(update_fields=["stamp", "built_at"])


def ensure_current() -> dict[str, str]:
    """Rebuild every source whose stamp moved since its entries were built; the live stamps."""
    # One refresh at a time in a process: a lookup arriving while another request rebuilds waits for
    # it (SQLite locks whole tables, so reading the stamps mid-rebuild fails instead of waiting;
    # PostgreSQL would read the old rows and then wait on the stamp's row lock in `_rebuild`).
    with _refresh_lock:
        return _refresh()


_refresh_lock = threading.Lock()


def _refresh() -> dict[str, str]:
    live = _live_stamps()
    built = dict(GazetteerStamp.objects.values_list("source", "stamp"))
    for source, stamp in live.items():
        if built.get(source) != stamp:
            try:
                _rebuild(source, stamp)
            except OperationalError:
                # Another connection holds the table (SQLite locks whole tables): the entries as they
                # are serve this lookup and the next one tries again — placing a call never fails
                # because the gazetteer could not be refreshed.
                log.warning("the gazetteer's %s entries could not be refreshed now; the last built serve", source)
    return live


def rebuild() -> int:
    """Rebuild every source from scratch (``yingji rebuild_gazetteer``, road import, the demo)."""
    GazetteerStamp.objects.all().delete()
    ensure_current()
    return GazetteerEntry.objects.count()


# --- the in-memory index of the table -----------------------------------------------------------------

@dataclass
class _Index:
    key: tuple[tuple[str, str], ...]
    # name, kind, stem, ini, stem ini, py, lon, lat, source, ref
    entries: list[tuple[str, str, str, str, str, str, float, float, str, int | None]]
    names: list[str]
    by_name: dict[str, list[int]]
    crossings: dict[str, int]
    roads: dict[str, int]
    stems: dict[str, list[str]]


_index_lock = threading.Lock()
_index: _Index | None = None
_geometry_lock = threading.Lock()
_geometry: tuple[Any, dict[str, np.ndarray]] | None = None


def _load() -> _Index:
    global _index
    key = tuple(sorted(ensure_current().items()))
    current = _index
    if current is not None and current.key == key:
        return current
    with _index_lock:
        rows = list(GazetteerEntry.objects.order_by("pk").values_list(
            "name", "kind", "stem", "initials", "stem_initials", "pinyin", "lon", "lat", "source", "ref"))
        by_name: dict[str, list[int]] = {}
        crossings: dict[str, int] = {}
        roads: dict[str, int] = {}
        stems: dict[str, list[str]] = {}
        for i, (name, kind, stem, *_rest) in enumerate(rows):
            by_name.setdefault(name, []).append(i)
            if kind == "crossing":
                crossings[stem] = i
            elif kind == "road":
                roads[name] = i
                stems.setdefault(stem, []).append(name)
        _index = current = _Index(key, rows, [r[0] for r in rows], by_name, crossings, roads, stems)
    return current


def _road_points(name: str) -> np.ndarray | None:
    """Where a named road of the network in use runs (to pick its part nearest a named community)."""
    global _geometry
    network = travel.engine().network
    current = _geometry
    if current is None or current[0] is not network:
        with _geometry_lock:
            _geometry = current = (network, named_roads(network)[0] if network is not None else {})
    return current[1].get(name)


# --- matching -----------------------------------------------------------------------------------------

_PREFIX = re.compile(r"^(广东省)?(深圳市?)?")
_CROSSING = re.compile(r"(.+?)(?:与|和|、|交|/)(.+?)(?:交叉口|交汇处|路口|交界)")
_LATIN = re.compile(r"^[a-z]+$")


def _place(index: _Index, i: int, approximate: bool = False) -> Place:
    name, kind, _stem, _ini, _sini, _py, lon, lat, _source, _ref = index.entries[i]
    return Place(name, float(lon), float(lat), kind, approximate)


def _road_in(text: str, index: _Index) -> tuple[str, bool] | None:
    """The longest road named in the text: (name, exact) — exact unless found by its stem (燕南街 → 燕南路)."""
    named = [n for n in index.roads if n in text]
    if named:
        return max(named, key=len), True
    for stem, names in sorted(index.stems.items(), key=lambda kv: -len(kv[0])):
        if len(stem) >= 2 and any(stem + suffix in text for suffix in ROAD_SUFFIXES):
            return min(names, key=len), False
    return None


def _near(points: np.ndarray, lon: float | None, lat: float | None) -> tuple[float, float]:
    """The point of a road nearest (lon, lat), or its middle one."""
    if lon is not None and lat is not None:
        i = int(np.argmin((points[:, 0] - lon) ** 2 + (points[:, 1] - lat) ** 2))
    else:
        centre = points.mean(axis=0)
        i = int(np.argmin(((points - centre) ** 2).sum(axis=1)))
    return float(points[i, 0]), float(points[i, 1])


def _road_places(text: str, index: _Index, near: tuple[float, float] | None) -> list[Place]:
    """The crossing or the road the text names."""
    crossing = _CROSSING.search(text)
    if crossing:
        a, b = (_road_in(part, index) for part in crossing.groups())
        if a and b and a[0] != b[0]:
            first, second = sorted((a[0], b[0]))
            i = index.crossings.get(f"{first}|{second}")
            if i is not None:
                return [_place(index, i, approximate=not (a[1] and b[1]))]
    found = _road_in(text, index)
    if found is None:
        return []
    name, exact = found
    place = _place(index, index.roads[name])
    points = _road_points(name) if near else None
    lon, lat = _near(points, *near) if points is not None and near else (place.lon, place.lat)
    rest = text.split(name, 1)[1] if exact and name in text else text
    return [Place(name, lon, lat, "road", approximate=not exact or bool(re.search(r"\d", rest)))]


def _pinyin_places(text: str, index: _Index, visible: Callable[[list[int]], list[int]]) -> list[Place]:
    """Places whose pinyin initials or full pinyin are the text (a road also by its stem's initials and
    any road kind's: "snl" finds 深南路, or 深南大道 flagged approximate when no 深南路 exists)."""
    exact, by_stem, prefix = [], [], []
    for i, (_name, kind, _stem, ini, sini, py, _lon, _lat, _source, _ref) in enumerate(index.entries):
        if kind == "crossing":
            continue
        if text in (ini, py):
            exact.append(i)
        elif kind == "road" and sini and text.startswith(sini) and text[len(sini):] in _SUFFIX_INITIALS:
            by_stem.append(i)
        elif len(text) >= 3 and (ini.startswith(text) or py.startswith(text)):
            prefix.append(i)
    places = [_place(index, i) for i in visible(exact)]
    places += [_place(index, i, approximate=True) for i in visible(by_stem)]
    places += [_place(index, i) for i in visible(sorted(prefix, key=lambda i: len(index.entries[i][0])))]
    return places


def _jurisdiction_in(text: str) -> tuple[float, float] | None:
    """The centre of the most specific jurisdiction the text names (to pick the right part of a long road)."""
    rows = Jurisdiction.objects.exclude(centroid_lon=None).values_list("name", "centroid_lon", "centroid_lat", "depth")
    found = [(depth, len(name), lon, lat) for name, lon, lat, depth in rows if name and name in text]
    if not found:
        return None
    _depth, _n, lon, lat = max(found)
    return float(lon), float(lat)


def _without_prefixes(text: str) -> str:
    """The text without the province, city, district and street it may start with (the data names places
    below them): "深圳市福田区南园街道景华社区" → "景华社区"."""
    text = _PREFIX.sub("", text, count=1)
    for level in (Level.DISTRICT, Level.STREET):
        names = Jurisdiction.objects.filter(level=level).values_list("name", flat=True)
        for name in sorted(names, key=len, reverse=True):
            if name and text.startswith(name) and len(text) > len(name):
                text = text[len(name):]
                break
    return text


def _kind_rank(kind: str) -> int:
    return 5 if kind in _LEVEL_RANK else 0


#: `gazetteer(text, user=SYSTEM)`: a lookup whose list no person reads — placing a report's address
#: wherever it lies (incident intake). A list shown to a person passes the person.
SYSTEM = object()


def _visible_to(user: Any, index: _Index) -> Callable[[list[int]], list[int]]:
    """A filter of entries (in order) down to those `user` may see: the roads' entries are everyone's,
    a ledger's place is listed only when its row is visible to the user (the scope rule)."""
    def visible(candidates: list[int]) -> list[int]:
        if user is SYSTEM:
            return candidates
        refs: dict[str, set[int]] = {}
        for i in candidates:
            source, ref = index.entries[i][8], index.entries[i][9]
            if source in SOURCES and ref is not None:
                refs.setdefault(source, set()).add(ref)
        seen = {(source, pk) for source, pks in refs.items()
                for pk in SOURCES[source].model.objects.visible_to(user).filter(pk__in=pks)  # type: ignore[attr-defined]
                .values_list("pk", flat=True)}
        return [i for i in candidates
                if index.entries[i][8] not in SOURCES or (index.entries[i][8], index.entries[i][9]) in seen]
    return visible


def gazetteer(text: str, *, user: Any, limit: int = 8) -> list[Place]:
    """Places whose name matches `text`, the best first (see the module docstring).

    A ledger's places (stations, facilities, jurisdictions, warehouses, risk points) are those
    `user` may see — another community's stations are not listed to community staff; the roads'
    are everyone's. `user=SYSTEM` searches all.
    """
    original = re.sub(r"\s+", "", text or "")
    if not original:
        return []
    index = _load()
    visible = _visible_to(user, index)
    lowered = original.lower()
    if _LATIN.match(lowered):
        return _pinyin_places(lowered, index, visible)[:limit] if len(lowered) >= 2 else []
    text = _without_prefixes(original)
    if not text:
        return []
    ledger = [i for i, e in enumerate(index.entries) if e[1] not in ("road", "crossing")]
    ranked: list[tuple[int, int, int]] = []
    for i in index.by_name.get(text, []):
        if index.entries[i][1] not in ("road", "crossing"):
            ranked.append((0, _kind_rank(index.entries[i][1]), i))
    if len(text) >= 2:
        for i in ledger:
            name, kind = index.entries[i][0], index.entries[i][1]
            if text in name and name != text:
                ranked.append((1 if kind not in _LEVEL_RANK else 2, _kind_rank(kind), i))
    ranked.sort(key=lambda rp: (rp[0], rp[1]))
    places = [_place(index, i) for i in visible([i for _r, _k, i in ranked])]
    if places:
        return places[:limit]
    if len(text) <= 2:
        return []
    roads = _road_places(text, index, near=_jurisdiction_in(original))
    if roads:
        return roads
    # The address is longer than any name: names it contains, the longest (most specific) first —
    # flagged approximate, as the point is that place's and the address says more (a building, a door).
    found = [i for i in ledger if index.entries[i][0] and index.entries[i][0] in text]
    found.sort(key=lambda i: (-len(index.entries[i][0]), -_LEVEL_RANK.get(index.entries[i][1], 5)))
    found = visible(found)
    if found:
        return [_place(index, i, approximate=True) for i in found[:limit]]
    return _fuzzy(text, index, limit, visible)


def _fuzzy(text: str, index: _Index, limit: int, visible: Callable[[list[int]], list[int]]) -> list[Place]:
    """The nearest spellings (a typo, a character heard wrong), flagged approximate."""
    if len(text) < 3:
        return []
    hits = process.extract(text, index.names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit * 4)
    seen: set[str] = set()
    places = []
    for i in visible([i for _name, _score, i in hits]):
        name = index.entries[i][0]
        if name not in seen and index.entries[i][1] != "crossing":
            seen.add(name)
            places.append(_place(index, i, approximate=True))
    return places[:limit]
