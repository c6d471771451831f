"""What-if replay (推演复盘): what a station layout would have done for the incidents that really happened.

Pick a period of past incidents of an area and a station layout — today's stations, today's plus the
sites a siting study recommended, or stations drawn on the map — and each incident is replayed
against the layout by road time: the least time from any station of the layout to the incident by
the engine's one rule (routing.coverage.coverage, one bounded multi-source search from all stations;
never a straight line unless a point is off the roads, and then counted as estimated). The answer
is the predicted share within 3 and 5 minutes, in total, per street and per incident type, beside
what really happened: the share whose first team arrived within 3 and 5 minutes of the call
(incidents' recorded arrival times). A turnout time (出动时间) may be added to every road time, so
that the prediction counts from the call as the record does.

And the 15-minute community life circle (15分钟社区生活圈): the share of residents (the demand
cells' population) within a 15-minute walk of an emergency shelter in service, walked along the
same roads at routing's walking pace.

Incidents come from the incidents app through its AppConfig (`past_incidents`): coverage comes
before incidents in settings.YINGJI_APPS and does not import it. A replay of up to
MAX_SYNC_INCIDENTS answers at once; larger ones are tasks (tasks.run_replay) that fill a ReplayRun.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from yingji.core import travel
from yingji.coverage.models import CoverageRun, DemandCell, Layout, ReplayRun, RunStatus
from yingji.coverage.services.report import MAX_ADDED_POINTS, StationSet, sites_for
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.models import Facility, FacilityKind, FacilityStatus
from yingji.routing import Network, TravelTimeEngine
from yingji.routing.coverage import coverage
from yingji.routing.walking import walking_engine

log = logging.getLogger(__name__)

#: The replay's targets: on scene within 3 and within 5 minutes of the call (the 1-3-5 "3", and the 5-minute circle).
TARGETS_S = (180.0, 300.0)
WALK_LIMIT_S = 15 * 60.0
MAX_SYNC_INCIDENTS = 20_000
MAX_PERIOD_DAYS = 3 * 366
MAX_TURNOUT_S = 600


@dataclass
class Request:
    """What to replay: an area and period, a layout, and the turnout added to every road time."""

    area: Jurisdiction
    start: datetime.date
    end: datetime.date
    layout: str = Layout.TODAY
    siting_run: CoverageRun | None = None
    points: list[tuple[float, float]] = field(default_factory=list)
    keep_existing: bool = True
    turnout_s: int = 0


def check(req: Request) -> Request:
    """Refuse a request that cannot be answered, naming the field (nothing is computed)."""
    errors: dict[str, str] = {}
    if req.end < req.start:
        errors["end"] = _("The end of the period comes before its start.")
    elif (req.end - req.start).days > MAX_PERIOD_DAYS:
        errors["end"] = _("Choose a period of at most three years.")
    if req.layout not in Layout.values:
        errors["layout"] = _("Choose today's stations, today's plus the recommended sites, or drawn stations.")
    elif req.layout == Layout.RECOMMENDED and (req.siting_run is None or req.siting_run.status != RunStatus.DONE):
        errors["layout"] = _("No finished siting study of this area: run one on the coverage page first.")
    elif req.layout == Layout.DRAWN and not req.points:
        errors["add"] = _("Draw at least one station on the map.")
    if len(req.points) > MAX_ADDED_POINTS:
        errors["add"] = _("At most %(n)s added sites.") % {"n": MAX_ADDED_POINTS}
    if not 0 <= req.turnout_s <= MAX_TURNOUT_S:
        errors["turnout"] = _("Choose a turnout time between 0 and %(n)s seconds.") % {"n": MAX_TURNOUT_S}
    if errors:
        raise ValidationError(errors)
    return req


def layout_xy(user: Any, req: Request) -> NDArray[np.float64]:
    """The stations of the layout as (n, 2) lon/lat: every station in service (the layout is the
    city's, whoever looks), plus the recommended or drawn sites."""
    existing = [(s.lon, s.lat) for s in sites_for(user, StationSet())]
    if req.layout == Layout.RECOMMENDED and req.siting_run is not None:
        points = existing + [(float(s["lon"]), float(s["lat"])) for s in req.siting_run.sites]
    elif req.layout == Layout.DRAWN:
        points = (existing if req.keep_existing else []) + list(req.points)
    else:
        points = existing
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def _history(user: Any, area: Jurisdiction, start: datetime.date, end: datetime.date) -> list[tuple[Any, ...]]:
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    finish = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()))
    source = getattr(apps.get_app_config("incidents"), "past_incidents", None) if apps.is_installed(
        "yingji.incidents") else None
    return source(user, area.path, begin, finish) if source is not None else []


def _group_rows(keys: Sequence[str], labels: dict[str, str], predicted: NDArray[np.float64],
                actual: NDArray[np.float64]) -> list[dict[str, Any]]:
    """One row per key, in key order: counts and shares predicted and actual within each target."""
    out = []
    key_arr = np.asarray(keys, dtype=object)
    for key in sorted(set(keys)):
        mask = key_arr == key
        out.append({"key": key, "label": labels.get(key, key), **_figures(predicted[mask], actual[mask])})
    return out


def _figures(predicted: NDArray[np.float64], actual: NDArray[np.float64]) -> dict[str, Any]:
    n = len(predicted)
    recorded = ~np.isnan(actual)
    m = int(recorded.sum())
    row: dict[str, Any] = {"count": n, "with_arrival": m}
    for target in TARGETS_S:
        minutes = int(target // 60)
        hit = int((predicted <= target).sum())
        real = int((actual[recorded] <= target).sum())
        row[f"predicted_{minutes}"] = hit
        row[f"predicted_{minutes}_share"] = round(hit / n, 4) if n else None
        row[f"actual_{minutes}"] = real
        row[f"actual_{minutes}_share"] = round(real / m, 4) if m else None
        row[f"predicted_{minutes}_pct"] = round(100.0 * hit / n, 1) if n else None
        row[f"actual_{minutes}_pct"] = round(100.0 * real / m, 1) if m else None
    return row


def replay_points(eng: TravelTimeEngine, stations: NDArray[np.float64], incidents: NDArray[np.float64],
                  turnout_s: float = 0.0) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Predicted seconds from the call to arrival for each incident (inf past the last target), and which
    are straight-line estimates: the least road time from any station, plus the turnout."""
    if len(incidents) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    if len(stations) == 0:
        return np.full(len(incidents), np.inf), np.zeros(len(incidents), dtype=bool)
    budget = max(TARGETS_S) - turnout_s
    if budget < 0:
        return np.full(len(incidents), np.inf), np.zeros(len(incidents), dtype=bool)
    result = coverage(eng, stations, incidents, limit_s=budget)
    return result.seconds + turnout_s, result.estimated & np.isfinite(result.seconds)


def _child_code(path: str, depth: int) -> str:
    codes = path.strip("/").split("/")
    return codes[depth] if len(codes) > depth else codes[-1]


def replay(user: Any, req: Request, *, engine: TravelTimeEngine | None = None,
           rows: list[tuple[Any, ...]] | None = None) -> dict[str, Any]:
    """The whole answer (see the module docstring); `rows` lets a caller pass the incidents it read."""
    check(req)
    eng = engine or travel.engine()
    history = _history(user, req.area, req.start, req.end) if rows is None else rows
    stations = layout_xy(user, req)
    xy = np.array([(r[0], r[1]) for r in history], dtype=np.float64).reshape(-1, 2)
    actual = np.array([np.nan if r[5] is None else float(r[5]) for r in history], dtype=np.float64)
    predicted, estimated = replay_points(eng, stations, xy, float(req.turnout_s))
    depth = req.area.depth + 1
    street_keys = [_child_code(r[2], depth) for r in history]
    names = dict(Jurisdiction.objects.filter(code__in=set(street_keys)).values_list("code", "name"))
    type_keys = [r[3] for r in history]
    type_labels = {r[3]: r[4] for r in history}
    return {
        "area": {"code": req.area.code, "name": req.area.name},
        "period": [req.start.isoformat(), req.end.isoformat()], "layout": req.layout,
        "turnout_s": req.turnout_s, "stations": len(stations),
        "estimated": int(estimated.sum()),
        "totals": _figures(predicted, actual),
        "areas": _group_rows(street_keys, names, predicted, actual),
        "types": _group_rows(type_keys, type_labels, predicted, actual),
        "walking": walking_coverage(user, req.area, engine=eng),
    }


# ---------------------------------------------------------------- 15分钟社区生活圈
_walk_lock = threading.Lock()
_walk: tuple[int, TravelTimeEngine] | None = None


def walking_for(eng: TravelTimeEngine) -> TravelTimeEngine:
    """The walking engine over the driving engine's roads, built once per network loaded."""
    global _walk
    network: Network | None = eng.network
    key = id(network)
    current = _walk
    if current is not None and current[0] == key:
        return current[1]
    with _walk_lock:
        if _walk is None or _walk[0] != key:
            _walk = (key, walking_engine(network))
        return _walk[1]


def walking_coverage(user: Any, area: Jurisdiction, *, engine: TravelTimeEngine | None = None) -> dict[str, Any]:
    """Residents of the area within a 15-minute walk of an emergency shelter in service, per child area."""
    cells = list(DemandCell.objects.visible_to(user).in_subtree(area.path)
                 .values_list("lon", "lat", "population", "jurisdiction__path"))
    shelters = np.array(list(Facility.objects.filter(kind=FacilityKind.SHELTER, status=FacilityStatus.IN_SERVICE)
                             .values_list("lon", "lat")), dtype=np.float64).reshape(-1, 2)
    depth = area.depth + 1
    keys = [_child_code(c[3], depth) for c in cells]
    names = dict(Jurisdiction.objects.filter(code__in=set(keys)).values_list("code", "name"))
    pop = np.array([c[2] for c in cells], dtype=np.float64)
    if cells and len(shelters):
        result = coverage(walking_for(engine or travel.engine()), shelters,
                          np.array([(c[0], c[1]) for c in cells], dtype=np.float64), weights=pop,
                          limit_s=WALK_LIMIT_S)
        covered = result.covered
    else:
        covered = np.zeros(len(cells), dtype=bool)
    rows = []
    key_arr = np.asarray(keys, dtype=object)
    for key in sorted(set(keys)):
        mask = key_arr == key
        total, hit = float(pop[mask].sum()), float(pop[mask & covered].sum())
        rows.append({"key": key, "label": names.get(key, key), "population": round(total),
                     "covered": round(hit), "share": round(hit / total, 4) if total else None,
                     "pct": round(100.0 * hit / total, 1) if total else None})
    total, hit = float(pop.sum()), float(pop[covered].sum())
    return {"minutes": WALK_LIMIT_S / 60, "shelters": len(shelters), "population": round(total),
            "covered": round(hit), "share": round(hit / total, 4) if total else None,
            "pct": round(100.0 * hit / total, 1) if total else None, "areas": rows}


# ---------------------------------------------------------------- stored runs (tasks)
def request_of(run: ReplayRun) -> Request:
    return Request(run.jurisdiction, run.start, run.end, run.layout, run.siting_run,
                   [(float(p[0]), float(p[1])) for p in run.points], run.keep_existing, run.turnout_s)


def compute_replay(run: ReplayRun, engine: TravelTimeEngine | None = None) -> ReplayRun:
    """Compute a queued replay as the user who asked for it saw the ledgers (marks it failed on any error)."""
    start = time.perf_counter()
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status"])
    try:
        run.result = replay(run.created_by, request_of(run), engine=engine)
    except Exception as exc:  # the run row must say it failed, whatever broke
        log.exception("replay run %s failed", run.pk)
        run.status, run.error = RunStatus.FAILED, str(exc)[:2000]
    else:
        run.status = RunStatus.DONE
    run.seconds = round(time.perf_counter() - start, 3)
    run.finished_at = timezone.now()
    run.save()
    return run


def _date(data: Any, name: str, default: datetime.date) -> datetime.date:
    raw = (data.get(name) or "").strip()
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({name: _("Give a date as YYYY-MM-DD.")}) from exc


def parse(user: Any, area: Jurisdiction, data: Any) -> Request:
    """A replay request from form or query parameters (start, end, layout, run, add, keep, turnout);
    a bad value raises a ValidationError naming its field. Default: the last twelve months, today's stations."""
    today = timezone.localdate()
    start = _date(data, "start", today.replace(year=today.year - 1) + datetime.timedelta(days=1)
                  if not (today.month == 2 and today.day == 29) else today - datetime.timedelta(days=365))
    end = _date(data, "end", today)
    layout = data.get("layout") or Layout.TODAY
    siting_run = None
    raw_run = (data.get("run") or "").strip()
    if raw_run:
        if not raw_run.isdigit():
            raise ValidationError({"run": _("A siting study is given by its number.")})
        siting_run = CoverageRun.objects.visible_to(user).filter(pk=int(raw_run)).first()
        if siting_run is None:
            raise ValidationError({"run": _("No such siting study.")})
    elif layout == Layout.RECOMMENDED:
        siting_run = (CoverageRun.objects.visible_to(user).filter(jurisdiction=area, status=RunStatus.DONE)
                      .order_by("-created_at", "-pk").first())
    points = StationSet.parse(add=data.get("add") or "").points
    keep = str(data.get("keep", "1")).lower() not in ("0", "false", "no", "")
    raw_turnout = str(data.get("turnout") or "0").strip()
    try:
        turnout = int(raw_turnout)
    except ValueError as exc:
        raise ValidationError({"turnout": _("Give the turnout time in whole seconds.")}) from exc
    return check(Request(area, start, end, str(layout), siting_run, points, keep, turnout))


def history(user: Any, req: Request) -> list[tuple[Any, ...]]:
    """The past incidents the request replays (read once; pass them to replay(rows=…))."""
    return _history(user, req.area, req.start, req.end)
