"""Dispatch at the scale of Shenzhen: candidate ranking, intake throughput, one-click fan-out.

    .venv/bin/python bench/dispatch.py [--quick] [--server gunicorn|gthread|uvicorn|daphne] [--workers N]

Creates a PostgreSQL database (BENCH_PG_DSN, default the local server's
socket as user postgres) holding 1,001 stations, 10,000 teams and one district
of 642 teams with 8,400 members with accounts, on a 200,000-junction synthetic
road network, and serves it as production would: DEBUG off, persistent
database connections, Redis for the cache and the channel layer (a private
redis-server on a Unix socket when one is installed), the API served by
several worker processes (gunicorn sync workers on the WSGI application by
default) that build their dispatch indexes when they start. Measures:

- candidate ranking in the service (dispatch.recommend: scoped, specialty,
  exact k-nearest by road) and through the API (GET /candidates), over 600
  incidents after a warm-up, beside the naive baseline: one travel-time query
  per available team (measured on a sample of teams, extrapolated to all of
  them) and one full reverse Dijkstra plus a sort;
- intake: incidents per second POSTed to the API by client processes (a few
  keep-alive connections each), each with its own idempotency key; any answer
  but 201 is an error;
- one-click fan-out: activation of every team of the district, and the time
  from the start of queueing its members' call-outs to the moment the last
  delivery task is queued after the commit (messaging's Delivery rows durably
  written, a message per team; the delivery tasks share them).

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _common import database_url, machine, pct, say, stopwatch

ROOT = Path(__file__).resolve().parents[1]
PG_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@/postgres?host=/var/run/postgresql")
DB_NAME = os.environ.get("BENCH_DB_NAME", "yingji_bench_dispatch")  # another name when benches run side by side


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for smoke runs")
    parser.add_argument("--server", choices=sorted(SERVERS), default="gunicorn", help="what serves the API")
    parser.add_argument("--workers", type=int, default=6, help="server worker processes")
    parser.add_argument("--clients", type=int, default=2, help="intake client processes")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections per client process")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the intake run")
    parser.add_argument("--batch", type=int, default=20, help="calls per request in the batch intake run (0: skip)")
    parser.add_argument("--no-redis", action="store_true", help="in-process cache and channel layer")
    return parser.parse_args()


def setup_environment(quick: bool, use_redis: bool) -> tuple[Path, subprocess.Popen | None]:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    work = Path(tempfile.mkdtemp(prefix="yingji-bench-dispatch-"))
    redis = None
    env = {
        "DATABASE_URL": database_url(PG_DSN, DB_NAME),
        "DATABASE_CONN_MAX_AGE": "600",
        "DEBUG": "false",
        "YINGJI_DATA_DIR": str(work),
        "YINGJI_ROAD_NETWORK": str(work / "roads.npz"),
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "yingji.settings",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "YINGJI_PUBLIC_RATE_PER_MINUTE": "1000000",
    }
    if use_redis and shutil.which("redis-server"):
        sock = work / "redis.sock"
        redis = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        env["REDIS_URL"] = f"unix://{sock}"
    os.environ.update(env)
    return work, redis


def build_world(quick: bool, work: Path) -> dict:
    import numpy as np
    from django.contrib.auth.hashers import make_password
    from shapely.geometry import box, mapping

    from yingji.accounts.models import ApiToken, Membership, User
    from yingji.jurisdictions.models import Jurisdiction, Level
    from yingji.resources.models import Member, Station, Team
    from yingji.routing import synthetic_city

    n_nodes, n_stations, n_teams = (20_000, 200, 2_000) if quick else (200_000, 1_001, 10_000)
    district_teams, district_members = (100, 1_300) if quick else (642, 8_400)
    with stopwatch() as t:
        net = synthetic_city(n_nodes, seed=7)
        net.save(work / "roads.npz")
    say(f"road network: {net.n_nodes:,} junctions in {t[0]:.1f} s")
    rng = np.random.default_rng(11)
    west, south, east, north = net.bbox

    def geo(b):  # type: ignore[no-untyped-def]
        return {"type": "Polygon", "coordinates": [[list(p) for p in mapping(box(*b))["coordinates"][0]]]}

    city = Jurisdiction(level=Level.CITY, code="440300", name="深圳市", boundary=geo(net.bbox))
    city.save()
    districts, streets = [], []
    cols, rows = 5, 2
    for i in range(cols * rows):
        cx, cy = i % cols, i // cols
        b = (
            west + (east - west) * cx / cols,
            south + (north - south) * cy / rows,
            west + (east - west) * (cx + 1) / cols,
            south + (north - south) * (cy + 1) / rows,
        )
        d = Jurisdiction(
            level=Level.DISTRICT, code=f"4403{i + 1:02d}", name=f"区{i + 1}", parent=city, boundary=geo(b)
        )
        d.save()
        districts.append((d, b))
        for s in range(4):  # four streets per district, as vertical strips
            sb = (b[0] + (b[2] - b[0]) * s / 4, b[1], b[0] + (b[2] - b[0]) * (s + 1) / 4, b[3])
            street = Jurisdiction(
                level=Level.STREET,
                code=f"4403{i + 1:02d}{s + 1:03d}000",
                name=f"街道{i + 1}-{s + 1}",
                parent=d,
                boundary=geo(sb),
                centroid_lon=(sb[0] + sb[2]) / 2,
                centroid_lat=(sb[1] + sb[3]) / 2,
            )
            street.save()
            streets.append((street, sb))

    def street_of(lon: float, lat: float):  # type: ignore[no-untyped-def]
        for street, sb in streets:
            if sb[0] <= lon <= sb[2] and sb[1] <= lat <= sb[3]:
                return street
        return streets[0][0]

    nodes = rng.choice(net.n_nodes, size=n_stations, replace=False)
    stations = [
        Station(
            jurisdiction=street_of(net.lon[n], net.lat[n]),
            code=f"ST{i:05d}",
            name=f"服务站{i}",
            kind="community",
            lon=float(net.lon[n]),
            lat=float(net.lat[n]),
        )
        for i, n in enumerate(nodes)
    ]
    Station.objects.bulk_create(stations, batch_size=2000)
    d0, d0_box = districts[0]
    in_d0 = [s for s in stations if s.jurisdiction.path.startswith(d0.path)]
    specialties = [
        ["fire", "general"],
        ["fire"],
        ["general"],
        ["water_rescue"],
        ["medical", "general"],
        ["elevator"],
    ]
    teams = []
    for i in range(n_teams):
        home = in_d0[i % len(in_d0)] if i < district_teams else stations[int(rng.integers(len(stations)))]
        teams.append(
            Team(
                jurisdiction=home.jurisdiction,
                station=home,
                code=f"T{i:06d}",
                name=f"队{i}",
                kind="station_team",
                specialties=specialties[i % len(specialties)],
                lon=home.lon + float(rng.normal(0, 0.001)),
                lat=home.lat + float(rng.normal(0, 0.001)),
            )
        )
    Team.objects.bulk_create(teams, batch_size=2000)
    password = make_password("bench-password-1")
    users = User.objects.bulk_create(
        [User(username=f"m{i:05d}", password=password) for i in range(district_members)], batch_size=2000
    )
    per_team = district_members // district_teams
    Member.objects.bulk_create(
        [
            Member(team=teams[min(i // per_team, district_teams - 1)], name=f"队员{i}", user=u, on_duty=True)
            for i, u in enumerate(users)
        ],
        batch_size=2000,
    )
    commander = User.objects.create(username="commander", display_name="指挥长")
    Membership.objects.create(user=commander, jurisdiction=city, role="district_admin")
    _token, raw = ApiToken.issue(commander, "bench")
    say(
        f"world: {len(streets)} streets, {n_stations:,} stations, {n_teams:,} teams, "
        f"{district_teams} teams with {district_members:,} members in {d0.name}"
    )
    return {
        "net": net,
        "commander": commander,
        "token": raw,
        "district": d0,
        "district_box": d0_box,
        "district_teams": [t.pk for t in teams[:district_teams]],
        "district_members": district_members,
    }


def random_points(net, n: int, seed: int):  # type: ignore[no-untyped-def]
    import numpy as np

    idx = np.random.default_rng(seed).choice(net.n_nodes, size=n, replace=False)
    return [(float(net.lon[i]), float(net.lat[i])) for i in idx]


def analyze() -> None:
    """Planner statistics for the bulk-created tables, as autovacuum would gather them in a live system."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_ranking(world: dict, quick: bool) -> dict:
    import numpy as np

    from yingji.core import travel
    from yingji.incidents.services import dispatch as dispatching
    from yingji.incidents.services.intake import report_incident
    from yingji.incidents.services.ranking import team_index
    from yingji.resources.models import Team

    engine = travel.engine()
    time.sleep(3)  # the world was just bulk-created; measure the steady state, not its first sync
    with stopwatch() as t:
        team_index.refresh()
    say(f"team index: {len(team_index.ids):,} teams snapped in {t[0] * 1000:.0f} ms (once per process)")
    commander = world["commander"]
    n = 120 if quick else 600
    incidents = [
        report_incident(actor=commander, type_code="21100", channel="119", lon=lon, lat=lat)[0]
        for lon, lat in random_points(world["net"], n + 50, 1)
    ]
    for incident in incidents[:50]:  # warm-up: caches, the first syncs
        dispatching.recommend(incident, user=commander)
    samples = []
    for incident in incidents[50:]:
        with stopwatch() as t:
            ranked = dispatching.recommend(incident, user=commander)
        samples.append(t[0])
        assert len(ranked) == 10
    service = {"rank_service_p50_ms": pct(samples, 50), "rank_service_p99_ms": pct(samples, 99)}
    say(
        f"rank (service): p50 {service['rank_service_p50_ms']:.2f} ms, p99 {service['rank_service_p99_ms']:.2f} ms "
        f"over {len(samples)} incidents, k=10 of {len(team_index.ids):,} teams"
    )
    # Naive: one point-to-point query per available fire team, timed on a sample and scaled up.
    teams = list(Team.objects.filter(status="available").values_list("lon", "lat", "specialties"))
    fire = [(lon, lat) for lon, lat, s in teams if "fire" in s]
    naive = []
    sample = 10 if quick else 20
    for incident in incidents[:5]:
        with stopwatch() as t:
            for lon, lat in fire[:sample]:
                engine.travel_time((lon, lat), (incident.lon, incident.lat))
        naive.append(t[0] / sample * len(fire))
    full = []
    for incident in incidents[:10]:
        with stopwatch() as t:
            times = engine.travel_times_from(incident.lon, incident.lat, reverse=True).seconds
            points = engine.prepare(np.array(fire))
            exits = np.where(points.out_node >= 0, times[np.maximum(points.out_node, 0)], np.inf)
            order = np.argsort((exits + points.out_s).min(axis=1))[:10]
        full.append(t[0])
        assert len(order) == 10
    out = {**service, "naive_p99_ms": pct(naive, 99), "naive_full_dijkstra_p99_ms": pct(full, 99)}
    say(
        f"naive baseline: one query per team ({len(fire):,} fire teams, timed on {sample} and scaled) "
        f"p99 {out['naive_p99_ms']:.0f} ms; one full Dijkstra + sort p99 {out['naive_full_dijkstra_p99_ms']:.0f} ms"
    )
    world["incident_ids"] = [i.pk for i in incidents]
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(kind: str) -> object:
    def command(port: int, workers: int) -> list[str]:
        threads = ["--threads", "4"] if kind == "gthread" else []
        return [sys.executable, "-m", "gunicorn", "yingji.incidents.wsgi:application", "--workers", str(workers),
                "--worker-class", kind, *threads, "--bind", f"127.0.0.1:{port}", "--backlog", "2048",
                "--log-level", "warning", "--timeout", "120"]

    return command


def _uvicorn(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "yingji.incidents.asgi:application", "--workers", str(workers),
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
            "--loop", "uvloop", "--http", "httptools", "--backlog", "2048"]


def _daphne(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "yingji.incidents.asgi:application"]


# Each entry: how to start one server on a port with `workers` processes, and whether it runs them itself.
SERVERS = {
    "gunicorn": (_gunicorn("sync"), True),
    "gthread": (_gunicorn("gthread"), True),
    "uvicorn": (_uvicorn, True),
    "daphne": (_daphne, False),  # one process per port
}


def _cpu_ticks(root: int) -> int:
    """CPU time so far of a process and its children (from /proc), in clock ticks."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == root or int(fields[1]) == root:
            total += int(fields[11]) + int(fields[12])
    return total


def start_servers(kind: str, workers: int) -> tuple[list[subprocess.Popen], list[int]]:
    command, multi = SERVERS[kind]
    procs, ports = [], []
    for _ in range(1 if multi else workers):
        port = free_port()
        procs.append(subprocess.Popen(command(port, workers), cwd=ROOT, stdout=subprocess.DEVNULL,  # type: ignore[operator]
                                      stderr=subprocess.DEVNULL))
        ports.append(port)
    for port in ports:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
    # Every worker loads the road network and builds its indexes as it starts: wait until they are all quiet.
    for _ in range(120):
        before = sum(_cpu_ticks(p.pid) for p in procs)
        time.sleep(1.0)
        if sum(_cpu_ticks(p.pid) for p in procs) - before < 5:
            break
    return procs, ports


def bench_api_ranking(world: dict, ports: list[int], quick: bool, server: str) -> dict:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=30)
    headers = {"Authorization": f"Bearer {world['token']}"}
    samples = []
    ids = world["incident_ids"]
    for i, pk in enumerate(ids):
        with stopwatch() as t:
            conn.request("GET", f"/api/v1/incidents/{pk}/candidates", headers=headers)
            response = conn.getresponse()
            body = response.read()
        assert response.status == 200, body[:200]
        assert len(json.loads(body)["candidates"]) == 10
        if i >= 50:  # the first requests warm the connections
            samples.append(t[0])
    out = {"rank_api_p50_ms": pct(samples, 50), "rank_api_p99_ms": pct(samples, 99)}
    say(
        f"rank (API, {server}): p50 {out['rank_api_p50_ms']:.2f} ms, p99 {out['rank_api_p99_ms']:.2f} ms "
        f"over {len(samples)} requests"
    )
    return out


def _intake_client(args: tuple) -> tuple[int, int, float, list[str]]:
    """One client process: `connections` threads POSTing calls (one per request, or `batch` per request)."""
    import http.client
    import random

    port, token, seconds, seed, box_, connections, run_id, batch = args
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    lock = threading.Lock()
    totals = {"ok": 0, "errors": 0}
    problems: list[str] = []
    start = time.perf_counter()

    def one_call(rng: random.Random, thread: int, n: int) -> dict:
        return {
            "type_code": rng.choice(["21100", "91200", "91100", "33100"]),
            "channel": "119",
            "lon": rng.uniform(box_[0], box_[2]),
            "lat": rng.uniform(box_[1], box_[3]),
            "address": "压测地址",
            "idempotency_key": f"bench-{run_id}-{seed}-{thread}-{n}",
        }

    def run(thread: int) -> None:
        rng = random.Random(seed * 1000 + thread)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = errors = n = 0
        while time.perf_counter() - start < seconds:
            if batch:
                calls = []
                for _ in range(batch):
                    n += 1
                    calls.append(one_call(rng, thread, n))
                url, body = "/api/v1/incidents/batch", json.dumps({"incidents": calls})
            else:
                n += 1
                url, body = "/api/v1/incidents/", json.dumps(one_call(rng, thread, n))
            try:
                conn.request("POST", url, body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                if batch and response.status == 200:
                    created = json.loads(answer)["created"]
                    ok += created
                    errors += batch - created
                    if created != batch and len(problems) < 5:
                        problems.append(f"batch: {answer[:300]!r}")
                elif not batch and response.status == 201:
                    ok += 1
                else:
                    errors += batch or 1
                    if len(problems) < 5:
                        problems.append(f"{response.status} {answer[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                errors += batch or 1
                if len(problems) < 5:
                    problems.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with lock:
            totals["ok"] += ok
            totals["errors"] += errors

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return totals["ok"], totals["errors"], time.perf_counter() - start, problems


def bench_intake(world: dict, ports: list[int], args: argparse.Namespace, batch: int = 0) -> dict:
    seconds = 5.0 if args.quick else args.seconds
    jobs = [
        (ports[i % len(ports)], world["token"], seconds, i, world["district_box"], args.connections, time.time_ns(),
         batch)
        for i in range(args.clients)
    ]
    with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
        results = pool.map(_intake_client, jobs)
    ok, errors = sum(r[0] for r in results), sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)
    problems = [p for r in results for p in r[3]]
    prefix = "intake_batch" if batch else "intake"
    out = {f"{prefix}_per_s": ok / elapsed, f"{prefix}_errors": errors, f"{prefix}_total": ok}
    how = f"POST /incidents/batch, {batch} calls a request" if batch else "POST /incidents/, one call a request"
    say(
        f"intake ({how}; {args.server} with {args.workers} workers, {args.clients} client processes × "
        f"{args.connections} keep-alive connections, PostgreSQL): {ok / elapsed:.0f} incidents/s, "
        f"{errors} errors, {ok:,} incidents in {elapsed:.1f} s"
    )
    for problem in problems[:5]:
        say(f"  error: {problem}")
    return out


def bench_fanout(world: dict) -> dict:
    from django_tasks_db.models import DBTaskResult

    from yingji.incidents.services import dispatch as dispatching
    from yingji.incidents.services import notify
    from yingji.incidents.services.intake import report_incident
    from yingji.messaging import services as messaging
    from yingji.messaging.models import Delivery
    from yingji.resources.models import Team

    lon = (world["district_box"][0] + world["district_box"][2]) / 2
    lat = (world["district_box"][1] + world["district_box"][3]) / 2
    incident, _ = report_incident(
        actor=world["commander"], type_code="13100", channel="119", lon=lon, lat=lat
    )
    Team.objects.filter(pk__in=world["district_teams"]).update(status="available")
    tasks_before = DBTaskResult.objects.count()
    marks: dict[str, float] = {}
    original_queue, original_enqueue = notify.queue_callouts, messaging.enqueue

    def timed_queue(*args, **kwargs):  # type: ignore[no-untyped-def]
        marks.setdefault("queue_start", time.perf_counter())
        result = original_queue(*args, **kwargs)
        marks["queue_end"] = time.perf_counter()
        return result

    def timed_enqueue(ids, count):  # type: ignore[no-untyped-def]
        original_enqueue(ids, count)
        marks["enqueued"] = time.perf_counter()  # after the commit: the rows are durable, the tasks queued

    notify.queue_callouts, messaging.enqueue = timed_queue, timed_enqueue
    try:
        with stopwatch() as t:
            dispatches = dispatching.dispatch_teams(
                incident, world["district_teams"], actor=world["commander"]
            )
    finally:
        notify.queue_callouts, messaging.enqueue = original_queue, original_enqueue
    queued = Delivery.objects.filter(message__subject_id=incident.pk, message__event="callout",
                                     channel="in_app").count()
    tasks = DBTaskResult.objects.count() - tasks_before
    assert queued == world["district_members"], queued
    out = {
        "fanout_8400_s": marks["enqueued"] - marks["queue_start"],
        "fanout_rows_s": marks["queue_end"] - marks["queue_start"],
        "activation_all_teams_s": t[0],
        "fanout_notifications": queued,
        "fanout_delivery_tasks": tasks,
    }
    say(
        f"one-click fan-out: {len(dispatches)} teams called in {t[0]:.2f} s (click to committed); "
        f"{queued:,} member call-outs durably queued in {out['fanout_8400_s']:.2f} s "
        f"(rows written in {out['fanout_rows_s']:.2f} s, then commit and {tasks} delivery tasks)"
    )
    return out


def main() -> None:
    args = parse_args()
    say(f"bench/dispatch.py — {machine()}; load average {os.getloadavg()[0]:.1f}")
    work, redis = setup_environment(args.quick, not args.no_redis)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    say(f"serving: {args.server}, {args.workers} workers; cache and channel layer: "
        f"{'Redis' if settings.REDIS_URL else 'in-process'}; DEBUG {settings.DEBUG}")
    try:
        call_command("migrate", verbosity=0)
        world = build_world(args.quick, work)
        analyze()
        figures: dict = {}
        figures.update(bench_ranking(world, args.quick))
        # Before the intake runs: their tens of thousands of new rows leave PostgreSQL writing and
        # checkpointing for a while, which the fan-out's commit would wait behind.
        figures.update(bench_fanout(world))
        procs, ports = start_servers(args.server, args.workers)
        try:
            figures.update(bench_api_ranking(world, ports, args.quick, args.server))
            figures.update(bench_intake(world, ports, args))
            if args.batch:
                figures.update(bench_intake(world, ports, args, batch=args.batch))
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(30)
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(10)
    figures["server"] = args.server
    figures["workers"] = args.workers
    figures["quick"] = bool(args.quick)
    figures["load_average"] = round(os.getloadavg()[0], 1)
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
