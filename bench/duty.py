"""24-hour duty at Futian's scale: who is on duty now, and the district's daily report.

    .venv/bin/python bench/duty.py [--quick] [--database-url postgres://…]

Sets up its own database (SQLite in a temporary directory unless --database-url names an empty
PostgreSQL database), migrates it and generates Futian's 10 streets and 92 communities with their
accounts, then the duty demo step: two months of day and night shifts at the district, every
street and every community (about 12,800 shifts), holidays, reinforced duty, take-overs and
handovers. On top of that, a busy day (a typhoon): yesterday gets 2,000 duty log entries across
the district (a fifth of them events and instructions) and 60 incidents.

Measured, each beside its baseline in the same run:

- "on duty now" for all 92 communities and 10 streets through the API
  (`GET /api/v1/duty/now?jurisdiction=`), the cache emptied before every request, so every
  answer is read from the database (`on_duty_p99_ms`, target < 20 ms); the same with the cache warm
  (what the header pays on most pages); the service alone, cold and warm; the baseline loads a
  jurisdiction's shifts and picks the ones under way in Python, then their people one query each;
- the duty job (`duty.incidents`) after a burst of 300 calls in a minute: the street's officer on duty
  assigned and alerted (messages queued through messaging) and a first report drafted for each, in
  incidents per second (work taken out of intake);
- the daily duty message composed and queued for a robot group at the district and at every street;
- the district's daily report of that day compiled (its own log, the events and instructions of its
  streets, the counts of every unit below, the incidents) (`daily_report_s`, target < 2 s) beside the
  baseline that counts per unit and reads each shift's people and handover one by one; its
  Excel and its PDF.

Wall-clock figures come with the thread's CPU time and the load average. The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import datetime
import io
import random
import tempfile
from pathlib import Path

from _common import emit, load_average, machine, pct, say, start_django, stopwatch


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small district (3 streets, 12 communities)")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database instead of SQLite")
    parser.add_argument("--rounds", type=int, default=10, help="requests per jurisdiction and way of asking")
    return parser.parse_args()


def naive_on_duty(jurisdiction, at):  # type: ignore[no-untyped-def]
    """The obvious way: every shift of the jurisdiction, filtered in Python, people one query each."""
    from yingji.duty.models import Shift, ShiftMember

    under_way = [s for s in Shift.objects.filter(jurisdiction=jurisdiction) if s.starts_at <= at < s.ends_at]
    return [(s.label, str(s.leader), [str(m.user) for m in ShiftMember.objects.filter(shift=s)]) for s in under_way]


def naive_report(jurisdiction, day, now):  # type: ignore[no-untyped-def]
    """The obvious compilation: per unit below, one count per ledger; per shift, its people and handover."""
    from yingji.duty import times
    from yingji.duty.models import Handover, LogEntry, Shift
    from yingji.incidents.models import Incident
    from yingji.jurisdictions.models import Jurisdiction

    start, end = times.day_bounds(day)
    shifts = []
    for shift in Shift.objects.filter(jurisdiction=jurisdiction, starts_at__lt=end, ends_at__gt=start):
        notes = Handover.objects.filter(shift=shift).first()
        shifts.append((shift.label, str(shift.leader), [str(m.user) for m in shift.staff.all()],
                       notes.notes if notes else None))
    log = [(e.at, e.summary, e.jurisdiction.name) for e in LogEntry.objects.filter(
        jurisdiction__path__startswith=jurisdiction.path, at__gte=start, at__lt=end)]
    units = []
    for unit in Jurisdiction.objects.filter(parent=jurisdiction):
        below = {"jurisdiction__path__startswith": unit.path}
        units.append((unit.name, LogEntry.objects.filter(at__gte=start, at__lt=end, **below).count(),
                      Incident.objects.filter(received_at__gte=start, received_at__lt=end, **below).count(),
                      sum(1 for s in Shift.objects.filter(starts_at__lt=end, ends_at__gt=start, **below)
                          if s.ends_at <= now and not Handover.objects.filter(shift=s).exists())))
    incidents = [(i.reference, i.type_label, i.jurisdiction.name) for i in Incident.objects.filter(
        jurisdiction__path__startswith=jurisdiction.path, received_at__gte=start, received_at__lt=end)]
    return shifts, log, units, incidents


def busy_day(context, day):  # type: ignore[no-untyped-def]
    """A typhoon day: 2,000 log entries across the district, a fifth events and instructions; 60 incidents."""
    from django.db import transaction

    from yingji.duty import times
    from yingji.duty.models import LogEntry, Shift
    from yingji.incidents.models import Channel, Incident

    rng = random.Random(16)
    start, end = times.day_bounds(day)
    shifts = list(Shift.objects.filter(starts_at__lt=end, ends_at__gt=start, kind="regular").select_related("leader"))
    places = {j.pk: j for j in [*context.districts, *context.streets, *context.communities]}
    entries = []
    for _ in range(2000):
        shift = rng.choice(shifts)
        at = max(shift.starts_at, start) + (min(shift.ends_at, end) - max(shift.starts_at, start)) * rng.random()
        kind = rng.choices(["call", "event", "instruction", "visit", "other"], weights=[55, 12, 8, 15, 10])[0]
        entries.append(LogEntry(jurisdiction_id=shift.jurisdiction_id, shift=shift, at=at, kind=kind,
                                summary=f"台风“海葵”防御：{rng.randint(1, 40)}号路段积水，已通知排水队处置（{kind}）",
                                author=shift.leader, author_name=str(shift.leader)))
    incidents = []
    communities = list(context.communities)
    for n in range(60):
        place = rng.choice(communities)
        incidents.append(Incident(jurisdiction=place, type_code=rng.choice(["91300", "91600", "21100", "11200"]),
                                  channel=Channel.PHONE, lon=place.centroid_lon or 114.05,
                                  lat=place.centroid_lat or 22.54, address=f"{place.name}{n}号",
                                  received_at=start + datetime.timedelta(minutes=rng.randint(0, 1439))))
    with transaction.atomic():
        LogEntry.objects.bulk_create(entries, batch_size=2000)
        Incident.objects.bulk_create(incidents, batch_size=500)
    return len(entries), len(incidents), places


def main() -> None:
    args = parse()
    scale = "small" if args.quick else "futian"
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        start_django({"DATABASE_URL": url, "YINGJI_DATA_DIR": tmp})
        from django.core.cache import cache
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from yingji.accounts.demo import generate_accounts
        from yingji.accounts.models import ApiToken
        from yingji.core.demo import DemoContext
        from yingji.duty import exports, times
        from yingji.duty.demo import generate_duty
        from yingji.duty.models import LogEntry, Shift
        from yingji.duty.services import now as duty_now
        from yingji.duty.services import reports
        from yingji.jurisdictions.demo import generate_jurisdictions

        load_start = load_average()
        say(f"duty bench, scale {scale}, {connection.vendor} — {machine()}, load {load_start}")
        context = DemoContext(scale=scale, seed=2026, out=io.StringIO())
        generate_jurisdictions(context)
        generate_accounts(context)
        with stopwatch() as demo:
            generate_duty(context)
        say(f"duty demo step: {Shift.objects.count()} shifts, {LogEntry.objects.count()} log entries in "
            f"{demo[0]:.1f} s (CPU {demo[1]:.1f} s)")
        now = timezone.now()
        day = times.local_day(now) - datetime.timedelta(days=1)
        if day.month != times.local_day(now).month:  # the 1st: yesterday has no roster, use today
            day = times.local_day(now)
        n_entries, n_incidents, _places = busy_day(context, day)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        say(f"busy day {day}: {n_entries} more log entries, {n_incidents} incidents")

        posts = [*context.communities, *context.streets]
        commander = context.users["district"]
        _token, raw = ApiToken.issue(commander, "bench")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        rounds = args.rounds

        def api_once(code: str) -> None:
            response = client.get("/api/v1/duty/now", {"jurisdiction": code})
            assert response.status_code == 200, response.content

        for post in posts[:5]:  # warm up: connections, compiled code
            api_once(post.code)
        samples = {"api_cold": [], "api_cold_cpu": [], "api_warm": [], "service_cold_cpu": [], "baseline_cpu": [], "service_cold": [], "service_warm": [], "baseline": []}
        import time
        for _ in range(rounds):
            for post in posts:
                cache.clear()
                t0, c0 = time.perf_counter(), time.thread_time()
                api_once(post.code)
                samples["api_cold"].append(time.perf_counter() - t0)
                samples["api_cold_cpu"].append(time.thread_time() - c0)
                t0 = time.perf_counter()
                api_once(post.code)
                samples["api_warm"].append(time.perf_counter() - t0)
                cache.clear()
                t0, c0 = time.perf_counter(), time.thread_time()
                found = duty_now.on_duty(post)
                samples["service_cold"].append(time.perf_counter() - t0)
                samples["service_cold_cpu"].append(time.thread_time() - c0)
                assert found.shifts, post
                t0 = time.perf_counter()
                duty_now.on_duty(post)
                samples["service_warm"].append(time.perf_counter() - t0)
        for post in posts[: max(10, len(posts) // 4)]:
            t0, c0 = time.perf_counter(), time.thread_time()
            naive_on_duty(post, now)
            samples["baseline"].append(time.perf_counter() - t0)
            samples["baseline_cpu"].append(time.thread_time() - c0)
        figures = {key: (pct(values, 50), pct(values, 99)) for key, values in samples.items()}
        say(f"on duty now, {len(posts)} communities and streets × {rounds}:")
        for key, label in (("api_cold", "API, cache emptied before each request"),
                           ("api_cold_cpu", "  the same, CPU time of the request's thread"), ("api_warm", "API, cache warm"),
                           ("service_cold", "service, cold"), ("service_cold_cpu", "  the same, CPU time"),
                           ("service_warm", "service, warm (the header)"),
                           ("baseline", "baseline: all shifts of the place filtered in Python, people one by one"),
                           ("baseline_cpu", "  the same, CPU time")):
            say(f"  {label:<75} p50 {figures[key][0]:7.2f} ms  p99 {figures[key][1]:7.2f} ms")

        district = context.districts[0]
        report_now = times.day_bounds(day)[1] + datetime.timedelta(hours=1)
        reports.compile_report(actor=commander, jurisdiction=district, day=day, now=report_now)  # warm up
        with stopwatch() as compiled:
            report = reports.compile_report(actor=commander, jurisdiction=district, day=day, now=report_now)
        with stopwatch() as baseline:
            naive_report(district, day, report_now)
        with stopwatch() as xlsx:
            workbook = exports.report_xlsx(report)
        exports.report_pdf(report)  # the first PDF loads WeasyPrint and the fonts
        with stopwatch() as pdf:
            document = exports.report_pdf(report)
        totals = report.content["totals"]
        say(f"district daily report of {day}: {totals['log']} log entries ({len(report.content['carried_up'])} "
            f"carried up), {totals['incidents']} incidents, {len(report.content['units'])} units")
        say(f"  compile (daily_report_s)   {compiled[0]:.3f} s (CPU {compiled[1]:.3f} s)   target < 2 s")
        say(f"  baseline (per-unit counts, people and handover per shift)   {baseline[0]:.3f} s (CPU {baseline[1]:.3f} s)")
        say(f"  Excel {xlsx[0]:.3f} s (CPU {xlsx[1]:.3f} s, {len(workbook) // 1024} KB), "
            f"PDF {pdf[0]:.3f} s (CPU {pdf[1]:.3f} s, {len(document) // 1024} KB)")
        # A burst of calls (a typhoon's evening): 300 incidents in the last minute, picked up by the duty job.
        from yingji.duty.services import upward
        from yingji.incidents.models import Channel, Incident

        rng = random.Random(7)
        burst = []
        for n in range(300):
            place = rng.choice(list(context.communities))
            burst.append(Incident(jurisdiction=place, type_code="91300", channel=Channel.PHONE,
                                  lon=place.centroid_lon or 114.05, lat=place.centroid_lat or 22.54,
                                  address=f"{place.name}{n}号", received_at=now - datetime.timedelta(seconds=rng.randint(1, 60))))
        Incident.objects.bulk_create(burst, batch_size=500)
        with stopwatch() as swept:
            done = upward.sweep(now)
        assert done["assigned"] == len(burst), done
        say(f"the duty job after a burst of {len(burst)} calls: {done['assigned']} officers assigned, "
            f"{done['alerted']} alerts queued through messaging and {done['first_reports']} first reports drafted "
            f"in {swept[0]:.2f} s (CPU {swept[1]:.2f} s) — {len(burst) / swept[0]:.0f} incidents/s, outside intake")
        # The daily duty message: a robot group at the district and at every street (the duty topic).
        from django.test import override_settings

        from yingji.duty.services import alerts
        from yingji.messaging.models import RobotTarget

        RobotTarget.objects.bulk_create([
            RobotTarget(jurisdiction=place, name=f"{place.name}值班群", format="wechat_work",
                        url=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=bench{n}", topics=["duty"])
            for n, place in enumerate([district, *context.streets])])
        with override_settings(YINGJI_DUTY_DAILY_MESSAGE_AT="00:00"), stopwatch() as daily:
            sent = alerts.send_daily_messages(now)
        assert sent["daily_messages"] == 1 + len(context.streets), sent
        say(f"the daily duty message to {sent['daily_messages']} command centres' groups (district and streets): "
            f"{daily[0]:.3f} s (CPU {daily[1]:.3f} s)")
        emit({
            "bench": "duty", "scale": scale, "database": connection.vendor, "load_start": load_start,
            "load": load_average(),
            "posts": len(posts), "rounds": rounds,
            "on_duty_p99_ms": round(figures["api_cold"][1], 2), "on_duty_p50_ms": round(figures["api_cold"][0], 2),
            "on_duty_cpu_p99_ms": round(figures["api_cold_cpu"][1], 2),
            "on_duty_warm_p99_ms": round(figures["api_warm"][1], 2),
            "on_duty_service_cold_p99_ms": round(figures["service_cold"][1], 3),
            "on_duty_service_warm_p99_ms": round(figures["service_warm"][1], 3),
            "on_duty_baseline_p99_ms": round(figures["baseline"][1], 2),
            "on_duty_service_cold_cpu_p99_ms": round(figures["service_cold_cpu"][1], 3),
            "on_duty_baseline_cpu_p99_ms": round(figures["baseline_cpu"][1], 2),
            "daily_report_s": round(compiled[0], 3), "daily_report_baseline_s": round(baseline[0], 3),
            "daily_report_xlsx_s": round(xlsx[0], 3), "daily_report_pdf_s": round(pdf[0], 3),
            "report_log_entries": totals["log"], "report_incidents": totals["incidents"],
            "sweep_incidents_per_s": round(len(burst) / swept[0], 1), "sweep_alerts": done["alerted"],
            "daily_message_s": round(daily[0], 3),
        })


if __name__ == "__main__":
    main()
