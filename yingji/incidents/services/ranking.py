"""Ranking candidate teams for an incident by road travel time, in milliseconds.

A city has 10,000 teams; loading and snapping them for every incident would
take longer than the 1-minute dispatch target allows the officer to wait for a
list. So each process keeps a TeamIndex: the teams' positions snapped to the
road network once, their specialties as bit masks and their status, kept fresh
by a delta query (`updated_at >= last sync - overlap`, for the teams and for
the stations they stand at, in one round trip prepared once) on every ranking.
Team status changes made by this process are applied at once (`mark_status`).
Whatever the index says, dispatch_teams() re-checks availability under a row
lock, so a stale index can only ever cost a refused recommendation.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils import timezone

from yingji.core import travel
from yingji.core.prepared import Prepared
from yingji.core.scope import ROOT_PATH, granted_paths
from yingji.resources.models import Specialty, Station, Team, TeamStatus
from yingji.routing import PointSet

FIVE_MINUTES_S = 300.0
# Rows updated this long before the last sync are fetched again: a transaction
# that committed late must not be missed.
SYNC_OVERLAP = datetime.timedelta(seconds=2)
# A full rebuild now and then catches deleted teams.
REBUILD_EVERY_S = 300.0
SPECIALTY_BITS = {value: 1 << i for i, value in enumerate(Specialty.values)}
STATUS_CODE = {value: i for i, value in enumerate(TeamStatus.values)}
AVAILABLE = STATUS_CODE[TeamStatus.AVAILABLE]


def specialty_mask(specialties: Any) -> int:
    mask = 0
    for value in specialties or ():
        mask |= SPECIALTY_BITS.get(value, 0)
    return mask


@dataclass(frozen=True)
class Candidate:
    team_id: int
    team_name: str
    station_id: int | None
    station_name: str
    seconds: float
    estimated: bool
    lon: float
    lat: float

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0

    @property
    def within_five_minutes(self) -> bool:
        return self.seconds <= FIVE_MINUTES_S

    def as_dict(self) -> dict[str, Any]:
        known = np.isfinite(self.seconds)  # a team without a position, called by name
        return {"team_id": self.team_id, "team_name": self.team_name, "station_id": self.station_id,
                "station_name": self.station_name, "seconds": round(self.seconds, 1) if known else None,
                "minutes": round(self.minutes, 1) if known else None, "estimated": self.estimated,
                "time_text": travel.travel_text(self.seconds, self.estimated),
                "within_five_minutes": self.within_five_minutes, "lon": self.lon, "lat": self.lat}


_FIELDS = ("id", "name", "status", "lon", "lat", "specialties", "station_id", "station__name", "station__lon",
           "station__lat", "jurisdiction__path")


# Ids of the teams changed since a time and of the teams of stations changed since
# then: two indexed SELECTs in one statement with no join (an OR across the join
# would scan every team, and joins make planning cost more than running). Their
# rows are read only when there are any.
_SAMPLE_TIME = datetime.datetime(2001, 2, 3, 4, 5, 6, 789, tzinfo=datetime.UTC)
CHANGED_TEAMS = Prepared(
    lambda since: Team.objects.filter(updated_at__gte=since).order_by().values_list("id").union(
        Team.objects.filter(station__in=Station.objects.filter(updated_at__gte=since).values("id"))
        .order_by().values_list("id"), all=True),
    _SAMPLE_TIME)


class TeamIndex:
    """The teams of the whole platform, snapped to the road network, in arrays."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.built_at = 0.0
        self.engine: Any = None
        self.synced: datetime.datetime | None = None
        self.ids = np.zeros(0, dtype=np.int64)
        self.row_of: dict[int, int] = {}
        self.names: list[str] = []
        self.station_ids: list[int | None] = []
        self.station_names: list[str] = []
        self.paths: list[str] = []
        self.specialties = np.zeros(0, dtype=np.int64)
        self.status = np.zeros(0, dtype=np.int8)
        self.has_location = np.zeros(0, dtype=bool)
        self.points: PointSet | None = None
        self._path_masks: dict[tuple[str, ...], np.ndarray] = {}

    # -------------------------------------------------------------- keeping fresh
    def _rebuild(self, engine: Any) -> None:
        started = timezone.now()
        rows = list(Team.objects.order_by("id").values_list(*_FIELDS))
        n = len(rows)
        lonlat = np.zeros((n, 2))
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.row_of = {int(pk): i for i, pk in enumerate(self.ids)}
        self.names = [r[1] for r in rows]
        self.station_ids = [r[6] for r in rows]
        self.station_names = [r[7] or "" for r in rows]
        self.paths = [r[10] for r in rows]
        self.specialties = np.array([specialty_mask(r[5]) for r in rows], dtype=np.int64)
        self.status = np.array([STATUS_CODE.get(r[2], 0) for r in rows], dtype=np.int8)
        self.has_location = np.zeros(n, dtype=bool)
        for i, r in enumerate(rows):
            point = _location(r)
            if point is not None:
                lonlat[i] = point
                self.has_location[i] = True
        self.points = engine.prepare(lonlat)
        self.engine = engine
        self.synced = started
        self.built_at = time.monotonic()
        self._path_masks = {}

    def _sync(self) -> None:
        assert self.synced is not None and self.points is not None
        started = timezone.now()
        ids = {row[0] for row in CHANGED_TEAMS.rows(self.synced - SYNC_OVERLAP)}
        changed = list(Team.objects.filter(pk__in=ids).values_list(*_FIELDS)) if ids else []
        if any(r[0] not in self.row_of for r in changed):
            self._rebuild(self.engine)  # a new team: rebuilding is simpler than growing every array
            return
        moved: list[tuple[int, tuple[float, float]]] = []
        for r in changed:
            i = self.row_of[r[0]]
            self.status[i] = STATUS_CODE.get(r[2], 0)
            mask = specialty_mask(r[5])
            if mask != self.specialties[i] or r[10] != self.paths[i]:
                self.specialties[i] = mask
                self.paths[i] = r[10]
                self._path_masks = {}
            self.names[i], self.station_ids[i], self.station_names[i] = r[1], r[6], r[7] or ""
            point = _location(r)
            if point is None:
                self.has_location[i] = False
            elif not self.has_location[i] or tuple(self.points.lonlat[i]) != point:
                moved.append((i, point))
        if moved:
            rows = np.array([i for i, _p in moved])
            snapped = self.engine.prepare(np.array([p for _i, p in moved]))
            self.points = self.points.replaced(rows, snapped)
            self.has_location[rows] = True
        self.synced = started

    def refresh(self) -> None:
        engine = travel.engine()
        with self.lock:
            stale = time.monotonic() - self.built_at > REBUILD_EVERY_S
            if self.points is None or engine is not self.engine or stale:
                self._rebuild(engine)
            else:
                self._sync()

    def mark_status(self, team_ids: list[int], status: str) -> None:
        """Apply a status change made by this process without waiting for the next sync."""
        code = STATUS_CODE[status]
        with self.lock:
            for pk in team_ids:
                i = self.row_of.get(pk)
                if i is not None:
                    self.status[i] = code

    def reset(self) -> None:
        with self.lock:
            self.points = None

    # -------------------------------------------------------------------- ranking
    def _scope_mask(self, paths: list[str]) -> np.ndarray:
        key = tuple(paths)
        mask = self._path_masks.get(key)
        if mask is None:
            if ROOT_PATH in paths:
                mask = np.ones(len(self.ids), dtype=bool)
            else:
                prefixes = tuple(paths)
                mask = np.fromiter((p.startswith(prefixes) for p in self.paths), dtype=bool, count=len(self.paths))
            self._path_masks[key] = mask
        return mask

    def rank(self, lon: float, lat: float, *, specialties: tuple[str, ...] = (), scope_paths: list[str] | None = None,
             exclude: set[int] | frozenset[int] = frozenset(), k: int = 10, refresh: bool = True) -> list[Candidate]:
        """The k available teams nearest by road, with one of `specialties` when any team has one."""
        if refresh:
            self.refresh()
        with self.lock:
            assert self.points is not None
            base = (self.status == AVAILABLE) & self.has_location
            if scope_paths is not None:
                base &= self._scope_mask(scope_paths)
            if exclude:
                rows = [self.row_of[pk] for pk in exclude if pk in self.row_of]
                if rows:
                    base = base.copy()
                    base[rows] = False
            wanted = specialty_mask(specialties)
            mask = base & ((self.specialties & wanted) != 0) if wanted else base
            if wanted and not mask.any():
                mask = base  # nobody with the specialty: the nearest anyone is better than no one
            idx = np.flatnonzero(mask)
            sub = self.points.take(idx)
            engine = self.engine
            names, station_ids, station_names, ids = self.names, self.station_ids, self.station_names, self.ids
        if len(idx) == 0:
            return []
        ranking = engine.nearest((lon, lat), sub, k=k)
        out = []
        for j, seconds, estimated in ranking.timed():
            i = int(idx[j])
            out.append(Candidate(int(ids[i]), names[i], station_ids[i], station_names[i], float(seconds),
                                 estimated, float(sub.lonlat[j][0]), float(sub.lonlat[j][1])))
        return out

    def times_for(self, lon: float, lat: float, team_ids: list[int]) -> dict[int, tuple[float, bool]]:
        """Travel seconds from each given team to the point (one search), for teams chosen by hand."""
        self.refresh()
        with self.lock:
            rows = [self.row_of[pk] for pk in team_ids if pk in self.row_of and self.has_location[self.row_of[pk]]]
            if not rows:
                return {}
            idx = np.array(rows)
            assert self.points is not None
            sub = self.points.take(idx)
            engine, ids = self.engine, self.ids
        ranking = engine.nearest((lon, lat), sub, k=len(rows))
        return {int(ids[idx[j]]): (float(s), estimated) for j, s, estimated in ranking.timed()}


def _location(row: tuple) -> tuple[float, float] | None:
    if row[3] is not None and row[4] is not None:
        return (float(row[3]), float(row[4]))
    if row[8] is not None and row[9] is not None:
        return (float(row[8]), float(row[9]))
    return None


team_index = TeamIndex()


def dispatch_scope(user: Any) -> list[str] | None:
    """Jurisdiction paths whose teams `user` may call out; None for the system (escalation)."""
    if user is None:
        return None
    return granted_paths(user, "incidents.dispatch")

