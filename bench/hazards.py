"""Hazards at district scale: the four-colour map, a grid worker's task list, the overdue job.

    .venv/bin/python bench/hazards.py [--quick]

Sets up its own database (SQLite in a temporary directory; PostgreSQL when
BENCH_DATABASE_URL names one, which is dropped and recreated), generates a
district of 10 streets, 100 communities and 500 grids with 50,000 risk points
(a tenth of them areas) and 100,000 open hazards, and measures:

- riskmap: GET /api/v1/hazards/riskmap.geojson through Django's test Client as
  the district commander (all 50,000 points) and as a street officer (scoped,
  a tenth), beside the naive serialiser (model instances, one dict per
  feature with the labels looked up per row);
- tasks: GET /api/v1/hazards/tasks as a grid worker (a patrol plan, hazards
  to rectify and recheck, own reports), beside the naive version (every
  visible hazard loaded and filtered in Python);
- overdue job: escalate_overdue(now) with 10 % of the 100,000 open hazards
  past their deadline, beside the naive job (each hazard saved on its own, with
  its audit record), timed on 1,000 of them and scaled per hazard.

Wall-clock figures beside the thread's CPU time (the Python side only: on
PostgreSQL the server's work is in the wall time, not in the CPU figure) and
the load average at the start of each part (the machine is shared). The last line is one JSON object.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import tempfile
from pathlib import Path

from _common import emit, load_average, machine, parse_args, pct, say, start_django, stopwatch

DISTRICT_BBOX = (114.00, 22.50, 114.10, 22.58)


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


def build(n_points: int, n_hazards: int, rng: random.Random):  # type: ignore[no-untyped-def]
    from django.utils import timezone
    from shapely.geometry import box, mapping

    from yingji.accounts.models import Membership, User
    from yingji.accounts.roles import Role
    from yingji.hazards.models import (
        Hazard,
        HazardStatus,
        PatrolPlan,
        PatrolStop,
        RiskCategory,
        RiskGrade,
        RiskPoint,
    )
    from yingji.jurisdictions.models import Jurisdiction, Level

    def make(level: str, code: str, name: str, parent, bounds=None):  # type: ignore[no-untyped-def]
        j = Jurisdiction(level=level, code=code, name=name, parent=parent)
        j.path = f"{parent.path if parent else '/'}{code}/"
        j.depth = j.path.count("/") - 2
        if bounds:
            j.boundary = mapping(box(*bounds))
            j.boundary = json.loads(json.dumps(j.boundary))
            j.centroid_lon, j.centroid_lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        return j

    city = make(Level.CITY, "440300", "深圳市", None)
    district = make(Level.DISTRICT, "440304", "福田区", city, DISTRICT_BBOX)
    w = (DISTRICT_BBOX[2] - DISTRICT_BBOX[0]) / 10
    streets = [make(Level.STREET, f"440304{s:03d}000", f"街道{s}", district,
                    (DISTRICT_BBOX[0] + (s - 1) * w, DISTRICT_BBOX[1], DISTRICT_BBOX[0] + s * w, DISTRICT_BBOX[3]))
               for s in range(1, 11)]
    h = (DISTRICT_BBOX[3] - DISTRICT_BBOX[1]) / 10
    communities = [make(Level.COMMUNITY, f"{st.code[:9]}{c:03d}", f"{st.name}社区{c}", st,
                        (DISTRICT_BBOX[0] + s * w, DISTRICT_BBOX[1] + (c - 1) * h,
                         DISTRICT_BBOX[0] + (s + 1) * w, DISTRICT_BBOX[1] + c * h))
                   for s, st in enumerate(streets) for c in range(1, 11)]
    grids = [make(Level.GRID, f"{cm.code}{g:02d}", f"{cm.name}网格{g}", cm) for cm in communities for g in range(1, 6)]
    for group in ([city], [district], streets, communities, grids):
        Jurisdiction.objects.bulk_create(group)
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY).order_by("path"))
    grids = list(Jurisdiction.objects.filter(level=Level.GRID).order_by("path"))
    streets = list(Jurisdiction.objects.filter(level=Level.STREET).order_by("path"))
    district = Jurisdiction.objects.get(level=Level.DISTRICT)

    categories, grades = list(RiskCategory.values), list(RiskGrade.values)
    points = []
    for i in range(n_points):
        community = communities[i % len(communities)]
        (x0, y0), (x1, y1) = community.boundary["coordinates"][0][0], community.boundary["coordinates"][0][2]
        lon, lat = round(rng.uniform(min(x0, x1), max(x0, x1)), 6), round(rng.uniform(min(y0, y1), max(y0, y1)), 6)
        area = None
        if i % 10 == 0:
            d = 0.0004
            area = {"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d],
                                                        [lon - d, lat + d], [lon - d, lat - d]]]}
        points.append(RiskPoint(jurisdiction=community, code=f"RP{i:06d}", name=f"{community.name}风险点{i}",
                                category=categories[i % len(categories)], grade=rng.choice(grades), lon=lon,
                                lat=lat, area=area, responsible_phone="13800000000"))
    RiskPoint.objects.bulk_create(points, batch_size=5000)

    users = {
        "commander": User(username="commander", display_name="指挥长"),
        "street": User(username="street", display_name="街道值班员"),
        "grid": User(username="grid", display_name="网格员"),
        "unit": User(username="unit", display_name="物业"),
    }
    User.objects.bulk_create(users.values())
    users = {k: User.objects.get(username=k) for k in users}
    my_grid = grids[0]
    Membership.objects.bulk_create([
        Membership(user=users["commander"], jurisdiction=district, role=Role.DISTRICT_ADMIN),
        Membership(user=users["street"], jurisdiction=streets[0], role=Role.STREET_OFFICER),
        Membership(user=users["grid"], jurisdiction=my_grid, role=Role.GRID_WORKER),
        Membership(user=users["unit"], jurisdiction=communities[0], role=Role.UNIT_CONTACT),
    ])
    plan = PatrolPlan.objects.create(jurisdiction=my_grid, name="网格日常巡查", worker=users["grid"],
                                     starts_on=timezone.localdate() - datetime.timedelta(days=30))
    mine = list(RiskPoint.objects.filter(jurisdiction=communities[0])[:5])
    PatrolStop.objects.bulk_create([PatrolStop(plan=plan, risk_point=p, order=i) for i, p in enumerate(mine)])

    now = timezone.now()
    statuses = [HazardStatus.REPORTED, HazardStatus.ASSIGNED, HazardStatus.RECTIFYING, HazardStatus.RECHECKING]
    rows = []
    for i in range(n_hazards):
        grid = grids[i % len(grids)]
        status = statuses[i % 4]
        deadline = None
        if status in (HazardStatus.ASSIGNED, HazardStatus.RECTIFYING):
            # a fifth of those owing a rectification are overdue: 10 % of all open hazards
            overdue = i % 10 in (1, 2)
            deadline = now - datetime.timedelta(hours=rng.uniform(1, 200)) if overdue else \
                now + datetime.timedelta(days=rng.uniform(1, 15))
        rows.append(Hazard(jurisdiction=grid, reference=f"YH20260101-{i:06d}", title="楼道堆放杂物", source="grid_worker",
                           status=status, lon=114.05, lat=22.54, reported_at=now - datetime.timedelta(days=rng.uniform(0, 60)),
                           reported_by=users["grid"] if grid.pk == my_grid.pk else None,
                           assignee=users["unit"] if grid.pk == my_grid.pk and deadline else None,
                           deadline=deadline, escalate_at=deadline))
    Hazard.objects.bulk_create(rows, batch_size=5000)
    return users


def time_get(client, url: str, n: int) -> tuple[list[float], list[float], int]:  # type: ignore[no-untyped-def]
    walls, cpus, size = [], [], 0
    for _ in range(n):
        with stopwatch() as t:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        size = len(response.content)
        walls.append(t[0])
        cpus.append(t[1])
    return walls, cpus, size


def naive_riskmap(user) -> bytes:  # type: ignore[no-untyped-def]
    """What a first version writes: model instances, a dict per feature, labels per row."""
    from yingji.hazards.models import RiskPoint

    features = []
    for p in RiskPoint.objects.visible_to(user).filter(is_active=True).select_related("jurisdiction"):
        features.append({"type": "Feature",
                         "geometry": p.area or {"type": "Point", "coordinates": [p.lon, p.lat]},
                         "properties": {"code": p.code, "name": p.name, "category": p.category,
                                        "category_label": str(p.get_category_display()), "grade": p.grade,
                                        "grade_label": str(p.get_grade_display()),
                                        "jurisdiction": p.jurisdiction.name}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def naive_tasks(user) -> dict:  # type: ignore[no-untyped-def]
    from yingji.hazards.models import Hazard

    mine, recheck, reports = [], [], []
    for h in Hazard.objects.visible_to(user).select_related("jurisdiction"):
        if h.assignee_id == user.pk and h.status in ("assigned", "rectifying"):
            mine.append(h.title)
        if h.status == "rechecking" and h.rectified_by_id != user.pk:
            recheck.append(h.title)
        if h.reported_by_id == user.pk and h.is_open:
            reports.append(h.title)
    return {"to_rectify": mine, "to_recheck": recheck, "mine": reports}


def naive_escalation(now: datetime.datetime, limit: int) -> int:
    from yingji.audit.context import acting_as
    from yingji.hazards.models import Hazard
    from yingji.jurisdictions.models import Jurisdiction

    n = 0
    with acting_as(None, source="task"):
        for h in Hazard.objects.filter(escalate_at__lte=now, status__in=["assigned", "rectifying"])[:limit]:
            community = h.jurisdiction.parent if h.jurisdiction.level == "grid" else h.jurisdiction
            target = Jurisdiction.objects.get(pk=community.parent_id)
            h.escalation_level += 1
            h.escalated_to = target
            h.escalate_at = now + datetime.timedelta(hours=48)
            h.save()
            n += 1
    return n


def main() -> None:
    args = parse_args(__doc__ or "")
    n_points, n_hazards, repeats = (5_000, 10_000, 10) if args.quick else (50_000, 100_000, 40)
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="yingji-bench-hazards-") as tmp:
        engine = setup_environment(Path(tmp))
        from django.test import Client

        from yingji.accounts.models import ApiToken

        say(f"hazards bench on {engine}; {machine()}")
        with stopwatch() as t:
            users = build(n_points, n_hazards, rng)
        say(f"generated {n_points:,} risk points and {n_hazards:,} open hazards in {t[0]:.1f} s")

        def client(user):  # type: ignore[no-untyped-def]
            _token, raw = ApiToken.issue(user, "bench")
            c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
            c.get("/api/v1/hazards/tasks")  # the token's first-use write, out of the timings
            return c

        # ---- the four-colour map
        district, street = client(users["commander"]), client(users["street"])
        url = "/api/v1/hazards/riskmap.geojson"
        load_map = load_average()
        d_wall, d_cpu, d_size = time_get(district, url, repeats)
        s_wall, s_cpu, s_size = time_get(street, url, repeats)
        naive_wall = []
        for _ in range(max(3, repeats // 8)):
            with stopwatch() as t:
                naive_riskmap(users["commander"])
            naive_wall.append(t[0])
        say(f"riskmap, district ({n_points:,} points, {d_size / 1e6:.1f} MB): p50 {pct(d_wall, 50):.0f} ms, "
            f"p99 {pct(d_wall, 99):.0f} ms (CPU p50 {pct(d_cpu, 50):.0f} ms); naive serialiser p50 "
            f"{pct(naive_wall, 50):.0f} ms, p99 {pct(naive_wall, 99):.0f} ms")
        say(f"riskmap, one street (scoped, {s_size / 1e6:.2f} MB): p50 {pct(s_wall, 50):.1f} ms, "
            f"p99 {pct(s_wall, 99):.1f} ms (CPU p50 {pct(s_cpu, 50):.1f} ms, p99 {pct(s_cpu, 99):.1f} ms); "
            f"load average {load_map} at the start")

        # ---- a grid worker's tasks
        grid = client(users["grid"])
        load_tasks = load_average()
        t_wall, t_cpu, _size = time_get(grid, "/api/v1/hazards/tasks", repeats * 5)
        from yingji.hazards.services import tasks as task_services

        # The service alone (no HTTP, token, JSON), to compare with the naive function like for like.
        service_t = []
        for _ in range(max(3, repeats // 4)):
            with stopwatch() as t:
                task_services.today(users["grid"]).as_dict()
            service_t.append(t[0])
        naive_t, naive_t_cpu = [], []
        for _ in range(max(3, repeats // 4)):
            with stopwatch() as t:
                naive_tasks(users["grid"])
            naive_t.append(t[0])
            naive_t_cpu.append(t[1])
        say(f"tasks of a grid worker ({n_hazards:,} hazards in the district): p50 {pct(t_wall, 50):.1f} ms, "
            f"p99 {pct(t_wall, 99):.1f} ms (CPU p50 {pct(t_cpu, 50):.1f} ms, p99 {pct(t_cpu, 99):.1f} ms); "
            f"the service alone p50 {pct(service_t, 50):.1f} ms (with today's patrols), "
            f"naive p50 {pct(naive_t, 50):.1f} ms (CPU {pct(naive_t_cpu, 50):.1f} ms; no patrols); "
            f"load average {load_tasks} at the start")

        # ---- the overdue job
        from django.db import transaction
        from django.utils import timezone

        from yingji.hazards.models import Hazard
        from yingji.hazards.services.escalation import escalate_overdue
        from yingji.messaging.models import Message

        now = timezone.now()
        due = Hazard.objects.filter(escalate_at__lte=now).count()
        load_job = load_average()
        sample = min(1_000, due)
        with stopwatch() as t:
            with transaction.atomic():
                naive_escalation(now, sample)
                transaction.set_rollback(True)
        naive_per = t[0] / max(sample, 1)
        with stopwatch() as t:
            result = escalate_overdue(now)
        job_s, job_cpu = t[0], t[1]
        assert result.count == due, (result.count, due)
        told = Message.objects.filter(event="hazard.escalated").count()
        say(f"overdue job over {n_hazards:,} open hazards, {due:,} due: {job_s:.2f} s (CPU {job_cpu:.2f} s; "
            f"{told} messages to the jurisdictions they climbed to, with their deliveries); "
            f"naive one save per hazard: {naive_per * 1000:.1f} ms each, {naive_per * due:.1f} s for all "
            f"(timed on {sample:,}, no messages); load average {load_job} at the start")
        say(f"load average {load_average()}")
        emit({"bench": "hazards", "database": engine, "risk_points": n_points, "open_hazards": n_hazards,
              "riskmap_p99_ms": round(pct(d_wall, 99), 1), "riskmap_p50_ms": round(pct(d_wall, 50), 1),
              "riskmap_street_p99_ms": round(pct(s_wall, 99), 1),
              "riskmap_cpu_p50_ms": round(pct(d_cpu, 50), 1), "riskmap_street_cpu_p99_ms": round(pct(s_cpu, 99), 1),
              "tasks_cpu_p99_ms": round(pct(t_cpu, 99), 2),
              "tasks_service_p50_ms": round(pct(service_t, 50), 1), "overdue_job_cpu_s": round(job_cpu, 3),
              "overdue_messages": told, "load_average_map": load_map, "load_average_tasks": load_tasks,
              "load_average_job": load_job,
              "riskmap_naive_p50_ms": round(pct(naive_wall, 50), 1),
              "tasks_p99_ms": round(pct(t_wall, 99), 2), "tasks_p50_ms": round(pct(t_wall, 50), 2),
              "tasks_naive_p50_ms": round(pct(naive_t, 50), 1),
              "overdue_job_s": round(job_s, 3), "overdue_due": due,
              "overdue_naive_s": round(naive_per * due, 1), "load_average": load_average()})


if __name__ == "__main__":
    main()
