"""The resources registry at Futian's scale: demo generation, the staffing
standard, Excel round trips and list endpoints.

    .venv/bin/python bench/resources.py [--quick]

Sets up its own SQLite database in a temporary directory, migrates it and
runs the jurisdictions, accounts and resources demo steps (`--quick`: the
small district of 12 communities instead of Futian's 92, 642 teams and 8,400
members). Then measures:

- the demo step itself (bulk inserts; the target is "a few seconds");
- the staffing standard over every station with `rules.staffing_checks` (four
  grouped queries) beside the naive baseline: three queries per station;
- the member ledger as Excel: export, then re-import of the same file
  (every row unchanged, nothing written) beside the baseline of one lookup
  query per row (measured on 500 rows and extrapolated);
- the API as the district commander: members list pages and the station and
  facility map layers, p50/p95 over repeated requests.

Wall-clock figures come with the thread's CPU time and the load average,
because a shared machine inflates the wall clock. The last line is one JSON
object.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from _common import emit, load_average, machine, parse_args, pct, say, start_django, stopwatch


def setup_environment(work: Path) -> None:
    start_django({"DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}", "YINGJI_DATA_DIR": str(work)})


def naive_staffing(stations):  # type: ignore[no-untyped-def]
    """The obvious loop: per station, its station team's members by role and its vehicles."""
    from django.db.models import Sum

    from yingji.resources.models import VEHICLE_KINDS, Equipment, Member, TeamKind

    out = {}
    for station in stations:
        members = list(Member.objects.filter(team__station=station, team__kind=TeamKind.STATION_TEAM)
                       .values_list("team_role", flat=True))
        teams = station.teams.filter(kind=TeamKind.STATION_TEAM).count()
        vehicles = Equipment.objects.filter(station=station, kind__in=VEHICLE_KINDS, status="in_service") \
            .aggregate(n=Sum("count"))["n"] or 0
        out[station.pk] = (teams, len(members), vehicles)
    return out


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    scale = "small" if args.quick else "futian"
    with tempfile.TemporaryDirectory() as tmp:
        setup_environment(Path(tmp))
        from django.test import Client

        from yingji.accounts.models import ApiToken
        from yingji.core.demo import DemoContext
        from yingji.jurisdictions.demo import generate_accounts, generate_jurisdictions
        from yingji.resources import rules
        from yingji.resources.demo import generate_resources
        from yingji.resources.imports import MemberTable
        from yingji.resources.models import Member, Station

        say(f"resources registry bench, scale {scale} — {machine()}")
        context = DemoContext(scale=scale, seed=2026, out=io.StringIO())
        generate_jurisdictions(context)
        generate_accounts(context)
        with stopwatch() as demo:
            generate_resources(context)
        members = Member.objects.count()
        say(f"demo step: {Station.objects.count()} stations, {members} members in {demo[0]:.2f} s "
            f"(CPU {demo[1]:.2f} s; target: a few seconds)")

        stations = Station.objects.filter(is_active=True)
        with stopwatch() as grouped:
            checks = rules.staffing_checks(stations)
        with stopwatch() as naive:
            naive_staffing(list(stations))
        failing = sum(1 for c in checks if not c.ok)
        say(f"staffing standard over {len(checks)} stations ({failing} fall short): {grouped[0] * 1000:.0f} ms "
            f"grouped vs {naive[0] * 1000:.0f} ms naive (3 queries per station), "
            f"{naive[0] / max(grouped[0], 1e-9):.0f}x")

        commander = context.users["district"]
        table = MemberTable(commander)
        with stopwatch() as export:
            content = table.to_xlsx()
        with stopwatch() as reimport:
            result = MemberTable(commander).import_file(content, "members.xlsx")
        assert result.ok and result.unchanged == members, result.as_dict()["errors"][:3]

        class PerRowLookups(MemberTable):
            """The baseline: the team's members are looked up again for every row."""

            def find_existing(self, values):  # type: ignore[no-untyped-def]
                self.__dict__.pop("_members_cache", None)
                return super().find_existing(values)

        sample = Member.objects.select_related("team__jurisdiction", "user").order_by("team__code", "pk")[:500]
        part = MemberTable(commander).to_xlsx(sample)
        with stopwatch() as baseline_part:
            PerRowLookups(commander).import_file(part, "part.xlsx")
        baseline = baseline_part[0] * members / 500
        say(f"member ledger: export {export[0]:.1f} s, re-import of {members} unchanged rows {reimport[0]:.1f} s "
            f"(CPU {reimport[1]:.1f} s) vs ~{baseline:.0f} s with a lookup per row")

        _token, raw = ApiToken.issue(commander, "bench")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        timings: dict[str, list[float]] = {}
        rounds = 10 if args.quick else 30
        for name, path in (("members list", "/api/v1/resources/members/?page={n}"),
                           ("stations layer", "/api/v1/resources/stations/geojson"),
                           ("facilities layer", "/api/v1/resources/facilities/geojson")):
            samples = timings.setdefault(name, [])
            for n in range(1, rounds + 1):
                started = time.perf_counter()
                response = client.get(path.format(n=n))
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200
            say(f"GET {name}: p50 {pct(samples, 50):.0f} ms, p95 {pct(samples, 95):.0f} ms")
        say(f"load average {load_average():.1f}")
        emit({
            "bench": "resources", "scale": scale, "stations": len(checks), "members": members,
            "demo_s": round(demo[0], 2), "demo_cpu_s": round(demo[1], 2),
            "staffing_grouped_ms": round(grouped[0] * 1000, 1), "staffing_naive_ms": round(naive[0] * 1000, 1),
            "export_s": round(export[0], 2), "reimport_s": round(reimport[0], 2),
            "reimport_baseline_s": round(baseline, 1),
            **{f"{name.replace(' ', '_')}_p50_ms": round(pct(s, 50), 1) for name, s in timings.items()},
            "load_average": load_average(),
        })


if __name__ == "__main__":
    main()
