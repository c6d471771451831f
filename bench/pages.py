"""Server time of every role's list and detail pages, the largest exports and the console's
GeoJSON, at the demo's scale (issue 13).

    .venv/bin/python bench/pages.py [--quick]

Sets up its own SQLite database in a temporary directory, generates the demo district
(`yingji demo-data --scale futian`; --quick: `small`), signs in as the district's
commander (`district`, who sees everything) and times, through Django's test Client
(routing, middleware, session, scope, templates — the server's work without the network):

- every list and detail page a role opens (N requests each, p50 and p99);
- the three exports the issue names (stock, members, every incident), R runs, the slowest;
- the console's GeoJSON of open incidents, after adding open incidents up to 30,000
  (--quick: 3,000) spread over the district.

The baseline printed beside each figure is the one the issue measured before this work
(server time on 2 cores, district session, demo data): the page figures are today's, not
a comparison within the run. Wall time per request is printed with this thread's CPU time
and the load average, because the machine is shared. The last line is one JSON object with
`page_p99_ms_max`, `export_s_max` and `console_geojson_p99_ms`.
"""

from __future__ import annotations

import io
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import emit, load_average, machine, parse_args, say, start_django

# The figures before this work (seconds or milliseconds as named).
BASELINE = {
    "/supplies/export/stock.xlsx": 3.8, "/resources/members/export.xlsx": 2.3,
    "/incidents/export.xlsx?status=all": 1.8, "/supplies/operations/": 0.95,
    "console_geojson_ms_30000": 1000.0,
}
TARGET_PAGE_MS, TARGET_EXPORT_S, TARGET_GEOJSON_MS = 300, 1.0, 200


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    start_django({"DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}", "YINGJI_DATA_DIR": str(work),
                  "YINGJI_SERVE_BACKGROUND": "false"})
    from django.test import Client

    from yingji.accounts.models import User
    from yingji.core.demo import run_demo
    from yingji.incidents.models import Incident
    from yingji.resources.models import Station, Team
    from yingji.supplies.models import Warehouse

    say(f"# bench/pages.py — {machine()}, load {load_average()}")
    scale = "small" if args.quick else "futian"
    t0 = time.perf_counter()
    run_demo(scale, 7, io.StringIO())
    say(f"demo district ({scale}) generated in {time.perf_counter() - t0:.0f} s")

    client = Client()
    client.force_login(User.objects.get(username="district"))
    station, team = Station.objects.order_by("pk").first(), Team.objects.order_by("pk").first()
    warehouse, incident = Warehouse.objects.order_by("pk").first(), Incident.objects.order_by("pk").first()
    pages = ["/", "/jurisdictions/", "/resources/stations/", "/resources/teams/", "/resources/members/",
             "/resources/experts/", "/resources/equipment/", "/resources/facilities/", "/resources/expiring/",
             "/supplies/", "/supplies/warehouses/", "/supplies/materials/", "/supplies/allocations/",
             "/supplies/operations/", "/incidents/", "/incidents/stats/", "/incidents/console/",
             "/hazards/list/", "/coverage/", "/accounts/users/"]
    if station is not None:
        pages.append(f"/resources/stations/{station.pk}/")
    if team is not None:
        pages.append(f"/resources/teams/{team.pk}/")
    if warehouse is not None:
        pages.append(f"/supplies/warehouses/{warehouse.code}/")
    if incident is not None:
        pages.append(f"/incidents/{incident.pk}/")
    n = 5 if args.quick else 20
    figures: dict[str, object] = {}
    worst_page = ("", 0.0)
    say(f"{'page':42} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>8}  (target {TARGET_PAGE_MS} ms)")
    for url in pages:
        client.get(url)  # warm: the first request fills caches every later one uses
        walls, cpus = [], []
        status = 0
        for _ in range(n):
            start, cpu = time.perf_counter(), time.thread_time()
            status = client.get(url).status_code
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((time.thread_time() - cpu) * 1000)
        p99 = _ms(walls, 99)
        if p99 > worst_page[1]:
            worst_page = (url, p99)
        flag = "" if p99 <= TARGET_PAGE_MS else "  SLOW"
        say(f"{url:42} {_ms(walls, 50):8.0f} {p99:8.0f} {_ms(cpus, 50):8.0f}  [{status}]{flag}")

    runs = 2 if args.quick else 3
    worst_export = ("", 0.0)
    for url in ("/supplies/export/stock.xlsx", "/resources/members/export.xlsx",
                "/incidents/export.xlsx?status=all"):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append(time.perf_counter() - start)
        slowest = max(times)
        worst_export = max(worst_export, (url, slowest), key=lambda x: x[1])
        say(f"export {url:36} {slowest:6.2f} s ({len(body) // 1024} KiB)  baseline {BASELINE[url]:.1f} s, "
            f"target {TARGET_EXPORT_S:.1f} s")

    wanted = 3000 if args.quick else 30000
    _open_incidents(wanted)
    # The console asks for the incidents inside the map's view (a street at zoom 14, about 7 x 4 km).
    centre = Incident.objects.filter(status__in=("reported", "dispatched", "on_scene", "handled")).order_by("pk").first()
    url = (f"/api/v1/incidents/geojson?bbox={centre.lon - 0.035:.5f},{centre.lat - 0.02:.5f},"
           f"{centre.lon + 0.035:.5f},{centre.lat + 0.02:.5f}")
    sent = len(client.get(url).json()["features"])
    walls = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(url)
        walls.append((time.perf_counter() - start) * 1000)
    geojson_p99 = _ms(walls, 99)
    say(f"console GeoJSON with {wanted} open incidents, {sent} in the map's box: p50 {_ms(walls, 50):.0f} ms, p99 {geojson_p99:.0f} ms; "
        f"baseline {BASELINE['console_geojson_ms_30000']:.0f} ms (30,000), target {TARGET_GEOJSON_MS} ms")
    say(f"slowest page {worst_page[0]} p99 {worst_page[1]:.0f} ms; slowest export {worst_export[0]} "
        f"{worst_export[1]:.2f} s; load {load_average()}")
    figures.update({"page_p99_ms_max": round(worst_page[1], 1), "slowest_page": worst_page[0],
                    "export_s_max": round(worst_export[1], 2), "slowest_export": worst_export[0],
                    "console_geojson_p99_ms": round(geojson_p99, 1), "open_incidents": wanted, "scale": scale,
                    "baseline_export_s_max": 3.8, "baseline_console_geojson_ms": 1000.0,
                    "pages": len(pages), "requests_per_page": n, "cpus": os.cpu_count()})
    emit(figures)


def _ms(samples_ms: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples_ms), q))


def _open_incidents(wanted: int) -> None:
    """Open incidents up to `wanted`, copies of the demo's at random points of their grid's box."""
    from yingji.incidents.models import OPEN_STATUSES, Incident, new_reference

    have = Incident.objects.filter(status__in=OPEN_STATUSES).count()
    model = Incident.objects.filter(status__in=OPEN_STATUSES).first() or Incident.objects.first()
    if model is None or have >= wanted:
        return
    rng = random.Random(13)
    rows = []
    for _ in range(wanted - have):
        copy = Incident.objects.get(pk=model.pk)
        copy.pk = None
        copy.reference = new_reference()
        copy.number = ""  # the next numbers of the year, given by bulk_create
        copy.idempotency_key = ""
        copy.lon = model.lon + rng.uniform(-0.04, 0.04)
        copy.lat = model.lat + rng.uniform(-0.03, 0.03)
        rows.append(copy)
    Incident.objects.bulk_create(rows, batch_size=2000)


if __name__ == "__main__":
    main()
