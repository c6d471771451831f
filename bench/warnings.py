"""Early warnings at a district's scale: one warning released to 10,000 grid workers, delivered,
and its progress page.

    .venv/bin/python bench/warnings.py [--quick] [--people N] [--workers 2]

Creates a PostgreSQL database (BENCH_PG_DSN, default the local server's socket
as user postgres) with a district of 10 streets, 100 communities and 100
grids, 10,000 grid workers with phones spread over the grids, one robot
target subscribed to warnings, and the local HTTP receiver of
bench/messaging.py in its own process playing the SMS gateway and the robot.
Measures:

- `release_10k_s`: `services.release(warning)` of a yellow warning over the
  whole district to the 10,000 (in-app + SMS + the robot) — the state change,
  the signed-off CAP XML, the audience resolved, 10,000 recipient rows and
  20,001 deliveries written — from the call to the commit, the delivery
  tasks queued (target < 1 s); beside the naive baseline measured in the same
  run: one transaction per person writing their recipient row and their two
  deliveries one by one (`naive_release_10k_s`, measured on 2,000 people and
  extrapolated: it is linear);
- `delivered_10k_s`: from the start of the release until every delivery is
  sent to the local receiver by N worker processes (2 by default) — the
  moment the last grid worker's phone could ring;
- `progress_p99_ms`: the release progress page (counts by street and
  community over the 10,000 people and their 20,001 deliveries, a third read
  and acknowledged; the first page of those who have not) — p99 of 60 GETs
  through Django's test client, logged in as the district (target < 150 ms), with the process's
  heap settled as wsgi.py/asgi.py settle a server's (core/heap.py), beside the same 60 GETs before
  settling (`unsettled_progress_*`: as the page was measured before);
  the page counts the state kept on the 10,000 recipient rows (warnings'
  progress.record, from messaging's `progressed` signal, kept by the workers
  while they deliver and by the reads); beside two baselines in the same run:
  the page's earlier query, one grouped join of the recipients to their
  20,001 deliveries on each request (`join_progress_p99_ms`, wall and CPU;
  the figures of both are checked equal), and counting in Python
  (`naive_progress_ms`: every delivery and recipient loaded and joined in
  memory).

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import socket
import statistics
import sys
import time

import messaging as messaging_bench  # bench/messaging.py: the receiver, the environment, the workers
from _common import load_average, machine, say, stopwatch

ROOT = messaging_bench.ROOT
STREETS, COMMUNITIES_PER_STREET = 10, 10
NAIVE_SAMPLE = 2_000
PROGRESS_RUNS = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 people, for smoke runs")
    parser.add_argument("--people", type=int, default=10_000, help="grid workers the warning goes to")
    parser.add_argument("--workers", type=int, default=2, help="delivery worker processes")
    return parser.parse_args()


# ---------------------------------------------------------------- the world
def build_world(people: int, port: int) -> dict:
    from django.contrib.auth.hashers import make_password

    from yingji.accounts.models import Membership, User
    from yingji.accounts.roles import Role
    from yingji.core.testing import make_jurisdiction
    from yingji.jurisdictions.models import Level
    from yingji.messaging.models import RobotTarget

    with stopwatch() as t:
        city = make_jurisdiction(Level.CITY, "440300", "深圳市", None)
        district = make_jurisdiction(Level.DISTRICT, "440304", "福田区", city, (114.0, 22.5, 114.1, 22.6))
        grids = []
        for s in range(STREETS):
            x = 114.0 + s * 0.01
            street = make_jurisdiction(Level.STREET, f"440304{s + 1:03d}000", f"第{s + 1}街道", district,
                                       (x, 22.5, x + 0.01, 22.6))
            for c in range(COMMUNITIES_PER_STREET):
                y = 22.5 + c * 0.01
                community = make_jurisdiction(Level.COMMUNITY, f"440304{s + 1:03d}{c + 1:03d}",
                                              f"第{s + 1}街道{c + 1}社区", street, (x, y, x + 0.01, y + 0.01))
                grids.append(make_jurisdiction(Level.GRID, f"440304{s + 1:03d}{c + 1:03d}01",
                                               f"{community.name}第1网格", community, (x, y, x + 0.01, y + 0.01)))
        password = make_password(None)
        User.objects.bulk_create([User(username=f"g{i:05d}", display_name=f"网格员{i}", password=password,
                                       phone=f"139{i:08d}") for i in range(people)], batch_size=2000)
        ids = list(User.objects.filter(username__startswith="g").order_by("pk").values_list("pk", flat=True))
        Membership.objects.bulk_create([Membership(user_id=uid, jurisdiction=grids[i % len(grids)],
                                                   role=Role.GRID_WORKER) for i, uid in enumerate(ids)],
                                       batch_size=2000)
        commander = User.objects.create(username="commander", display_name="区指挥长", password=password)
        Membership.objects.create(user=commander, jurisdiction=district, role=Role.DISTRICT_ADMIN)
        RobotTarget.objects.create(jurisdiction=district, name="区值班群", format="generic",
                                   url=f"http://127.0.0.1:{port}/robot", topics=["warnings"])
    say(f"world: {STREETS} streets, {len(grids)} communities and grids, {people:,} grid workers with phones, "
        f"one robot ({t[0]:.1f} s)")
    return {"district": district, "commander": commander, "people": ids, "grids": grids}


def compose(world: dict) -> object:
    from django.utils import timezone

    from yingji.warnings import services

    now = timezone.now()
    ring = [[113.99, 22.49], [114.11, 22.49], [114.11, 22.61], [113.99, 22.61], [113.99, 22.49]]
    warning = services.compose(
        actor=world["commander"], jurisdiction=world["district"], level="yellow", hazard="rainstorm",
        headline="福田区气象台发布暴雨黄色预警信号", description="预计未来6小时内将出现50毫米以上降雨。",
        instruction="远离低洼地带和地下空间，注意防范城市内涝。", onset=now,
        expires=now + datetime.timedelta(hours=6), target_groups=["grid_workers"], channels=["in_app", "sms"],
        areas=[services.AreaInput(kind="polygon", ring=ring, desc="全区")])
    return warning


# ---------------------------------------------------------------- release
def naive_release(world: dict) -> dict:
    """The baseline: for each person, one transaction writing their recipient row and their in-app and
    SMS deliveries one by one (on NAIVE_SAMPLE people, extrapolated)."""
    from django.db import transaction
    from django.utils import timezone

    from yingji.accounts.models import User
    from yingji.messaging.models import Delivery, Message
    from yingji.warnings.models import WarningRecipient

    warning = compose(world)
    message = Message.objects.create(jurisdiction=world["district"], topic="warnings", event="naive",
                                     title="暴雨黄色预警", body="…")
    sample = world["people"][:NAIVE_SAMPLE]
    phones = dict(User.objects.filter(pk__in=sample).values_list("pk", "phone"))
    with stopwatch() as t:
        for user_id in sample:
            with transaction.atomic():
                now = timezone.now()
                WarningRecipient.objects.create(warning=warning, key=f"u:{user_id}", group="grid_workers",
                                                user_id=user_id, phone=phones[user_id])
                Delivery.objects.create(message=message, channel="in_app", user_id=user_id, queued_at=now)
                Delivery.objects.create(message=message, channel="sms", user_id=user_id, address=phones[user_id],
                                        queued_at=now)
    Delivery.objects.filter(message=message).delete()  # not for the workers
    message.delete()
    warning.delete()
    scale = len(world["people"]) / len(sample)
    total = t[0] * scale
    say(f"naive release (one transaction per person): {t[0]:.2f} s for {len(sample):,} people, so {total:.1f} s "
        f"for {len(world['people']):,} (CPU here: {t[1] * scale:.2f} s)")
    return {"naive_release_10k_s": round(total, 2), "naive_sample": len(sample),
            "naive_release_cpu_s": round(t[1] * scale, 2)}


def release(world: dict) -> tuple[dict, object, float]:
    from yingji.messaging import services as messaging
    from yingji.warnings import services

    warning = compose(world)
    enqueued: list[float] = []
    original = messaging.enqueue

    def timed_enqueue(ids, count):  # type: ignore[no-untyped-def]
        original(ids, count)
        enqueued.append(time.perf_counter())  # after the commit: rows durable, the delivery tasks queued

    messaging.enqueue = timed_enqueue
    db_cpu = messaging_bench.backend_cpu_s()
    try:
        wall_start = time.time()
        start, cpu = time.perf_counter(), time.process_time()
        warning = services.release(warning, actor=world["commander"])
        cpu = time.process_time() - cpu
    finally:
        messaging.enqueue = original
    db_cpu = messaging_bench.backend_cpu_s() - db_cpu
    seconds = enqueued[0] - start
    people = warning.recipients.count()
    say(f"release: one warning to {people:,} people, {warning.message.deliveries.count():,} deliveries "
        f"(in-app + SMS + robot) and {people:,} recipient rows, queued and committed in {seconds:.3f} s "
        f"(CPU: {cpu:.2f} s here, {db_cpu:.2f} s in the database server)")
    return ({"release_10k_s": round(seconds, 3), "release_people": people, "release_cpu_s": round(cpu, 3),
             "release_db_cpu_s": round(db_cpu, 3)}, warning, wall_start)


# ---------------------------------------------------------------- progress
def read_and_acknowledge(warning: object, share: int = 3) -> int:
    """A third of the grid workers open the warning and acknowledge it (as their phones would)."""
    from django.utils import timezone

    from yingji.messaging.models import Delivery
    from yingji.messaging.signals import progressed
    from yingji.warnings.models import WarningRecipient

    users = list(warning.recipients.order_by("pk").values_list("user_id", flat=True)[::share])  # type: ignore[attr-defined]
    now = timezone.now()
    rows = Delivery.objects.filter(message_id=warning.message_id, user_id__in=users)  # type: ignore[attr-defined]
    ids = list(rows.values_list("pk", flat=True))
    rows.update(read_at=now, acknowledged_at=now)
    WarningRecipient.objects.filter(warning=warning, user_id__in=users).update(acknowledged_at=now)
    # As messaging announces what it changed (the phones' reads, in batches): the warnings keep each
    # person's state from it.
    for i in range(0, len(ids), 500):
        progressed.send(sender=Delivery, message_ids=[warning.message_id], delivery_ids=ids[i:i + 500])  # type: ignore[attr-defined]
    return len(users)


def naive_progress(warning: object) -> float:
    """Counting in Python: every delivery and recipient of the warning loaded, joined by person in memory."""
    from collections import defaultdict

    from yingji.messaging.models import Delivery
    from yingji.warnings.models import WarningRecipient

    times = []
    for _ in range(5):
        with stopwatch() as t:
            seen: dict[str, set[str]] = defaultdict(set)
            for user_id, contact_id, address, status, delivered, read in Delivery.objects.filter(
                    message_id=warning.message_id).exclude(channel="robot").values_list(  # type: ignore[attr-defined]
                    "user_id", "contact_id", "address", "status", "delivered_at", "read_at").iterator(2000):
                key = f"u:{user_id}" if user_id else f"c:{contact_id}" if contact_id else f"a:{address}"
                if status == "sent":
                    seen[key].add("sent")
                if delivered:
                    seen[key].add("delivered")
                if read:
                    seen[key].add("read")
            counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
            for key, street, community, acked in WarningRecipient.objects.filter(warning=warning).values_list(
                    "key", "street_id", "community_id", "acknowledged_at").iterator(2000):
                row = counts[(street, community)]
                row[0] += 1
                row[1] += "sent" in seen[key]
                row[2] += "delivered" in seen[key]
                row[3] += "read" in seen[key]
                row[4] += acked is not None
        times.append(t[0])
    return statistics.median(times) * 1000


def progress_page(world: dict, warning: object) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(world["commander"])
    url = f"/warnings/{warning.pk}/progress/"  # type: ignore[attr-defined]
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code
    # First as measured before: the heap as this process holds it (the bench's own 10,000 people and
    # everything loaded), which every full garbage collection walks; then settled as wsgi.py and
    # asgi.py settle a serving process's (core/heap.py), which is the figure.
    unsettled, unsettled_cpu = _time_page(client, url)
    from yingji.core.heap import settle

    settle()
    times, cpus = _time_page(client, url)
    p50, p99 = statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]
    cpu50, cpu99 = statistics.median(cpus), cpus[min(len(cpus) - 1, int(len(cpus) * 0.99))]
    u50, u99 = statistics.median(unsettled), unsettled[min(len(unsettled) - 1, int(len(unsettled) * 0.99))]
    ucpu50 = statistics.median(unsettled_cpu)
    ucpu99 = unsettled_cpu[min(len(unsettled_cpu) - 1, int(len(unsettled_cpu) * 0.99))]
    naive = naive_progress(warning)
    joined, joined_cpu = join_progress(warning)
    kept, kept_cpu = join_progress(warning, kept=True)
    from yingji.warnings import progress

    assert progress.of(warning).as_dict() == progress.from_deliveries(warning).as_dict()  # type: ignore[arg-type]
    say(f"the same counts from the deliveries (the page's query before the state was kept on the recipients): "
        f"p50 {statistics.median(joined):.1f} ms, p99 {joined[-1]:.1f} ms wall; CPU p50 "
        f"{statistics.median(joined_cpu):.1f} ms, p99 {joined_cpu[-1]:.1f} ms; figures identical; "
        f"the counts alone as the page computes them now: p50 {statistics.median(kept):.1f} ms, "
        f"p99 {kept[-1]:.1f} ms wall, CPU p50 {statistics.median(kept_cpu):.1f} ms, p99 {kept_cpu[-1]:.1f} ms")
    say(f"progress page, the heap not settled (as measured before): p50 {u50:.1f} ms, p99 {u99:.1f} ms wall; "
        f"CPU p50 {ucpu50:.1f} ms, p99 {ucpu99:.1f} ms")
    say(f"progress page ({warning.recipients.count():,} people, "  # type: ignore[attr-defined]
        f"{warning.message.deliveries.count():,} deliveries): p50 {p50:.1f} ms, p99 {p99:.1f} ms "  # type: ignore[attr-defined]
        f"over {PROGRESS_RUNS} GETs (CPU here and in the database server: p50 {cpu50:.1f} ms, p99 {cpu99:.1f} ms); "
        f"counting in Python instead: {naive:.0f} ms for the counts alone")
    return {"progress_p50_ms": round(p50, 1), "progress_p99_ms": round(p99, 1),
            "unsettled_progress_p50_ms": round(u50, 1), "unsettled_progress_p99_ms": round(u99, 1),
            "unsettled_progress_cpu_p50_ms": round(ucpu50, 1), "unsettled_progress_cpu_p99_ms": round(ucpu99, 1),
            "progress_cpu_p50_ms": round(cpu50, 1), "progress_cpu_p99_ms": round(cpu99, 1),
            "naive_progress_ms": round(naive, 1),
            "join_progress_p50_ms": round(statistics.median(joined), 1), "join_progress_p99_ms": round(joined[-1], 1),
            "join_progress_cpu_p50_ms": round(statistics.median(joined_cpu), 1),
            "join_progress_cpu_p99_ms": round(joined_cpu[-1], 1),
            "counts_p50_ms": round(statistics.median(kept), 1), "counts_p99_ms": round(kept[-1], 1),
            "counts_cpu_p50_ms": round(statistics.median(kept_cpu), 1), "counts_cpu_p99_ms": round(kept_cpu[-1], 1)}


def _time_page(client: object, url: str) -> tuple[list[float], list[float]]:
    """PROGRESS_RUNS GETs of the page: wall and CPU (here + the database server), sorted."""
    times, cpus = [], []
    for _ in range(PROGRESS_RUNS):
        start, cpu, db = time.perf_counter(), time.thread_time(), messaging_bench.backend_cpu_s()
        answer = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        # CPU of this process and of the database server: what the page costs whatever else runs.
        cpus.append((time.thread_time() - cpu + messaging_bench.backend_cpu_s() - db) * 1000)
        assert answer.status_code == 200
    return sorted(times), sorted(cpus)


def join_progress(warning: object, kept: bool = False) -> tuple[list[float], list[float]]:
    """Baseline: the counts as the page computed them before (one grouped join of the recipients to
    their deliveries on each request), wall and CPU (here + database server), sorted; `kept`: the
    counts as the page computes them now (over the recipients' kept state), timed the same way."""
    from yingji.warnings import progress

    count = progress.of if kept else progress.from_deliveries
    times, cpus = [], []
    for _ in range(PROGRESS_RUNS):
        start, cpu, db = time.perf_counter(), time.thread_time(), messaging_bench.backend_cpu_s()
        count(warning)  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
        cpus.append((time.thread_time() - cpu + messaging_bench.backend_cpu_s() - db) * 1000)
    return sorted(times), sorted(cpus)


def main() -> None:
    args = parse_args()
    people = 1_000 if args.quick else args.people
    load_at_start = load_average()
    say(f"bench/warnings.py — {machine()}; load average {load_at_start}")
    receive, send = multiprocessing.Pipe(duplex=False)
    receiver = multiprocessing.get_context("fork").Process(target=messaging_bench._receiver, args=(send,),
                                                           daemon=True)
    receiver.start()
    port = receive.recv()
    messaging_bench.DB_NAME = "yingji_bench_warnings"
    messaging_bench.setup_environment(port)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    # What a serving process has loaded before its first release (not measured): the URL map and the
    # CAP schema (the first release of a fresh process pays about 4 s for the two, once).
    from django.urls import reverse

    from yingji.warnings import cap

    reverse("warnings:list")
    cap.schema()
    world = build_world(people, port)
    figures = naive_release(world)
    released, warning, started = release(world)
    figures.update(released)
    say(f"  → {figures['naive_release_10k_s'] / figures['release_10k_s']:.0f}× faster than one transaction "
        f"per person")
    connections.close_all()  # the workers fork from here
    delivered = messaging_bench.deliver(world, warning.message_id, args.workers, port)  # type: ignore[attr-defined]
    from yingji.messaging.models import Delivery

    last = max(Delivery.objects.filter(message_id=warning.message_id).values_list("sent_at", flat=True))  # type: ignore[attr-defined]
    figures["delivered_10k_s"] = round(last.timestamp() - started, 3)
    figures.update({k: delivered[k] for k in ("deliver_per_s", "duplicate_deliveries", "deliver_workers")})
    say(f"delivered: the last of {delivered['delivered']:,} deliveries sent {figures['delivered_10k_s']:.2f} s "
        f"after the release began")
    acked = read_and_acknowledge(warning)
    say(f"{acked:,} grid workers read and acknowledged it")
    figures.update(progress_page(world, warning))
    receiver.terminate()
    figures.update({"people": people, "load_average_start": load_at_start, "load_average": load_average(),
                    "host": socket.gethostname()})
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
