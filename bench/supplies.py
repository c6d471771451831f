"""Nearest-stock search of the supplies one map at city scale.

    .venv/bin/python bench/supplies.py [--quick]

Sets up its own SQLite database in a temporary directory (DATABASE_URL is set
before django.setup()), migrates it, and generates a city of 1,000 warehouses
holding the 189 materials of the shipped catalogue (each warehouse holds a
material with probability 0.6, log-normal quantities, median 20) on a
100,000-junction synthetic road network stretched over 30 km x 30 km (the
core of Shenzhen), saved as the configured YINGJI_ROAD_NETWORK: 1.1
warehouses per km², Futian's density (103 warehouses on 79 km²). Then
measures, on random points of the network, random materials typed by name and
quantities of 1 to 50:

- the service: `search_stock(user, point=…, term=name, quantity=q)` with a warm
  in-memory index (one bounded reverse travel-time query plus array lookups);
- the API: GET /api/v1/supplies/search through Django's test Client with a
  bearer token (routing, middleware, authentication, scope, JSON);
- the naive baseline: query every warehouse holding enough of the material,
  then one travel-time query per warehouse, then sort.

It then grows the city to 10,000 warehouses (10x) and measures the service and
the API again, with the index rebuild time. Latencies are wall-clock per
request; the thread's CPU time per request is printed beside them, with the
load average, because a shared machine inflates the wall-clock tail. The last
line is one JSON object.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

from _common import emit, machine, parse_args, pct, say, start_django, stopwatch

QUANTITIES = (1, 1, 2, 5, 10, 20, 50)
# 30 km x 30 km around Futian: 100,000 junctions make ~95 m blocks.
CITY_BBOX = (113.905, 22.470, 114.197, 22.740)


def setup_environment(work: Path) -> None:
    start_django({"DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}", "YINGJI_DATA_DIR": str(work),
                  "YINGJI_ROAD_NETWORK": str(work / "roads.npz")})


def build_tree():  # type: ignore[no-untyped-def]
    from yingji.jurisdictions.models import Jurisdiction, Level

    def make(level: str, code: str, name: str, parent: Jurisdiction | None) -> Jurisdiction:
        j = Jurisdiction(level=level, code=code, name=name, parent=parent)
        j.path = f"{parent.path if parent else '/'}{code}/"
        j.depth = j.path.count("/") - 2
        return j

    city = make(Level.CITY, "440300", "深圳市", None)
    district = make(Level.DISTRICT, "440304", "福田区", city)
    streets = [make(Level.STREET, f"440304{s:03d}000", f"街道{s}", district) for s in range(1, 11)]
    communities = [
        make(Level.COMMUNITY, f"{st.code[:9]}{c:03d}", f"{st.name}社区{c}", st)
        for st in streets
        for c in range(1, 11)
    ]
    for group in ([city], [district], streets, communities):
        Jurisdiction.objects.bulk_create(group)
    return district, communities


def add_warehouses(net, communities, start: int, count: int, materials, rng: random.Random) -> int:  # type: ignore[no-untyped-def]
    """`count` warehouses at random junctions (±30 m) and their balances; returns the balance rows written."""
    from django.db import connection, transaction
    from django.utils import timezone

    from yingji.supplies.demo import insert_rows
    from yingji.supplies.models import StockBalance, Warehouse, WarehouseLevel

    nodes = [rng.randrange(net.n_nodes) for _ in range(count)]
    d = 30 / 111_000
    warehouses = [
        Warehouse(
            jurisdiction=communities[(start + i) % len(communities)],
            code=f"WH{start + i:06d}",
            name=f"仓库{start + i}",
            level=WarehouseLevel.COMMUNITY,
            keeper_name="仓管员",
            phone="0755-83000000",
            lon=float(net.lon[n]) + rng.uniform(-d, d),
            lat=float(net.lat[n]) + rng.uniform(-d, d),
        )
        for i, n in enumerate(nodes)
    ]
    Warehouse.objects.bulk_create(warehouses, batch_size=1000)
    now = timezone.now()
    rows = [
        (w.pk, m.pk, max(1, int(rng.lognormvariate(3.0, 1.0))), 0, now)
        for w in warehouses
        for m in materials
        if rng.random() < 0.6
    ]
    with connection.cursor() as cursor:  # a throw-away database: no need to wait for the disk
        cursor.execute("PRAGMA synchronous=OFF")
    with transaction.atomic():
        for start_row in range(0, len(rows), 50_000):
            insert_rows(
                StockBalance,
                ["warehouse", "material", "quantity", "reserved", "updated_at"],
                rows[start_row : start_row + 50_000],
            )
    return len(rows)


def queries(net, materials, n: int, rng: random.Random) -> list[tuple[tuple[float, float], str, int, int]]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        node = rng.randrange(net.n_nodes)
        material = rng.choice(materials)
        out.append(
            ((float(net.lon[node]), float(net.lat[node])), material.name, material.pk, rng.choice(QUANTITIES))
        )
    return out


CPU: dict[str, list[float]] = {}


def time_service(user, cases, label: str = "") -> list[float]:  # type: ignore[no-untyped-def]
    from yingji.supplies.services import search_stock

    samples, cpu = [], []
    for point, name, _pk, quantity in cases:
        start, start_cpu = time.perf_counter(), time.thread_time()
        search_stock(user, point=point, term=name, quantity=quantity)
        samples.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    CPU[label] = cpu
    return samples


def time_api(client, cases, label: str = "") -> list[float]:  # type: ignore[no-untyped-def]
    samples, cpu = [], []
    for point, name, _pk, quantity in cases:
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.get(
            "/api/v1/supplies/search", {"q": name, "quantity": quantity, "lon": point[0], "lat": point[1]}
        )
        samples.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
        assert response.status_code == 200, response.content[:300]
    CPU[label] = cpu
    return samples


def line(label: str, samples: list[float], note: str = "") -> None:
    cpu = CPU.get(label)
    extra = f"   CPU p50 {pct(cpu, 50):6.2f} p99 {pct(cpu, 99):6.2f} ms" if cpu else ""
    say(f"{label:<12} p50 {pct(samples, 50):8.2f} ms   p99 {pct(samples, 99):8.2f} ms{extra}   {note}")


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    n_nodes, n_warehouses = (20_000, 200) if args.quick else (100_000, 1_000)
    n_service, n_api, n_naive = (100, 50, 3) if args.quick else (1_000, 500, 8)
    work = Path(tempfile.mkdtemp(prefix="yingji-bench-supplies-"))
    setup_environment(work)

    from django.test import Client

    from yingji.accounts.models import ApiToken, Membership, User
    from yingji.accounts.roles import Role
    from yingji.core import travel
    from yingji.routing import synthetic_city
    from yingji.supplies.demo import load_catalogue
    from yingji.supplies.models import Material
    from yingji.supplies.services import search as search_module
    from yingji.supplies.services.search import naive_search

    say(f"supplies search bench — {machine()}")
    rng = random.Random(2026)
    with stopwatch() as t:
        net = synthetic_city(n_nodes, seed=11, bbox=CITY_BBOX)
        net.save(work / "roads.npz")
    say(f"road network: {net.n_nodes:,} junctions, {net.n_edges:,} edges in {t[0]:.1f} s")
    district, communities = build_tree()
    materials = Material.objects.bulk_create(
        [Material(jurisdiction=district, **row) for row in load_catalogue()]
    )
    user = User.objects.create(username="district", display_name="区指挥长")
    Membership.objects.create(user=user, jurisdiction=district, role=Role.DISTRICT_ADMIN)
    _token, raw = ApiToken.issue(user, "bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with stopwatch() as t:
        balances = add_warehouses(net, communities, 0, n_warehouses, materials, rng)
    say(
        f"city: {n_warehouses:,} warehouses × {len(materials)} materials, {balances:,} balances in {t[0]:.1f} s"
    )

    engine = travel.engine()
    assert not engine.estimated, "the bench must run on the road network"
    with stopwatch() as t:
        search_module.reset_index()
        search_module.get_index()
    build_1x = t[0]
    say(f"index build (cold): {build_1x * 1000:.0f} ms")
    time_service(user, queries(net, materials, 20, rng))  # warm-up
    service = time_service(user, queries(net, materials, n_service, rng), "service")
    time_api(client, queries(net, materials, 20, rng))
    api = time_api(client, queries(net, materials, n_api, rng), "API")
    naive = []
    for point, _name, pk, quantity in queries(net, materials, n_naive, rng):
        start = time.perf_counter()
        naive_search(user, point=point, material_id=pk, quantity=quantity, engine=engine)
        naive.append(time.perf_counter() - start)
    say(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    line("service", service, f"({n_service} searches)")
    line("API", api, f"({n_api} requests)")
    line("naive", naive, f"({n_naive} searches: a query, then one travel-time query per holder)")
    say(
        f"speed-up over naive at p99: service {pct(naive, 99) / pct(service, 99):,.0f}x, "
        f"API {pct(naive, 99) / pct(api, 99):,.0f}x"
    )

    with stopwatch() as t:
        balances_10x = add_warehouses(net, communities, n_warehouses, 9 * n_warehouses, materials, rng)
    say(f"10x city: {10 * n_warehouses:,} warehouses, {balances + balances_10x:,} balances ({t[0]:.1f} s)")
    with stopwatch() as t:
        search_module.reset_index()
        search_module.get_index()
    build_10x = t[0]
    say(f"index build (cold, 10x): {build_10x * 1000:.0f} ms")
    time_service(user, queries(net, materials, 20, rng))
    service_10x = time_service(user, queries(net, materials, n_service, rng), "service 10x")
    api_10x = time_api(client, queries(net, materials, n_api, rng), "API 10x")
    say(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    line("service 10x", service_10x)
    line("API 10x", api_10x)
    emit(
        {
            "bench": "supplies",
            "machine": machine(),
            "road_nodes": net.n_nodes,
            "warehouses": n_warehouses,
            "materials": len(materials),
            "balances": balances,
            "service_p50_ms": round(pct(service, 50), 3),
            "service_p99_ms": round(pct(service, 99), 3),
            "api_p50_ms": round(pct(api, 50), 3),
            "api_p99_ms": round(pct(api, 99), 3),
            "naive_p50_ms": round(pct(naive, 50), 1),
            "naive_p99_ms": round(pct(naive, 99), 1),
            "index_build_ms": round(build_1x * 1000, 1),
            "warehouses_10x": 10 * n_warehouses,
            "balances_10x": balances + balances_10x,
            "service_p50_ms_10x": round(pct(service_10x, 50), 3),
            "service_p99_ms_10x": round(pct(service_10x, 99), 3),
            "api_p50_ms_10x": round(pct(api_10x, 50), 3),
            "api_p99_ms_10x": round(pct(api_10x, 99), 3),
            "index_build_ms_10x": round(build_10x * 1000, 1),
            "service_cpu_p99_ms": round(pct(CPU["service"], 99), 3),
            "api_cpu_p99_ms": round(pct(CPU["API"], 99), 3),
            "api_cpu_p99_ms_10x": round(pct(CPU["API 10x"], 99), 3),
            "load_average": round(os.getloadavg()[0], 1),
        }
    )


if __name__ == "__main__":
    main()
