"""API of coverage: /api/v1/coverage/ — travel times, nearest stations, coverage, siting, map layers.

The risk-point register itself is the hazards app's (/api/v1/hazards/risk-points).

Every answer is built from the caller's scope: areas, stations, cells and risk
points outside it answer 404. Travel times say `estimated: true` when they come
from the straight-line fallback (no road network, or a point off it).
"""


import datetime
import math
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.core import travel
from yingji.core.api import (
    ErrorOut,
    Pagination,
    refuses,
    request_user,
)
from yingji.core.files import xlsx_response
from yingji.coverage.exports import coverage_workbook
from yingji.coverage.models import CoverageRun, Layout, PlaceKind, ReplayRun, RoadNetwork
from yingji.coverage.services import report as reports
from yingji.coverage.services import whatif
from yingji.coverage.services.studies import request_replay, request_siting
from yingji.coverage.services.targets import construction_targets
from yingji.jurisdictions.models import Level
from yingji.resources.models import Station, StationKind

router = Router(tags=["coverage"])

#: What-if sites drawn on the map (`add`): their format, bounds and count are checked together
#: (reports.StationSet.parse); candidate sites are rows of the register.
ADDED_SITES = (f"lon,lat;lon,lat in WGS-84 degrees (longitude -180 to 180, latitude -90 to 90), at most "
               f"{reports.MAX_ADDED_POINTS} sites with the candidates")
#: Codes of fixed lists, inline in the document: a query schema several operations share may not carry
#: definitions of its own (each operation would file a copy of it under the same name).
StationKindCode = Literal[tuple(StationKind.values)]  # type: ignore[valid-type]
LayoutCode = Literal[tuple(Layout.values)]  # type: ignore[valid-type]
WHAT_IF = {"add": ADDED_SITES, "candidates": "numbers of candidate sites (several separated by commas)"}


# ---------------------------------------------------------------- schemas
class CoverageQuery(Schema):
    area: str | None = Field(None, description="Code of the area (a district, street or community); default: yours.")
    minutes: float = Field(reports.DEFAULT_MINUTES, gt=0, le=reports.MAX_MINUTES, description="Target time T.")
    kinds: list[StationKindCode] = Field([], description="Station types counted (repeat the parameter); none: all types.")
    candidates: list[str] = Field([], description="What-if: candidate site numbers to add.")
    add: str | None = Field(None, description="What-if: added sites as lon,lat;lon,lat (WGS-84).")
    level: Level | None = Field(None, description="Rows per street, community or grid; default: one level down.")


class TravelTimeOut(Schema):
    seconds: float
    minutes: float
    estimated: bool


class NearestOut(Schema):
    code: str
    name: str
    kind: str
    lon: float
    lat: float
    seconds: float
    minutes: float
    estimated: bool


class AreaRowOut(Schema):
    code: str
    name: str
    level: str
    population: int
    covered_population: int
    share: float
    cells: int
    covered_cells: int
    risk_points: int
    covered_risk_points: int
    risk_share: float | None
    risk_by_grade: dict[str, list[int]]


class NetworkOut(Schema):
    name: str
    source: str
    profile: str
    node_count: int
    edge_count: int
    bbox: list[float]
    attribution: str
    imported_at: datetime.datetime


class SummaryOut(Schema):
    area: str
    minutes: float
    estimated: bool
    network: NetworkOut | None
    stations: int
    added_sites: int
    off_network_cells: int
    compute_ms: float
    total: AreaRowOut
    rows: list[AreaRowOut]


class TargetOut(Schema):
    code: str
    name: str
    met: bool
    have: dict[str, int]
    need: dict[str, int]
    missing: dict[str, int]


class SitingIn(Schema):
    area: str | None = None
    new_sites: int = Field(5, ge=1, le=100)
    minutes: float = Field(reports.DEFAULT_MINUTES, gt=0, le=reports.MAX_MINUTES)
    candidate_kind: PlaceKind | Literal[""] = Field("", description="A type of place (mall, hospital…); empty: any "
                                                                    "demand cell.")
    station_kinds: list[StationKind] = []


class RunOut(Schema):
    id: int
    area: str = Field(..., alias="jurisdiction.code")
    status: str
    limit_minutes: float
    new_sites: int
    candidate_kind: str
    station_kinds: list[str]
    network: str
    estimated: bool
    seconds: float
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    error: str
    totals: dict[str, Any]
    areas: list[dict[str, Any]]
    sites: list[dict[str, Any]]


# ---------------------------------------------------------------- helpers
def _report(request: HttpRequest, params: CoverageQuery) -> reports.CoverageReport:
    user = request_user(request)
    area = reports.resolve_area(user, params.area)
    station_set = reports.StationSet.parse(params.kinds, params.candidates, params.add)
    return reports.compute(user, area=area, minutes=params.minutes, station_set=station_set,
                           level=params.level or None)


def _row(row: reports.AreaRow) -> dict[str, Any]:
    return row.as_dict()


def _visible_station(request: HttpRequest, code: str) -> Station:
    return get_object_or_404(Station.objects.visible_to(request_user(request)), code=code)


def _timed(seconds: float, estimated: bool) -> dict[str, Any]:
    return {"seconds": round(seconds, 1), "minutes": round(seconds / 60.0, 2), "estimated": estimated}


# ---------------------------------------------------------------- travel times
@router.get("/travel-time", response={200: TravelTimeOut, 404: ErrorOut, 422: ErrorOut},
            openapi_extra=refuses(from_station="a station code you can see, or from_lon and from_lat"))
def travel_time(request: HttpRequest, to_lon: float = Query(..., ge=-180, le=180),
                to_lat: float = Query(..., ge=-90, le=90), from_station: str | None = None,
                from_lon: float | None = Query(None, ge=-180, le=180),
                from_lat: float | None = Query(None, ge=-90, le=90)) -> Any:
    """Driving time from a station you can see (or a point) to a point."""
    if from_station:
        station = _visible_station(request, from_station)
        origin = (station.lon, station.lat)
    elif from_lon is not None and from_lat is not None:
        origin = (from_lon, from_lat)
    else:
        raise ValidationError({"from_station": _("Give a station code or from_lon and from_lat.")})
    answer = travel.engine().travel_time(origin, (to_lon, to_lat))
    if not math.isfinite(answer.seconds):
        return Status(404, {"detail": _("No road connects these points."), "code": "unreachable", "errors": []})
    return _timed(answer.seconds, answer.estimated)


@router.get("/nearest-stations", response=list[NearestOut])
def nearest_stations(request: HttpRequest, lon: float = Query(..., ge=-180, le=180),
                     lat: float = Query(..., ge=-90, le=90), k: int = Query(5, ge=1, le=50),
                     kind: str | None = None) -> list[dict[str, Any]]:
    """The k in-service stations you can see with the least driving time to the point."""
    stations = Station.objects.visible_to(request_user(request)).filter(is_active=True)
    if kind:
        stations = stations.filter(kind=kind)
    found = list(stations.only("code", "name", "kind", "lon", "lat").order_by("pk"))
    if not found:
        return []
    ranking = travel.engine().nearest((lon, lat), [(s.lon, s.lat) for s in found], k=k)
    return [{"code": found[i].code, "name": found[i].name, "kind": found[i].kind, "lon": found[i].lon,
             "lat": found[i].lat, **_timed(seconds, estimated)} for i, seconds, estimated in ranking.timed()]


# ---------------------------------------------------------------- coverage
@router.get("/summary", response={200: SummaryOut, 404: ErrorOut, 422: ErrorOut},
            openapi_extra=refuses(**WHAT_IF))
def summary(request: HttpRequest, params: Query[CoverageQuery]) -> dict[str, Any]:
    """Covered population and risk points per street (or community) within T."""
    report = _report(request, params)
    return {"area": report.area.code, "minutes": report.minutes, "estimated": report.estimated,
            "network": report.network, "stations": len(report.sites),
            "added_sites": sum(1 for s in report.sites if s.added), "off_network_cells": report.off_network_cells,
            "compute_ms": round(report.compute_s * 1000, 1), "total": _row(report.total),
            "rows": [_row(r) for r in report.rows]}


@router.get("/cells.geojson", response={200: dict, 404: ErrorOut, 422: ErrorOut}, url_name="coverage_cells_geojson",
            openapi_extra=refuses(**WHAT_IF))
def cells_geojson(request: HttpRequest, params: Query[CoverageQuery]) -> dict[str, Any]:
    """Covered and uncovered H3 cells of the area, with minutes and legend band."""
    return reports.cells_geojson(_report(request, params))


@router.get("/risk-points.geojson", response={200: dict, 404: ErrorOut, 422: ErrorOut}, url_name="coverage_risk_points_geojson",
            openapi_extra=refuses(**WHAT_IF))
def risk_points_geojson(request: HttpRequest, params: Query[CoverageQuery]) -> dict[str, Any]:
    return reports.risk_geojson(_report(request, params))


@router.get("/stations.geojson", response={200: dict, 404: ErrorOut, 422: ErrorOut}, url_name="coverage_stations_geojson",
            openapi_extra=refuses(**WHAT_IF))
def stations_geojson(request: HttpRequest, params: Query[CoverageQuery]) -> dict[str, Any]:
    """The counted stations of the area you can see, and the what-if additions."""
    return reports.sites_geojson(reports.area_sites(_report(request, params)))


@router.get("/isochrones.geojson", response={200: dict, 404: ErrorOut, 422: ErrorOut}, url_name="coverage_isochrones_geojson",
            openapi_extra=refuses(**WHAT_IF))
def isochrones_geojson(request: HttpRequest, params: Query[CoverageQuery]) -> dict[str, Any]:
    """Isochrones (areas reached within T) of the area's stations and the what-if additions."""
    return reports.isochrones_geojson(_report(request, params))


@router.get("/isochrone", response={200: dict, 404: ErrorOut, 422: ErrorOut}, url_name="coverage_isochrone",
            openapi_extra=refuses(station="a station code you can see, or lon and lat"))
def isochrone(request: HttpRequest, station: str | None = None,
              lon: float | None = Query(None, ge=-180, le=180), lat: float | None = Query(None, ge=-90, le=90),
              minutes: float = Query(reports.DEFAULT_MINUTES, gt=0, le=reports.MAX_MINUTES)) -> dict[str, Any]:
    """The area reached within `minutes` from a station you can see, or from a point."""
    if station:
        found = _visible_station(request, station)
        site = reports.Site(found.lon, found.lat, found.name, found.kind, found.code)
    elif lon is not None and lat is not None:
        site = reports.Site(lon, lat, "", "", "", added=True)
    else:
        raise ValidationError({"station": _("Give a station code or lon and lat.")})
    return reports.isochrone_feature(travel.engine(), site, minutes * 60.0)


@router.get("/targets", response={200: list[TargetOut], 404: ErrorOut})
def targets(request: HttpRequest, area: str | None = None) -> list[dict[str, Any]]:
    """The "1+3+1" station construction targets of the streets you can see."""
    user = request_user(request)
    where = reports.resolve_area(user, area) if area else None
    return [row.as_dict() for row in construction_targets(user, where)]


@router.get("/export", response={200: None, 404: ErrorOut, 422: ErrorOut},
            openapi_extra=refuses(**WHAT_IF))
def export(request: HttpRequest, params: Query[CoverageQuery]) -> HttpResponse:
    """The coverage table (streets and communities), the 1+3+1 targets and the parameters as .xlsx."""
    report = _report(request, params)
    user = request_user(request)
    communities = reports.compute(user, area=report.area, minutes=report.minutes, station_set=report.station_set,
                                  level=Level.COMMUNITY).rows if report.level != Level.COMMUNITY else []
    content = coverage_workbook(report, communities, construction_targets(user, report.area))
    return xlsx_response(content, _("coverage"))


# ---------------------------------------------------------------- siting
@router.post("/siting", response={202: RunOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def siting(request: HttpRequest, payload: SitingIn) -> Any:
    """Queue a siting study: K new sites by maximal covering, and the set-cover count."""
    user = request_user(request)
    area = reports.resolve_area(user, payload.area)
    run = request_siting(actor=user, area=area, new_sites=payload.new_sites, minutes=payload.minutes,
                         candidate_kind=payload.candidate_kind, station_kinds=payload.station_kinds)
    return Status(202, CoverageRun.objects.select_related("jurisdiction").get(pk=run.pk))


@router.get("/runs", response=list[RunOut])
@paginate(Pagination)
def runs(request: HttpRequest, area: str | None = None):  # type: ignore[no-untyped-def]
    queryset = CoverageRun.objects.visible_to(request_user(request)).select_related("jurisdiction")
    if area:
        queryset = queryset.filter(jurisdiction__code=area)
    return queryset


@router.get("/runs/{run_id}", response={200: RunOut, 404: ErrorOut})
def run_detail(request: HttpRequest, run_id: int) -> CoverageRun:
    return get_object_or_404(CoverageRun.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=run_id)


# ---------------------------------------------------------------- networks
@router.get("/networks", response=list[NetworkOut])
def networks(request: HttpRequest) -> list[RoadNetwork]:
    """Imported road networks, newest first (the engine uses the newest of the configured file)."""
    return list(RoadNetwork.objects.all()[:20])


# ---------------------------------------------------------------- what-if replay (推演复盘)
class ReplayQuery(Schema):
    area: str | None = Field(None, description="Code of the area; default: yours.")
    start: datetime.date | None = Field(None, description="First day of the period; default: a year ago.")
    end: datetime.date | None = Field(None, description="Last day of the period; default: today.")
    layout: LayoutCode = Field(Layout.TODAY.value, description="today, recommended (plus a siting study's sites) or drawn.")
    run: int | None = Field(None, ge=1, le=2**63 - 1,
                            description="The siting study whose sites are added (layout=recommended); default: the "
                                        "newest finished study of the area.")
    add: str | None = Field(None, description="Drawn stations as lon,lat;lon,lat (WGS-84).")
    keep: str = Field("1", description="Drawn layout: keep today's stations too (1) or not (0).")
    turnout: int = Field(0, ge=0, le=whatif.MAX_TURNOUT_S, description="Turnout seconds added to every road time.")


#: The rules of a replay JSON Schema cannot state (whatif.check): the period's end against its start and
#: its size, a layout that needs a finished siting study or drawn sites, a study that must exist.
REPLAY_RULES = refuses(
    end="on or after start, at most three years after it; a period of more than 20,000 incidents is queued "
        "(POST /whatif/runs)",
    layout="recommended: the area has a finished siting study",
    run="a siting study you can see",
    add=ADDED_SITES + "; at least one with layout=drawn")


def _replay_request(request: HttpRequest, query: ReplayQuery) -> Any:
    user = request_user(request)
    area = reports.resolve_area(user, query.area)
    # whatif.parse reads the page's form as well: the values as text, as a form sends them.
    data = {name: "" if value is None else (value.isoformat() if isinstance(value, datetime.date) else str(value))
            for name, value in query.dict().items()}
    return user, whatif.parse(user, area, data)


@router.get("/whatif", response={200: dict, 404: ErrorOut, 422: ErrorOut}, url_name="coverage_whatif",
            openapi_extra=REPLAY_RULES)
def whatif_replay(request: HttpRequest, query: Query[ReplayQuery]) -> Any:
    """Replay the area's incidents of a period against a station layout by road time: the predicted share
    within 3 and 5 minutes beside the recorded arrivals, per street and type; and the residents within
    a 15-minute walk of a shelter. Periods of more than 20,000 incidents are queued (POST /whatif/runs)."""
    user, req = _replay_request(request, query)
    rows = whatif.history(user, req)
    if len(rows) > whatif.MAX_SYNC_INCIDENTS:
        raise ValidationError({"end": _("%(n)s incidents: queue the replay as a background task.") % {
            "n": len(rows)}})
    return whatif.replay(user, req, rows=rows)


class ReplayRunOut(Schema):
    id: int
    area: str = Field(..., alias="jurisdiction.code")
    status: str
    start: datetime.date
    end: datetime.date
    layout: str
    turnout_s: int
    seconds: float
    error: str
    result: dict[str, Any]


@router.post("/whatif/runs", response={202: ReplayRunOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             url_name="coverage_whatif_runs", openapi_extra=REPLAY_RULES)
def whatif_queue(request: HttpRequest, query: Query[ReplayQuery]) -> Any:
    """Queue a replay of a large period as a task; read it back at /whatif/runs/{id}."""
    user, req = _replay_request(request, query)
    run = request_replay(actor=user, req=req)
    return Status(202, ReplayRun.objects.select_related("jurisdiction").get(pk=run.pk))


@router.get("/whatif/runs/{run_id}", response={200: ReplayRunOut, 404: ErrorOut}, url_name="coverage_whatif_run")
def whatif_run(request: HttpRequest, run_id: int) -> ReplayRun:
    return get_object_or_404(ReplayRun.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             pk=run_id)
