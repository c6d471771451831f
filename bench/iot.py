"""IoT alarms through MQTT into incidents and hazards, across a listener restart; signed HTTP ingestion.

    .venv/bin/python bench/iot.py [--quick]

Database: PostgreSQL named by BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/yingji_iot_bench, dropped and recreated),
SQLite in a temporary directory when PostgreSQL does not answer. Broker: a
Mosquitto of its own on a free port, configured as docs/deployment.md advises
(max_inflight_messages 1000, unlimited queue while the listener is away);
BENCH_MQTT=host:port uses another broker instead.

It registers 3,000 devices in 10 communities and publishes (QoS 1) 20,000
messages: 1,000 elevator entrapments from 1,000 elevators (1,000 incidents
through incidents' intake), 1,000 repeats of them (folded, no incident), 100
blocked fire lanes (100 hazards), the rest heartbeats and hydrant readings.
Halfway through publishing, the listener is stopped and started again (same
client id, persistent session) while the publisher goes on. Figures:

- mqtt_per_s: messages from the first publish to the last stored, per second;
- lost: messages published − messages stored, plus incidents and hazards
  missing (must be 0); duplicates: messages stored twice plus alarms that made
  more than one incident or hazard (must be 0);
- baseline_mqtt_per_s: a naive listener (one transaction per message) on
  2,000 messages of the same mix, in the same run;
- http_per_s: signed single-message posts per second through the Django stack
  (test Client, no network), and http_batch_per_s: messages per second in
  signed batches of 100.

Wall-clock figures beside the load average (the machine is shared). The last
line is one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from _common import emit, load_average, machine, parse_args, say, start_django

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yingji_iot_bench"


def setup_database(work: Path) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    try:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # no PostgreSQL here: SQLite, said so in the output
        say(f"PostgreSQL not available ({exc.__class__.__name__}); using SQLite")
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    start_django({"DATABASE_URL": url, "YINGJI_DATA_DIR": str(work), "YINGJI_ROAD_NETWORK": "",
                  "DATABASE_CONN_MAX_AGE": "600"})
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def start_broker(work: Path) -> tuple[str, int, subprocess.Popen | None]:  # type: ignore[type-arg]
    given = os.environ.get("BENCH_MQTT", "")
    if given:
        host, port = given.rsplit(":", 1)
        return host, int(port), None
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = work / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "max_inflight_messages 1000\nmax_queued_messages 0\nmax_queued_bytes 0\n")
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return "127.0.0.1", port, process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("mosquitto did not start")


def build(rng: random.Random) -> dict[str, list]:  # type: ignore[type-arg]
    from shapely.geometry import box, mapping

    from yingji.iot.models import Device, DeviceKind
    from yingji.jurisdictions.models import Jurisdiction, Level

    city = Jurisdiction.objects.create(level=Level.CITY, code="440300", name="深圳市")
    district = Jurisdiction.objects.create(level=Level.DISTRICT, code="440304", name="福田区", parent=city)
    street = Jurisdiction.objects.create(level=Level.STREET, code="440304001000", name="街道", parent=district)
    communities = []
    for i in range(10):
        west = 114.00 + 0.01 * i
        bounds = (west, 22.50, west + 0.01, 22.56)
        j = Jurisdiction(level=Level.COMMUNITY, code=f"440304001{i + 1:03d}", name=f"社区{i + 1}", parent=street,
                         boundary=json.loads(json.dumps(mapping(box(*bounds)))),
                         centroid_lon=west + 0.005, centroid_lat=22.53)
        j.save()
        communities.append((j, bounds))
    devices = []
    mix = [(DeviceKind.ELEVATOR, "EL", 2000), (DeviceKind.HYDRANT, "HY", 500), (DeviceKind.FIRE_LANE, "FL", 200),
           (DeviceKind.SMOKE, "SD", 300)]
    for kind, prefix, count in mix:
        for n in range(count):
            j, (w, s, e, n_) = communities[n % len(communities)]
            devices.append(Device(jurisdiction=j, code=f"{prefix}-{n:05d}", kind=kind, lon=rng.uniform(w, e),
                                  lat=rng.uniform(s, n_), building=f"{n % 50 + 1}栋", heartbeat_s=600,
                                  low_threshold=0.10 if kind == DeviceKind.HYDRANT else None))
    Device.objects.bulk_create(devices, batch_size=1000)
    by_kind: dict[str, list] = {}  # type: ignore[type-arg]
    for d in Device.objects.select_related("jurisdiction").order_by("code"):
        by_kind.setdefault(d.kind, []).append(d)
    return by_kind


def workload(by_kind: dict[str, list], n: int, entrapments: int, lanes: int, tag: str,  # type: ignore[type-arg]
             rng: random.Random) -> list[tuple[object, dict]]:  # type: ignore[type-arg]
    from django.utils import timezone

    now = timezone.now().isoformat()
    out: list[tuple[object, dict]] = []  # type: ignore[type-arg]
    lifts = by_kind["elevator"][:entrapments]
    for i, lift in enumerate(lifts):
        out.append((lift, {"id": f"{tag}-e{i}", "ts": now, "type": "alarm", "alarm": "entrapment"}))
    for i, lift in enumerate(lifts):
        out.append((lift, {"id": f"{tag}-r{i}", "ts": now, "type": "alarm", "alarm": "entrapment"}))
    for i, lane in enumerate(by_kind["fire_lane"][:lanes]):
        out.append((lane, {"id": f"{tag}-f{i}", "ts": now, "type": "alarm", "alarm": "blocked"}))
    i = 0
    while len(out) < n:
        if i % 2:
            d = rng.choice(by_kind["hydrant"])
            out.append((d, {"id": f"{tag}-h{i}", "ts": now, "type": "reading", "value": round(rng.uniform(0.2, 0.4), 3)}))
        else:
            d = rng.choice(by_kind["elevator"] + by_kind["smoke"])
            out.append((d, {"id": f"{tag}-b{i}", "ts": now, "type": "heartbeat"}))
        i += 1
    # Interleave, keeping each entrapment's first message before its repeat.
    head, tail = out[: 2 * entrapments], out[2 * entrapments:]
    rng.shuffle(tail)
    merged, step = [], max(1, len(tail) // max(1, len(head)))
    for k, item in enumerate(head):
        merged.append(item)
        merged.extend(tail[k * step:(k + 1) * step])
    merged.extend(tail[len(head) * step:])
    return merged


class DbCpu:
    """CPU seconds used by this database's PostgreSQL backends (the listener's among them), read from
    /proc/<pid>/stat of each backend seen in pg_stat_activity; 0 when the server runs elsewhere."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def sample(self) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            pids = [row[0] for row in cursor.fetchall()]
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            self.first.setdefault(pid, 0.0 if pid not in self.last and self.last else cpu)
            self.last[pid] = cpu

    def seconds(self) -> float:
        return sum(self.last[pid] - self.first.get(pid, 0.0) for pid in self.last)


PUBLISHER = """
import json, sys, time
import paho.mqtt.client as mqtt
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(line) for line in open(path, encoding="utf-8")]
pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
pub.max_inflight_messages_set(1000)
pub.max_queued_messages_set(0)
pub.connect(host, port)
pub.loop_start()
t0 = time.perf_counter()
infos = [pub.publish(topic, payload, qos=1) for topic, payload in rows]
for info in infos:
    info.wait_for_publish(120)
print(time.perf_counter() - t0, flush=True)
pub.loop_stop()
pub.disconnect()
"""


def run_mqtt(host: str, port: int, messages: list, prefix: str, *, batch_size: int,  # type: ignore[type-arg]
             restart: bool, work: Path) -> dict[str, float]:
    """Publish from another process (its own interpreter, as a device fleet would be) and wait for the store."""
    import sys

    import paho.mqtt.client as mqtt

    from yingji.iot.ingest import topic_for
    from yingji.iot.listener import Listener
    from yingji.iot.models import DeviceMessage

    client_id = f"bench-iot-{uuid.uuid4().hex[:8]}"

    def start() -> tuple[Listener, threading.Thread]:
        listener = Listener(host=host, port=port, prefix=prefix, client_id=client_id, batch_size=batch_size)
        thread = threading.Thread(target=listener.run, daemon=True)
        thread.start()
        if not listener.subscribed.wait(15):
            raise RuntimeError("listener did not subscribe")
        return listener, thread

    path = work / f"{prefix.replace('/', '-')}.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for device, body in messages:
            out.write(json.dumps([topic_for(device, prefix), json.dumps(body)], ensure_ascii=False) + "\n")
    tag = prefix_tag(messages)
    stored = DeviceMessage.objects.filter(accepted=True, message_id__startswith=tag)
    db_cpu = DbCpu()
    db_cpu.sample()
    listener, thread = start()
    t0, cpu0 = time.perf_counter(), time.process_time()
    publisher = subprocess.Popen([sys.executable, "-c", PUBLISHER, host, str(port), str(path)],
                                 stdout=subprocess.PIPE, text=True)
    restarted_at = None
    deadline = time.monotonic() + 900
    sampled = time.monotonic()
    while time.monotonic() < deadline:
        if time.monotonic() - sampled > 0.5:
            db_cpu.sample()
            sampled = time.monotonic()
        done = stored.count()
        if done >= len(messages):
            break
        if restart and restarted_at is None and done >= len(messages) // 3:
            # Mid-stream: the listener goes away for a second while the devices go on publishing.
            db_cpu.sample()
            listener.stop()
            thread.join(30)
            restarted_at = time.perf_counter() - t0
            time.sleep(1.0)
            listener, thread = start()
        time.sleep(0.05)
    done_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    db_cpu.sample()
    published_s = float((publisher.communicate(timeout=120)[0] or "0").strip() or 0)
    time.sleep(2.0)  # anything arriving later would be a duplicate
    listener.stop()
    thread.join(30)
    cleaner = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    cleaner.connect(host, port)
    cleaner.disconnect()
    return {"seconds": done_s, "published_s": published_s, "restarted_at_s": restarted_at or 0.0,
            "per_s": len(messages) / done_s, "cpu_s": cpu_s, "db_cpu_s": db_cpu.seconds(),
            "per_cpu_s": len(messages) / max(1e-9, cpu_s + db_cpu.seconds())}


def prefix_tag(messages: list) -> str:  # type: ignore[type-arg]
    return messages[0][1]["id"].split("-", 1)[0] + "-"


def count(messages: list, entrapments: int, lanes: int) -> tuple[int, int, dict[str, int]]:  # type: ignore[type-arg]
    from django.db.models import Count

    from yingji.iot.models import Alarm, DeviceMessage

    tag = prefix_tag(messages)
    stored = DeviceMessage.objects.filter(accepted=True, message_id__startswith=tag)
    rows = stored.count()
    distinct = stored.values("device_id", "message_id").distinct().count()
    wanted = {(d.pk, m["id"]) for d, m in messages}
    got = set(stored.values_list("device_id", "message_id"))
    devices = {d.pk for d, m in messages if m["type"] == "alarm"}
    alarms = Alarm.objects.filter(device_id__in=devices)
    incidents = alarms.exclude(incident=None).values("device_id").annotate(n=Count("id"))
    hazards = alarms.exclude(hazard=None).values("device_id").annotate(n=Count("id"))
    n_incidents = sum(r["n"] for r in incidents)
    n_hazards = sum(r["n"] for r in hazards)
    lost = len(wanted - got) + max(0, entrapments - len(incidents)) + max(0, lanes - len(hazards))
    duplicates = (rows - distinct) + sum(r["n"] - 1 for r in incidents) + sum(r["n"] - 1 for r in hazards)
    return lost, duplicates, {"incidents": n_incidents, "hazards": n_hazards, "stored": rows}


def run_http(by_kind: dict[str, list], n_single: int, n_batches: int) -> tuple[float, float]:  # type: ignore[type-arg]
    from django.test import Client
    from django.utils import timezone

    from yingji.iot.http import sign
    from yingji.iot.models import Device

    devices = by_kind["elevator"][1500:1700]
    for d in devices:
        d.secret = uuid.uuid4().hex * 2
    Device.objects.bulk_update(devices, ["secret"])
    client = Client()

    def post(device, body: bytes) -> int:  # type: ignore[no-untyped-def]
        ts, nonce = str(int(time.time())), uuid.uuid4().hex
        return client.post("/api/v1/iot/ingest", body, content_type="application/json",
                           HTTP_X_YINGJI_DEVICE=device.code, HTTP_X_YINGJI_TIMESTAMP=ts, HTTP_X_YINGJI_NONCE=nonce,
                           HTTP_X_YINGJI_SIGNATURE=sign(device.secret, ts, nonce, body)).status_code

    now = timezone.now().isoformat()
    t0 = time.perf_counter()
    for i in range(n_single):
        d = devices[i % len(devices)]
        assert post(d, json.dumps({"id": f"hs{i}", "ts": now, "type": "heartbeat"}).encode()) == 200
    single = n_single / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for b in range(n_batches):
        d = devices[b % len(devices)]
        body = json.dumps([{"id": f"hb{b}-{k}", "ts": now, "type": "heartbeat"} for k in range(100)]).encode()
        assert post(d, body) == 200
    batch = 100 * n_batches / (time.perf_counter() - t0)
    return single, batch


def main() -> None:
    args = parse_args(__doc__ or "")
    work = Path(tempfile.mkdtemp(prefix="yingji-iot-bench-"))
    engine = setup_database(work)
    host, port, broker = start_broker(work)
    rng = random.Random(19)
    try:
        say(f"# bench/iot.py — {machine()}, {engine}, broker {host}:{port}, load {load_average()}")
        by_kind = build(rng)
        n, entrapments, lanes = (4000, 200, 20) if args.quick else (20000, 1000, 100)
        messages = workload(by_kind, n, entrapments, lanes, "m", rng)
        result = run_mqtt(host, port, messages, "bench/main", batch_size=500, restart=True, work=work)
        lost, duplicates, seen = count(messages, entrapments, lanes)
        say(f"mqtt: {n} messages in {result['seconds']:.1f} s = {result['per_s']:.0f}/s "
            f"(the publisher, another process, took {result['published_s']:.1f} s; listener restarted at {result['restarted_at_s']:.1f} s); "
            f"{seen['incidents']} incidents, {seen['hazards']} hazards; lost {lost}, duplicates {duplicates}; "
            f"CPU {result['cpu_s']:.1f} s here + {result['db_cpu_s']:.1f} s in PostgreSQL = "
            f"{result['per_cpu_s']:.0f} messages per CPU second")
        # The baseline: the same mix through a listener committing each message on its own.
        base_n, base_e, base_l = (1000, 50, 5) if args.quick else (2000, 100, 10)
        base_kinds = {k: v[entrapments:] if k == "elevator" else v[lanes:] if k == "fire_lane" else v
                      for k, v in by_kind.items()}
        baseline_messages = workload(base_kinds, base_n, base_e, base_l, "b", rng)
        baseline = run_mqtt(host, port, baseline_messages, "bench/base", batch_size=1, restart=False, work=work)
        say(f"baseline (a transaction per message): {base_n} messages in {baseline['seconds']:.1f} s = "
            f"{baseline['per_s']:.0f}/s; {baseline['per_cpu_s']:.0f} per CPU second")
        single, batch = run_http(by_kind, 500 if args.quick else 2000, 10 if args.quick else 50)
        say(f"http: {single:.0f} signed single-message posts/s; {batch:.0f} messages/s in signed batches of 100")
        emit({"bench": "iot", "engine": engine, "messages": n, "mqtt_per_s": round(result["per_s"], 1),
              "lost": lost, "duplicates": duplicates, "incidents": seen["incidents"], "hazards": seen["hazards"],
              "restart_at_s": round(result["restarted_at_s"], 2),
              "mqtt_cpu_s": round(result["cpu_s"], 2), "mqtt_db_cpu_s": round(result["db_cpu_s"], 2),
              "mqtt_per_cpu_s": round(result["per_cpu_s"], 1),
              "baseline_mqtt_per_s": round(baseline["per_s"], 1),
              "baseline_mqtt_per_cpu_s": round(baseline["per_cpu_s"], 1), "http_per_s": round(single, 1),
              "http_batch_per_s": round(batch, 1), "load_average": load_average()})
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
