"""Assessments (and the command dashboard) at Futian scale.

    .venv/bin/python bench/assessments.py [--quick]

One function per figure; each returns a dict of figures, and main() merges them
into the last line's JSON object. The dashboard engineer adds theirs
(`dashboard_p99_ms`, `whatif_10k_s`) as further functions beside
`presets_year()` and lists them in FIGURES.

Sets up its own database (SQLite in a temporary directory; PostgreSQL when
BENCH_DATABASE_URL names one, which is dropped and recreated) and generates a
district of 10 streets and 92 communities with a year of ledgers: 240 stations
by type, 642 teams with 8,400 members (a tenth with a mistyped phone or ID
number), 300 warehouses with stock counts, 20,000 incidents with their 1-3-5
times, 20,000 hazards with deadlines, 40 warnings to 100,000 recipients, 3,000
incident reports up the chain, 500 plans.

- presets_year: the Futian scheme (quarterly work as the mean of four quarters +
  year-end) and the Pingshan 2024 scheme scored for the whole district for a
  year (`services.compute`: every street, ranked) — `presets_year_s`, target < 5 s;
  beside the naive baseline: each street's line computed by its own full
  computation, as a page that recomputes the ranking for every row would.
- dashboard_p99_ms: GET /api/v1/dashboard/data for a district commander, right after a ledger changed
  (the live figures and the attention list computed afresh, the charts from their own cache) — the
  figure; beside it the empty cache, the cached answer, and the naive key figures (one count per street
  and figure). The district gets stations up to 1,001, 10,000 risk points and 2,000 IoT devices more.
- whatif_10k_s: the replay of 10,000 incidents against 1,001 stations on a synthetic road network of
  the district's size (coverage.services.whatif.replay, with the 15-minute walking circle of 2,000
  demand cells by 100 shelters), beside the naive replay (one bounded search per station, folded with
  a minimum: routing.coverage.coverage_loop).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import emit, load_average, machine, parse_args, pct, say, start_django, stopwatch

DISTRICT_BBOX = (114.00, 22.50, 114.10, 22.58)
YEAR = 2025


def setup_environment(work: Path) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    start_django({"DATABASE_URL": url, "YINGJI_DATA_DIR": str(work), "YINGJI_ROAD_NETWORK": ""})
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def build_district(scale: float, rng: random.Random) -> dict[str, Any]:
    """The Futian-sized district with a year of generated ledgers (bulk inserts, no audit rows)."""
    from django.utils import timezone
    from shapely.geometry import box, mapping

    from yingji.duty.models import IncidentReport
    from yingji.hazards.models import Hazard
    from yingji.incidents.models import Incident
    from yingji.jurisdictions.models import Jurisdiction, Level
    from yingji.plans.models import Plan
    from yingji.resources.models import Member, Station, Team
    from yingji.supplies.models import StockCount, Warehouse
    from yingji.warnings.models import EarlyWarning, WarningRecipient

    def make(level: str, code: str, name: str, parent: Any, bounds: Any = None) -> Any:
        j = Jurisdiction(level=level, code=code, name=name, parent=parent)
        j.path = f"{parent.path if parent else '/'}{code}/"
        j.depth = j.path.count("/") - 2
        if bounds:
            j.boundary = json.loads(json.dumps(mapping(box(*bounds))))
            j.centroid_lon, j.centroid_lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        return j

    city = make(Level.CITY, "440300", "深圳市", None)
    district = make(Level.DISTRICT, "440304", "福田区", city, DISTRICT_BBOX)
    streets = [make(Level.STREET, f"440304{s:03d}000", f"街道{s}", district) for s in range(1, 11)]
    per_street = [9, 9, 9, 9, 9, 9, 9, 9, 10, 10]   # 92 communities
    communities = [make(Level.COMMUNITY, f"{st.code[:9]}{c:03d}", f"{st.name}社区{c}", st)
                   for st, n in zip(streets, per_street, strict=True) for c in range(1, n + 1)]
    for group in ([city], [district], streets, communities):
        Jurisdiction.objects.bulk_create(group)
    district = Jurisdiction.objects.get(level=Level.DISTRICT)
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY).order_by("path"))

    def when(day_of_year: float) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime(YEAR, 1, 1) + datetime.timedelta(days=day_of_year))

    def n(count: int) -> int:
        return max(1, int(count * scale))

    start = when(-30)
    kinds = ["community", "industrial_park", "street_front", "mall", "small", "micro_fire"]
    Station.objects.bulk_create([
        Station(jurisdiction=rng.choice(communities), code=f"ST{i:05d}", name=f"服务站{i}", kind=kinds[i % 6],
                lon=114.05, lat=22.54, address="福田路1号", phone="0755-83000000" if i % 7 else "0755-1")
        for i in range(n(240))], batch_size=2000)
    teams = Team.objects.bulk_create([
        Team(jurisdiction=rng.choice(communities), code=f"TM{i:05d}", name=f"队伍{i}", kind="community_rescue",
             contact_name="张队长", contact_phone="13900001111") for i in range(n(642))], batch_size=2000)
    Member.objects.bulk_create([
        Member(team=teams[i % len(teams)], name=f"队员{i}", phone=f"139{i:08d}" if i % 10 else "1390000",
               id_number="11010119900307663X" if i % 10 else "110101199003070000") for i in range(n(8400))],
        batch_size=5000)
    houses = Warehouse.objects.bulk_create([
        Warehouse(jurisdiction=rng.choice(communities), code=f"WH{i:05d}", name=f"仓库{i}", level="community",
                  lon=114.05, lat=22.54, keeper_name="仓管", phone="0755-83000001", address="福田路2号")
        for i in range(n(300))], batch_size=2000)
    StockCount.objects.bulk_create([
        StockCount(warehouse=h, number=f"PD{i:06d}-{q}", counted_at=when(rng.uniform(0, 364)))
        for i, h in enumerate(houses) for q in range(2)], batch_size=5000)
    incidents = []
    for _i in range(n(20000)):
        received = when(rng.uniform(0, 364))
        incidents.append(Incident(
            jurisdiction=rng.choice(communities), type_code="21100", channel="119", lon=114.05, lat=22.54,
            received_at=received, dispatched_at=received + datetime.timedelta(seconds=rng.uniform(10, 90)),
            arrived_at=received + datetime.timedelta(seconds=rng.uniform(60, 260)),
            handled_at=received + datetime.timedelta(seconds=rng.uniform(150, 400)), status="closed"))
    incidents = Incident.objects.bulk_create(incidents, batch_size=5000)
    hazards = []
    for i in range(n(20000)):
        deadline = when(rng.uniform(0, 364))
        closed = deadline + datetime.timedelta(days=rng.uniform(-10, 3))
        hazards.append(Hazard(jurisdiction=rng.choice(communities), reference=f"YH{i:08d}", title="隐患",
                              category="old_residential", severity="general", source="grid_worker",
                              status="closed", lon=114.05, lat=22.54, reported_at=deadline - datetime.timedelta(days=7),
                              deadline=deadline, closed_at=closed))
    Hazard.objects.bulk_create(hazards, batch_size=5000)
    warnings = EarlyWarning.objects.bulk_create([
        EarlyWarning(jurisdiction=district, identifier=f"w{i}", sender="bench", level="yellow", hazard="rainstorm",
                     state="released", released_at=when(i * 9), sent=when(i * 9)) for i in range(n(40))])
    recipients = []
    for w in warnings:
        for k in range(n(2500)):
            place = communities[k % len(communities)]
            recipients.append(WarningRecipient(warning=w, key=f"p{k}", group="grid_workers", jurisdiction=place,
                                               acknowledged_at=w.released_at if rng.random() < 0.8 else None))
    WarningRecipient.objects.bulk_create(recipients, batch_size=10000)
    IncidentReport.objects.bulk_create([
        IncidentReport(incident=inc, jurisdiction=inc.jurisdiction, kind="first", title="首报", body="…",
                       drafted_at=inc.received_at, due_at=inc.received_at + datetime.timedelta(minutes=30),
                       submitted_at=inc.received_at + datetime.timedelta(minutes=rng.uniform(5, 40)),
                       status="submitted") for inc in incidents[: n(3000)]], batch_size=5000)
    Plan.objects.bulk_create([
        Plan(jurisdiction=rng.choice(communities), title=f"预案{i}", kind="special",
             status="approved" if i % 5 else "draft", review_due=datetime.date(YEAR + (i % 3 != 0), 6, 30))
        for i in range(n(500))])
    for model in (Station, Team, Member, Warehouse, Plan):
        model.objects.update(created_at=start)
    return {"district": district}


def presets_year(context: dict[str, Any]) -> dict[str, Any]:
    """Both presets for the whole district for a year, beside the naive per-row recomputation."""
    from django.urls import reverse

    from yingji.assessments import services
    from yingji.assessments.models import PeriodKind, Scheme
    from yingji.assessments.presets import load_presets

    district = context["district"]
    load_presets(district)
    schemes = [Scheme.objects.get(code=f"futian-{district.code}"), Scheme.objects.get(code=f"pingshan-2024-{district.code}")]
    periods = [services.ensure_period(s, PeriodKind.YEAR, YEAR) for s in schemes]
    # A serving process has imported its URLs long before; the first reverse() would time that import.
    reverse("assessments:index")
    say(f"load average {load_average()}")
    with stopwatch() as ours:
        results = [services.compute(p) for p in periods]
    top = [(r[0].subject.name, r[0].total) for r in results]
    say(f"presets for a year ({len(results[0])} streets × 2 schemes): {ours[0]:.2f} s wall, {ours[1]:.2f} s CPU; "
        f"first: {top}")
    with stopwatch() as naive:
        for p in periods:
            for subject in services.subjects_of(p.scheme):
                services.compute(p, [subject])
    say(f"baseline (each street's line recomputed on its own): {naive[0]:.2f} s wall, {naive[1]:.2f} s CPU")
    return {"presets_year_s": round(ours[0], 3), "presets_year_cpu_s": round(ours[1], 3),
            "presets_year_baseline_s": round(naive[0], 3)}


def _point(rng: random.Random, bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    return rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3])


def dashboard_world(context: dict[str, Any]) -> dict[str, Any]:
    """What the dashboard and the replay add to the generated district (once): the commander, stations
    up to 1,001, risk points and IoT devices; the communities with their boxes."""
    if "commander" in context:
        return context
    from shapely.geometry import shape

    from yingji.accounts.models import Membership, User
    from yingji.accounts.roles import Role
    from yingji.hazards.models import RiskPoint
    from yingji.iot.models import Device
    from yingji.jurisdictions.models import Jurisdiction, Level
    from yingji.resources.models import Station

    rng = random.Random(5)
    district = context["district"]
    quick = context.get("scale", 1.0) < 1.0
    communities = [(j, tuple(shape(j.boundary).bounds) if j.boundary else DISTRICT_BBOX)
                   for j in Jurisdiction.objects.filter(level=Level.COMMUNITY, path__startswith=district.path)]
    commander = User.objects.create(username="dashboard-commander", display_name="指挥长")
    Membership.objects.create(user=commander, jurisdiction=district, role=Role.DISTRICT_ADMIN)
    stations = []
    for i in range(max(0, 1001 - Station.objects.count())):
        j, b = rng.choice(communities)
        lon, lat = _point(rng, b)
        stations.append(Station(jurisdiction=j, code=f"DST{i:05d}", name=f"服务站{i}", kind="community", lon=lon, lat=lat))
    Station.objects.bulk_create(stations, batch_size=2000)
    scale = 10 if quick else 1
    RiskPoint.objects.bulk_create([RiskPoint(jurisdiction=rng.choice(communities)[0], code=f"DR{i:06d}", name=f"风险点{i}",
                                             category="old_residential", grade=rng.choice(["red", "orange", "yellow", "blue"]),
                                             lon=114.05, lat=22.54) for i in range(10_000 // scale)], batch_size=2000)
    Device.objects.bulk_create([Device(jurisdiction=rng.choice(communities)[0], code=f"DD{i:06d}", kind="smoke",
                                       lon=114.05, lat=22.54, state=rng.choice(["normal"] * 8 + ["alarm", "fault"]))
                                for i in range(2_000 // scale)], batch_size=2000)
    context.update({"commander": commander, "communities": communities, "quick": quick})
    return context


def naive_key_figures(user: Any, area: Any, now: Any) -> dict[str, dict[str, int]]:
    """The baseline: one count per child area and figure (what a page would do without grouping)."""
    from yingji.dashboard import services
    from yingji.jurisdictions.models import Jurisdiction

    out: dict[str, dict[str, int]] = {}
    for child in Jurisdiction.objects.visible_to(user).filter(parent=area):
        out[child.code] = {k: qs.filter(**{f"{lookup}__startswith": child.path}).count()
                           for k, (qs, lookup) in services._figure_querysets(user, area, now).items()}
    return out


def dashboard_p99_ms(context: dict[str, Any]) -> dict[str, Any]:
    world = dashboard_world(context)
    quick = context["quick"]
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from yingji.dashboard import services

    client = Client()
    client.force_login(world["commander"])
    url = "/api/v1/dashboard/data"
    assert client.get(url).status_code == 200  # warm the process (imports, the first connection)
    say(f"== dashboard data, district of 10 streets (load {load_average()})")
    cold = []
    for _ in range(5 if quick else 15):
        cache.clear()
        start = time.perf_counter()
        answer = client.get(url)
        cold.append(time.perf_counter() - start)
        assert answer.status_code == 200
    changed = []  # a ledger changed (the generation bumped): figures and attention anew, charts cached
    for _ in range(10 if quick else 40):
        services.bump_generation()
        start = time.perf_counter()
        answer = client.get(url)
        changed.append(time.perf_counter() - start)
        assert answer.status_code == 200
    warm = []
    for _ in range(50 if quick else 300):
        start = time.perf_counter()
        client.get(url)
        warm.append(time.perf_counter() - start)
    now = timezone.now()
    with stopwatch() as t_ours:
        services.key_figures(world["commander"], world["district"],
                             list(world["district"].children.all()), now)
    with stopwatch() as t_naive:
        naive_key_figures(world["commander"], world["district"], now)
    say(f"  after a change (figures and attention anew): p50 {pct(changed, 50):.0f} ms, p99 {pct(changed, 99):.0f} ms"
        f"   (target < 300 ms)")
    say(f"  empty cache (charts too):  p50 {pct(cold, 50):.0f} ms, p99 {pct(cold, 99):.0f} ms")
    say(f"  cached:                    p50 {pct(warm, 50):.1f} ms, p99 {pct(warm, 99):.1f} ms")
    say(f"  key figures per street: grouped {t_ours[0] * 1000:.0f} ms   baseline one count per street and figure "
        f"{t_naive[0] * 1000:.0f} ms")
    return {"dashboard_p99_ms": round(pct(changed, 99), 1), "dashboard_p50_ms": round(pct(changed, 50), 1),
            "dashboard_empty_cache_p99_ms": round(pct(cold, 99), 1),
            "dashboard_cached_p99_ms": round(pct(warm, 99), 2),
            "dashboard_key_figures_ms": round(t_ours[0] * 1000, 1),
            "dashboard_key_figures_baseline_ms": round(t_naive[0] * 1000, 1)}


def whatif_10k_s(context: dict[str, Any]) -> dict[str, Any]:
    world = dashboard_world(context)
    quick = context["quick"]
    import h3
    import numpy as np

    from yingji.core import travel
    from yingji.coverage.models import DemandCell
    from yingji.coverage.services import whatif
    from yingji.resources.models import Facility, Station
    from yingji.routing import TravelTimeEngine
    from yingji.routing.coverage import coverage_loop
    from yingji.routing.synthetic import synthetic_city

    rng = random.Random(7)
    net = synthetic_city(6_000 if quick else 20_000, seed=3, center=(114.05, 22.54))
    eng = TravelTimeEngine(net)
    travel.use_engine(eng)
    bbox = net.bbox
    communities = world["communities"]
    cells, seen = [], set()
    while len(cells) < 2_000:
        lon, lat = _point(rng, DISTRICT_BBOX)
        cell = h3.latlng_to_cell(lat, lon, 10)
        if cell in seen:
            continue
        seen.add(cell)
        j = next((c for c, b in communities if b[0] <= lon <= b[2] and b[1] <= lat <= b[3]), communities[0][0])
        cells.append(DemandCell(jurisdiction=j, h3=cell, resolution=10, lon=lon, lat=lat, population=rng.randint(50, 900)))
    DemandCell.objects.bulk_create(cells, batch_size=2000)
    Facility.objects.bulk_create([Facility(jurisdiction=communities[i % len(communities)][0], code=f"SH{i:04d}",
                                           name=f"避难场所{i}", kind="shelter", status="in_service",
                                           lon=_point(rng, DISTRICT_BBOX)[0], lat=_point(rng, DISTRICT_BBOX)[1])
                                  for i in range(100)])
    n = 2_000 if quick else 10_000
    rows = []
    for _ in range(n):
        j, b = rng.choice(communities)
        lon, lat = _point(rng, b)
        rows.append((lon, lat, j.path, "21100", "火灾", float(rng.randint(60, 900))))
    req = whatif.Request(world["district"], datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    say(f"== what-if replay: {n:,} incidents, {Station.objects.count():,} stations, network of {net.n_nodes:,} "
        f"junctions, bbox {tuple(round(v, 3) for v in bbox)} (load {load_average()})")
    with stopwatch() as first:
        whatif.replay(world["commander"], req, engine=eng, rows=rows)
    times = []
    for _ in range(3):
        with stopwatch() as t:
            result = whatif.replay(world["commander"], req, engine=eng, rows=rows)
        times.append(t[0])
    stations = whatif.layout_xy(world["commander"], req)
    points = np.array([(r[0], r[1]) for r in rows])
    with stopwatch() as naive:
        coverage_loop(eng, stations, points, limit_s=300.0)
    ours = min(times)
    say(f"  replay (warm engines): {ours:.2f} s   first call, building the walking graph: {first[0]:.2f} s   "
        f"(target < 3 s)")
    say(f"  baseline, one bounded search per station: {naive[0]:.2f} s")
    say(f"  predicted within 3 / 5 min: {result['totals']['predicted_3_pct']} % / {result['totals']['predicted_5_pct']} %"
        f"; residents within a 15-minute walk of a shelter: {result['walking']['pct']} %")
    return {"whatif_10k_s": round(ours, 3), "whatif_10k_first_s": round(first[0], 3),
            "whatif_10k_baseline_s": round(naive[0], 3)}


# The figures, in order; each takes the shared context (the generated district).
FIGURES = [presets_year, dashboard_p99_ms, whatif_10k_s]


def main() -> None:
    args = parse_args(__doc__ or "")
    scale = 0.1 if args.quick else 1.0
    with tempfile.TemporaryDirectory() as tmp:
        engine = setup_environment(Path(tmp))
        say(f"assessments bench on {engine}; {machine()}")
        with stopwatch() as built:
            context = build_district(scale, random.Random(18))
        context["scale"] = scale
        say(f"generated the district in {built[0]:.1f} s")
        result: dict[str, Any] = {"database": engine, "scale": scale}
        for figure in FIGURES:
            result.update(figure(context))
        emit(result)


if __name__ == "__main__":
    main()
