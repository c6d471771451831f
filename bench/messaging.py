"""Messaging at a district's scale: one message to 10,000 people over in-app, SMS and a robot.

    .venv/bin/python bench/messaging.py [--quick] [--people N] [--workers 2]

Creates a PostgreSQL database (BENCH_PG_DSN, default the local server's socket
as user postgres) with 10,000 users with phones, one robot target subscribed to
warnings over the district, and a local HTTP receiver in its own process that
plays the SMS gateway and the robot (keep-alive, answers {"errcode": 0}) and
counts what it receives per phone. Measures:

- fan-out (`fanout_10k_s`): `messaging.send` of one message to the 10,000
  over in-app + SMS, plus the robot — 20,001 deliveries — from the call to the
  commit, the delivery tasks queued; beside the naive baseline measured in the
  same run: one transaction per recipient, its two deliveries saved one by one
  (`naive_fanout_10k_s`, measured on 2,000 recipients and extrapolated);
- `progress_ms`: `messaging.progress(message)` over those deliveries;
- delivery (`deliver_per_s`): the deliveries sent per second by N worker
  processes (2 by default) claiming rows concurrently (SKIP LOCKED), to the
  local receiver (SMS and robot; in-app through the in-memory channel layer),
  until none is left, and the CPU it took (`deliver_cpu_ms` a delivery, in the
  workers and the receiver: the figure that does not depend on what else runs
  on the machine; `deliver_db_cpu_ms`, the database server's processes for the
  workers' connections); `duplicate_deliveries`: posts the receiver got twice
  for one delivery (must be 0), and rows not `sent` with one attempt.

The machine is often shared: wall figures come with the load average at the
start and the end, and CPU seconds beside them (`*_cpu_s` of this process,
`*_db_cpu_s` of its PostgreSQL backend, read from /proc when the server runs
on this machine).

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import http.server
import json
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _common import database_url, load_average, machine, say, stopwatch

ROOT = Path(__file__).resolve().parents[1]
PG_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@/postgres?host=/var/run/postgresql")
DB_NAME = os.environ.get("BENCH_DB_NAME", "yingji_bench_messaging")  # another name when benches run side by side


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 people, for smoke runs")
    parser.add_argument("--people", type=int, default=10_000, help="recipients of the message")
    parser.add_argument("--workers", type=int, default=2, help="delivery worker processes")
    return parser.parse_args()


def backend_cpu_s() -> float:
    """CPU seconds the database server's process for this connection has used (PostgreSQL on this
    machine: /proc/<backend pid>/stat); 0 when it cannot be read (a server elsewhere)."""
    from django.db import connection

    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


# ---------------------------------------------------------------- the receiver
def _receiver(port_out: multiprocessing.connection.Connection) -> None:
    """The SMS gateway and the robot, in a process of its own: counts posts per phone (and the robot's)."""
    counts: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Python's server writes an answer's headers and body in two segments; with Nagle's algorithm
        # the body waits for the client's delayed ACK (40 ms a post). Gateways (nginx) set TCP_NODELAY.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            key = body.get("phone") or f"robot:{body.get('message')}"
            with lock:
                counts[key] = counts.get(key, 0) + 1
            self._answer({"errcode": 0})

        def do_GET(self) -> None:  # noqa: N802
            with lock:
                self._answer({"received": sum(counts.values()), "distinct": len(counts),
                              "duplicates": sum(n - 1 for n in counts.values() if n > 1),
                              "cpu_s": time.process_time()})

        def _answer(self, answer: dict) -> None:
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever()


def receiver_stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=30) as answer:
        return json.loads(answer.read())


# ---------------------------------------------------------------- the world
def setup_environment(port: int) -> Path:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    work = Path(tempfile.mkdtemp(prefix="yingji-bench-messaging-"))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "yingji.settings",
        "DATABASE_URL": database_url(PG_DSN, DB_NAME),
        "DATABASE_CONN_MAX_AGE": "600",
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        "YINGJI_DATA_DIR": str(work),
        "YINGJI_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        # The receiver listens on 127.0.0.1: allowed here as an operator would allow an intranet gateway.
        "YINGJI_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        "YINGJI_SMS_GATEWAY_URL": f"http://127.0.0.1:{port}/sms",
        "YINGJI_SMS_GATEWAY_KEY": "bench",
        "YINGJI_MESSAGING_RATE_PER_MINUTE": "",  # measure the workers, not a gateway's quota
    })
    return work


def build_world(people: int) -> dict:
    from django.contrib.auth.hashers import make_password

    from yingji.accounts.models import User
    from yingji.jurisdictions.models import Jurisdiction, Level
    from yingji.messaging.models import RobotTarget

    district = Jurisdiction.objects.create(level=Level.DISTRICT, code="440304", name="福田区")
    password = make_password(None)
    with stopwatch() as t:
        User.objects.bulk_create([User(username=f"p{i:05d}", display_name=f"网格员{i}", password=password,
                                       phone=f"139{i:08d}") for i in range(people)], batch_size=2000)
    ids = list(User.objects.filter(username__startswith="p").order_by("pk").values_list("pk", flat=True))
    port = int(os.environ["YINGJI_SMS_GATEWAY_URL"].split(":")[2].split("/")[0])
    RobotTarget.objects.create(jurisdiction=district, name="区值班群", format="generic",
                               url=f"http://127.0.0.1:{port}/robot", topics=["warnings"])
    say(f"world: {people:,} people with phones, one robot ({t[0]:.1f} s)")
    return {"district": district, "people": ids}


# ---------------------------------------------------------------- fan-out
def fanout(world: dict) -> tuple[dict, int]:
    from django.db import transaction

    from yingji.messaging import services as messaging

    enqueued: list[float] = []
    original = messaging.enqueue

    def timed_enqueue(ids, count):  # type: ignore[no-untyped-def]
        original(ids, count)
        enqueued.append(time.perf_counter())  # after the commit: rows durable, the delivery tasks queued

    messaging.enqueue = timed_enqueue
    db_cpu = backend_cpu_s()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():
            message = messaging.send(jurisdiction=world["district"], topic="warnings", event="warning.issued",
                                     title="暴雨黄色预警", body="预计今晚有大到暴雨，请做好防范。",
                                     recipients=world["people"], channels=["in_app", "sms"], ask_ack=True)
        cpu = time.process_time() - cpu
    finally:
        messaging.enqueue = original
    db_cpu = backend_cpu_s() - db_cpu
    seconds = enqueued[0] - start
    say(f"fan-out: one message to {len(world['people']):,} people, {message.queued:,} deliveries "
        f"(in-app + SMS + robot) queued and committed in {seconds:.2f} s "
        f"(CPU: {cpu:.2f} s here, {db_cpu:.2f} s in the database server)")
    return {"fanout_10k_s": round(seconds, 3), "fanout_deliveries": message.queued, "fanout_cpu_s": round(cpu, 3),
            "fanout_db_cpu_s": round(db_cpu, 3)}, message.pk


NAIVE_SAMPLE = 2_000


def naive_fanout(world: dict) -> dict:
    """The baseline: one transaction per recipient, each delivery saved on its own — on the first
    NAIVE_SAMPLE recipients, extrapolated to all of them (it is linear: a commit per recipient)."""
    from django.db import transaction
    from django.utils import timezone

    from yingji.accounts.models import User
    from yingji.messaging.models import Delivery, Message

    message = Message.objects.create(jurisdiction=world["district"], topic="warnings", event="naive",
                                     title="暴雨黄色预警", body="…")
    sample = world["people"][:NAIVE_SAMPLE]
    phones = dict(User.objects.filter(pk__in=sample).values_list("pk", "phone"))
    db_cpu = backend_cpu_s()
    with stopwatch() as t:
        for user_id in sample:
            with transaction.atomic():
                now = timezone.now()
                Delivery.objects.create(message=message, channel="in_app", user_id=user_id, queued_at=now)
                Delivery.objects.create(message=message, channel="sms", user_id=user_id, address=phones[user_id],
                                        queued_at=now)
    db_cpu = backend_cpu_s() - db_cpu
    Delivery.objects.filter(message=message).delete()  # not for the workers
    message.delete()
    scale = len(world["people"]) / len(sample)
    total = t[0] * scale
    say(f"naive fan-out (one transaction per recipient): {t[0]:.2f} s for {len(sample):,} recipients, "
        f"so {total:.1f} s for {len(world['people']):,} (CPU: {t[1] * scale:.2f} s here, "
        f"{db_cpu * scale:.2f} s in the database server)")
    return {"naive_fanout_10k_s": round(total, 2), "naive_sample": len(sample),
            "naive_fanout_cpu_s": round(t[1] * scale, 2), "naive_fanout_db_cpu_s": round(db_cpu * scale, 2)}


# ---------------------------------------------------------------- delivery
def _worker(start_at: float, out: multiprocessing.connection.Connection) -> None:
    import django

    django.setup()
    from django.db import connection

    from yingji.messaging import delivery

    connection.ensure_connection()
    while time.time() < start_at:
        time.sleep(0.005)
    begin, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu_s()
    done = delivery.drain()
    out.send({**done, "seconds": time.perf_counter() - begin, "finished": time.time(),
              "cpu_s": time.process_time() - cpu, "db_cpu_s": backend_cpu_s() - db_cpu})
    connection.close()


def deliver(world: dict, message_id: int, workers: int, port: int) -> dict:
    from yingji.messaging.models import Delivery

    receiver_cpu = receiver_stats(port)["cpu_s"]
    start_at = time.time() + 1.5  # every worker connected before the clock starts
    pipes, procs = [], []
    for _ in range(workers):
        receive, send = multiprocessing.Pipe(duplex=False)
        proc = multiprocessing.get_context("fork").Process(target=_worker, args=(start_at, send))
        proc.start()
        pipes.append(receive)
        procs.append(proc)
    results = [p.recv() for p in pipes]
    for proc in procs:
        proc.join()
    elapsed = max(r["finished"] for r in results) - start_at
    sent = sum(r["sent"] for r in results)
    stats = receiver_stats(port)
    rows = Delivery.objects.filter(message_id=message_id)
    wrong = rows.exclude(status="sent").count() + rows.exclude(attempts=1).count()
    per_worker = ", ".join(f"{r['sent']:,}" for r in results)
    # CPU seconds of the workers and the receiver: what the delivery costs whatever else runs on the machine.
    cpu = sum(r["cpu_s"] for r in results) + stats["cpu_s"] - receiver_cpu
    say(f"delivery: {sent:,} deliveries by {workers} worker processes in {elapsed:.2f} s = "
        f"{sent / elapsed:,.0f}/s (per worker: {per_worker}); the receiver got {stats['received']:,} posts "
        f"for {stats['distinct']:,} addresses, {stats['duplicates']} twice; rows not sent once: {wrong}")
    db_cpu = sum(r["db_cpu_s"] for r in results)
    say(f"  CPU: {cpu:.2f} s in the workers and the receiver together = {cpu / sent * 1000:.2f} ms a delivery, "
        f"and {db_cpu:.2f} s in the database server ({db_cpu / sent * 1000:.2f} ms a delivery)")
    return {"deliver_per_s": round(sent / elapsed), "delivered": sent, "deliver_s": round(elapsed, 3),
            "deliver_cpu_ms": round(cpu / sent * 1000, 3), "deliver_db_cpu_ms": round(db_cpu / sent * 1000, 3),
            "duplicate_deliveries": stats["duplicates"] + wrong, "deliver_workers": workers}


def progress(message_id: int) -> dict:
    """How far the message got, as a sender's page asks it: two aggregate queries over its 20,001 rows."""
    from yingji.messaging import services as messaging
    from yingji.messaging.models import Message

    message = Message.objects.get(pk=message_id)
    messaging.progress(message)  # warm
    with stopwatch() as t:
        for _ in range(10):
            counts = messaging.progress(message)
    say(f"progress of the message ({counts['total']:,} deliveries, {counts['by_status']['sent']:,} sent): "
        f"{t[0] * 100:.1f} ms")
    return {"progress_ms": round(t[0] * 100, 1)}


def main() -> None:
    args = parse_args()
    people = 1_000 if args.quick else args.people
    load_at_start = load_average()
    say(f"bench/messaging.py — {machine()}; load average {load_at_start}")
    receive, send = multiprocessing.Pipe(duplex=False)
    receiver = multiprocessing.get_context("fork").Process(target=_receiver, args=(send,), daemon=True)
    receiver.start()
    port = receive.recv()
    setup_environment(port)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    world = build_world(people)
    figures = naive_fanout(world)
    fan, message_id = fanout(world)
    figures.update(fan)
    say(f"  → {figures['naive_fanout_10k_s'] / figures['fanout_10k_s']:.0f}× faster than one transaction "
        f"per recipient")
    connections.close_all()  # the workers fork from here
    figures.update(deliver(world, message_id, args.workers, port))
    figures.update(progress(message_id))
    receiver.terminate()
    figures.update({"people": people, "load_average_start": load_at_start, "load_average": load_average(),
                    "host": socket.gethostname()})
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
