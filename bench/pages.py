"""Server time of every ledger list and detail page a district session opens, the largest
exports and the console's GeoJSON, at the demo's scale (issue 13).

    .venv/bin/python bench/pages.py [--quick]

Sets up its own SQLite database in a temporary directory, generates the demo district
(`yingji demo-data --scale futian`: 10 streets, 92 communities, 642 teams, 8,400 members;
--quick: `small`), signs in as the district's commander (`district`, who sees everything) and
times, through Django's test Client (routing, middleware, session, scope, templates — the
server's work without the network):

- every page: the URL conf's pages without a parameter that answer the district a 200 HTML
  page (forms to create or import, exports and feeds left out), and one detail page for each
  parameterised page linked from them (the first link found), N requests each, p50 and p99;
- the three largest exports (stock, members, every incident), read to the last byte, R runs,
  the slowest — beside the export as it was built before (model instances, openpyxl's
  write-only workbook in memory), run on the same data in the same run;
- the console's GeoJSON of open incidents in the map's box, after adding open incidents up to
  30,000 (--quick: 3,000) spread over the district — beside the same request without a box
  (the whole district, as the console asked before the box).

Public pages are rate-limited per client address (core.ratelimit: 10 requests a minute for the
quiz list); the bench asks more often than that, so every request comes from its own client address
(REMOTE_ADDR 10.x.y.z): the limiter runs as for any visitor and each client stays within its limit.
The pages that consulted the limiter are marked `[rate-limited: distinct clients]` and listed.

Pages cannot be run as they were before in the same run: the figures recorded before this work
are printed beside them where there are some (`RECORDED`). Wall time per request is printed
with this thread's CPU time and the load average, because the machine is shared. The last line
is one JSON object with `page_p99_ms_max`, `export_s_max` and `console_geojson_p99_ms` (each with
its baseline under `baseline_…`), printed beside their baselines on the line before.
"""

from __future__ import annotations

import io
import itertools
import os
import random
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, load_average, machine, parse_args, say, start_django

# Figures recorded before this work (docs/performance.md, the futian run of 2026-12-04 at load
# 8.6 and issue 13): p99 wall ms of a page, seconds of an export, ms of the GeoJSON.
RECORDED = {
    "/supplies/operations/": 7162.0, "/resources/expiring/": 2113.0, "/incidents/stats/": 281.0, "/": 195.0,
    "/supplies/export/stock.xlsx": 3.8, "/resources/members/export.xlsx": 2.3,
    "/incidents/export.xlsx?status=all": 1.8, "console_geojson_ms_30000": 1000.0,
}
TARGET_PAGE_MS, TARGET_EXPORT_S, TARGET_GEOJSON_MS = 300, 1.0, 200
EXPORTS = ("/supplies/export/stock.xlsx", "/resources/members/export.xlsx", "/incidents/export.xlsx?status=all")
# The baselines of the three headline figures: the slowest page, export and GeoJSON recorded before.
BASELINE = {"page_p99_ms_max": max(v for k, v in RECORDED.items() if k.startswith("/") and k not in EXPORTS),
            "export_s_max": max(RECORDED[url] for url in EXPORTS),
            "console_geojson_p99_ms": RECORDED["console_geojson_ms_30000"]}
# Pages that are not ledger lists: forms, files, feeds, actions.
SKIP = re.compile(r"(^api/|^admin/|^i18n/|\.(xlsx|csv|json|geojson|pdf|png|js|xml|webmanifest|ics)$|export|"
                  r"healthz|logout|login|password|(^|/)(new|create|add|import|edit|delete|template|report)(/|$)|"
                  r"public|feed|cap|webhook|ingest|ws/)")


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    start_django({"DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}", "YINGJI_DATA_DIR": str(work),
                  "YINGJI_SERVE_BACKGROUND": "false"})
    from django.conf import settings
    from django.test import Client

    from yingji.accounts.models import User
    from yingji.core.demo import run_demo

    say(f"# bench/pages.py — {machine()}, load {load_average()}")
    scale = "small" if args.quick else "futian"
    t0 = time.perf_counter()
    run_demo(scale, 7, io.StringIO())
    say(f"demo district ({scale}) generated in {time.perf_counter() - t0:.0f} s, load {load_average()}")

    district = User.objects.get(username="district")
    session = Client()
    session.force_login(district)
    client = Visitor(session)
    pages = _pages(client)
    # Settled as wsgi.py and asgi.py settle a serving process (core/heap.py) before its first request:
    # unsettled, the pages paid a full garbage collection of the generated district every few requests
    # (~300 ms p99 on pages of 20 ms p50), which no server pays.
    from yingji.core.heap import settle

    settle()
    n = 5 if args.quick else 20
    worst_page, worst_cpu = ("", 0.0), ("", 0.0)
    slow: list[str] = []
    limited: list[str] = []
    say(f"{len(pages)} pages; {n} requests each after one warm-up; every request from its own client address "
        f"(the public pages' per-address rate limit, {settings.YINGJI_PUBLIC_RATE_PER_MINUTE} a minute, is not "
        f"bypassed: each client stays within it)")
    say(f"{'page':48} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>8} {'queries':>7}  recorded p99 (target {TARGET_PAGE_MS} ms)")
    for url in pages:
        asked = client.limiter_calls
        client.get(url)  # warm: the first request fills caches every later one uses
        queries = _queries(client, url)
        walls, cpus = [], []
        statuses = set()
        for _ in range(n):
            start, cpu = time.perf_counter(), time.thread_time()
            statuses.add(client.get(url).status_code)
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((time.thread_time() - cpu) * 1000)
        p99, cpu50 = _ms(walls, 99), _ms(cpus, 50)
        worst_page = max(worst_page, (url, p99), key=lambda x: x[1])
        worst_cpu = max(worst_cpu, (url, cpu50), key=lambda x: x[1])
        flag = "" if p99 <= TARGET_PAGE_MS else "  SLOW"
        if flag:
            slow.append(url)
        if client.limiter_calls > asked:
            limited.append(url)
            flag += "  [rate-limited: distinct clients]"
        before = f"{RECORDED[url]:.0f}" if url in RECORDED else "—"
        status = "/".join(str(code) for code in sorted(statuses))
        say(f"{url:48} {_ms(walls, 50):8.0f} {p99:8.0f} {cpu50:8.0f} {queries:7d}  {before:>8} [{status}]{flag}")
    say(f"rate-limited pages (each request from its own client address): {', '.join(limited) or 'none'}")

    runs = 2 if args.quick else 3
    worst_export, worst_before = ("", 0.0), ("", 0.0)
    for url in EXPORTS:
        times, cpus, befores = [], [], []
        size = 0
        for _ in range(runs):
            start, cpu = time.perf_counter(), time.thread_time()
            response = client.get(url)
            size = len(b"".join(response.streaming_content) if response.streaming else response.content)
            times.append(time.perf_counter() - start)
            cpus.append(time.thread_time() - cpu)
            start = time.perf_counter()
            _export_as_before(url, district)
            befores.append(time.perf_counter() - start)
        slowest, before = max(times), max(befores)
        worst_export = max(worst_export, (url, slowest), key=lambda x: x[1])
        worst_before = max(worst_before, (url, before), key=lambda x: x[1])
        say(f"export {url:36} {slowest:6.2f} s (CPU {max(cpus):.2f} s, {size // 1024} KiB, streamed: "
            f"{response.streaming}); as before, same run: {before:.2f} s; recorded {RECORDED[url]:.1f} s; "
            f"target {TARGET_EXPORT_S:.1f} s")

    wanted = 3000 if args.quick else 30000
    _open_incidents(wanted)
    from yingji.incidents.models import OPEN_STATUSES, Incident

    # The console asks for the incidents inside the map's view (a street at zoom 14, about 7 x 4 km).
    centre = Incident.objects.filter(status__in=OPEN_STATUSES).order_by("pk").first()
    assert centre is not None
    box = (f"{centre.lon - 0.035:.5f},{centre.lat - 0.02:.5f},{centre.lon + 0.035:.5f},{centre.lat + 0.02:.5f}")
    url = f"/api/v1/incidents/geojson?bbox={box}"
    answer = client.get(url).json()
    sent = len(answer["features"])
    # Settled again after the 30,000 incidents were added (as above): unsettled, every ~10th request paid
    # a full garbage collection of the demo's load (~220 ms of CPU, the former p99 of ~500 ms).
    settle()
    walls = _timed(client, url, n)
    whole = _timed(client, "/api/v1/incidents/geojson", n)
    geojson_p99 = _ms(walls, 99)
    say(f"console GeoJSON with {wanted} open incidents, {sent} sent of the {answer.get('total', sent)} in the map's box "
        f"({len(answer.get('clusters', []))} cells counted): p50 {_ms(walls, 50):.0f} ms, "
        f"p99 {geojson_p99:.0f} ms; without the box, same run: p50 {_ms(whole, 50):.0f} ms, p99 {_ms(whole, 99):.0f} ms; "
        f"recorded {RECORDED['console_geojson_ms_30000']:.0f} ms (30,000); target {TARGET_GEOJSON_MS} ms")
    say(f"slowest page {worst_page[0]} p99 {worst_page[1]:.0f} ms ({len(slow)} over {TARGET_PAGE_MS} ms: "
        f"{', '.join(slow) or 'none'}); most CPU {worst_cpu[0]} {worst_cpu[1]:.0f} ms at p50; slowest export "
        f"{worst_export[0]} {worst_export[1]:.2f} s (as before: {worst_before[1]:.2f} s); load {load_average()}")
    figures = {"page_p99_ms_max": round(worst_page[1], 1), "export_s_max": round(worst_export[1], 2),
               "console_geojson_p99_ms": round(geojson_p99, 1)}
    say("headline figures beside their baselines (recorded before issue 13's work): " + "; ".join(
        f"{key} {value} (baseline {BASELINE[key]})" for key, value in figures.items())
        + f"; exports as built before, same run: {worst_before[1]:.2f} s; GeoJSON without the box, same run: "
        f"{_ms(whole, 99):.1f} ms")
    emit({**figures, **{f"baseline_{key}": BASELINE[key] for key in figures},
          "slowest_page": worst_page[0], "pages_over_target": slow,
          "page_cpu_p50_ms_max": round(worst_cpu[1], 1), "most_cpu_page": worst_cpu[0], "rate_limited_pages": limited,
          "slowest_export": worst_export[0], "before_export_s_max": round(worst_before[1], 2),
          "console_geojson_unboxed_p99_ms": round(_ms(whole, 99), 1), "open_incidents": wanted, "scale": scale,
          "pages": len(pages), "requests_per_page": n, "load_average": load_average(), "cpus": os.cpu_count()})


class Visitor:
    """The district's session, each request from a new client address (10.x.y.z as REMOTE_ADDR).

    The public pages limit each address to a few requests a minute (core.ratelimit); the bench asks
    each page 20-odd times within seconds, so from one address it timed the 429 (/training/learn/).
    Distinct addresses keep every client within the limit while the limiter runs as for any visitor.
    `limiter_calls` counts the limiter's answers (core.ratelimit.allow, which every limit goes through)
    so the bench can say which pages are rate-limited."""

    def __init__(self, client: Any) -> None:
        from yingji.core import ratelimit

        self.client = client
        self.limiter_calls = 0
        self._addresses = (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in itertools.count(1))
        allow = ratelimit.allow

        def counted(*args: Any, **kwargs: Any) -> bool:
            self.limiter_calls += 1
            return allow(*args, **kwargs)

        ratelimit.allow = counted  # allow_public and the views look it up on the module at each call

    def get(self, url: str) -> Any:
        return self.client.get(url, REMOTE_ADDR=next(self._addresses))


def _pages(client: Any) -> list[str]:
    """The pages of the URL conf a district session opens: every route without a parameter
    that answers a 200 HTML page, then the first link of each of them to a route with one
    (the detail pages), e.g. /resources/teams/ links /resources/teams/12/."""
    from django.urls import URLPattern, URLResolver, get_resolver, resolve
    from django.urls.exceptions import Resolver404

    plain: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            if "<" in route or route.startswith("^"):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern) and not SKIP.search(prefix + route):
                plain.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    lists = [url for url in dict.fromkeys(plain) if _is_page(client.get(url))]
    details: dict[str, str] = {}
    for url in lists:
        for href in re.findall(r'href="(/[^"#?]*)"', client.get(url).content.decode()):
            try:
                match = resolve(href)
            except Resolver404:
                continue
            if "<" not in match.route or href in lists or SKIP.search(href.lstrip("/")) or match.route in details:
                continue
            if _is_page(client.get(href)):
                details[match.route] = href
    return lists + sorted(details.values())


def _is_page(response: Any) -> bool:
    return response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def _timed(client: Any, url: str, n: int) -> list[float]:
    walls = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(url)
        walls.append((time.perf_counter() - start) * 1000)
    return walls


def _export_as_before(url: str, user: Any) -> bytes:
    """The export as `TableSpec.to_xlsx` built it before it was streamed: the rows from model
    instances (select_related), each through openpyxl's write-only cells, the workbook saved in
    memory and sent whole (the masking gate asked once per jurisdiction, as now)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from yingji.core.tabular import safe_row
    from yingji.incidents.imports import IncidentTable
    from yingji.resources.imports import MemberTable
    from yingji.supplies.imports import StockTable

    table = {EXPORTS[0]: StockTable, EXPORTS[1]: MemberTable, EXPORTS[2]: IncidentTable}[url](user)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(str(table.title)[:31])
    header = []
    for index, column in enumerate(table.columns, start=1):
        cell = WriteOnlyCell(sheet, value=str(column.header) + (" *" if column.required else ""))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7" if not column.required else "FCE4D6")
        header.append(cell)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append(header)
    for row in table.rows(table.export_queryset().iterator(chunk_size=2000)):
        sheet.append(safe_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
