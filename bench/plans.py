"""Plans and drills at Futian scale: matching the plan card at intake, the district's compliance view.

    .venv/bin/python bench/plans.py [--quick]

Sets up its own database (SQLite in a temporary directory; PostgreSQL when
BENCH_DATABASE_URL names one, which is dropped and recreated), generates the
district, 10 streets and 92 communities (Futian), five approved plans with
their cards for each of them (515 plans, about 2,000 steps) plus three
enterprise plans and a draft per community as noise, the district's drill
rules and a community's own for one in nine, and two years of drills (about
1,100), and measures:

- card_match: for a random incident type and community, the approved plan
  nearest the place that covers the type and its card's steps — what intake
  copies onto a new incident (plans.checklists: one query over the place's
  ancestors, then the steps) — beside the naive match (every approved plan
  loaded, filtered and ranked in Python, then the steps);
- compliance: GET /api/v1/drills/compliance as the district commander
  (102 rows) through Django's test Client, beside the naive computation (one
  COUNT query per jurisdiction and requirement).

Wall-clock figures beside the thread's CPU time and the load average at the
start of each part (the machine is shared). The last line is one JSON object.
"""

from __future__ import annotations

import datetime
import os
import random
import tempfile
from pathlib import Path

from _common import emit, load_average, machine, parse_args, pct, say, start_django, stopwatch

TYPES = ["21100", "21200", "21300", "11100", "11200", "12100", "12200", "91200", "21400", "91100", "33100"]


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


def build(rng: random.Random):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from yingji.accounts.models import Membership, User
    from yingji.accounts.roles import Role
    from yingji.drills.models import Drill, DrillRule, DrillScope, RuleTarget
    from yingji.jurisdictions.models import Jurisdiction, Level
    from yingji.plans.demo import CARDS, _plans_for
    from yingji.plans.models import CardStep, Plan, PlanKind, PlanStatus, WhoKind

    def make(level: str, code: str, name: str, parent):  # type: ignore[no-untyped-def]
        j = Jurisdiction(level=level, code=code, name=name, parent=parent)
        j.path = f"{parent.path if parent else '/'}{code}/"
        j.depth = j.path.count("/") - 2
        return j

    city = make(Level.CITY, "440300", "深圳市", None)
    district = make(Level.DISTRICT, "440304", "福田区", city)
    streets = [make(Level.STREET, f"440304{s:03d}000", f"街道{s}", district) for s in range(1, 11)]
    per_street = [10, 10, 9, 9, 9, 9, 9, 9, 9, 9]  # 92 communities
    communities = [make(Level.COMMUNITY, f"{st.code[:9]}{c:03d}", f"{st.name}社区{c}", st)
                   for st, n in zip(streets, per_street, strict=True) for c in range(1, n + 1)]
    for group in ([city], [district], streets, communities):
        Jurisdiction.objects.bulk_create(group)
    places = list(Jurisdiction.objects.filter(level__in=(Level.DISTRICT, Level.STREET, Level.COMMUNITY))
                  .order_by("path"))
    communities = [p for p in places if p.level == Level.COMMUNITY]
    today = timezone.localdate()
    now = timezone.now()
    plans = [p for j in places for p in _plans_for(j, rng, today)]
    for plan in plans:
        plan.approved_at = now - datetime.timedelta(days=rng.randint(30, 400))
    noise = [Plan(jurisdiction=c, title=f"{c.name}企业{e}火灾预案", kind=PlanKind.ON_SITE, enterprise=f"企业{e}",
                  incident_types=["21100"], status=PlanStatus.APPROVED, approved_at=now)
             for c in communities for e in range(3)]
    noise += [Plan(jurisdiction=c, title=f"{c.name}火灾预案（修订稿）", kind=PlanKind.SPECIAL,
                   incident_types=["21100", "21200"], status=PlanStatus.DRAFT) for c in communities]
    Plan.objects.bulk_create(plans + noise)
    cards = {title: card for title, _types, card in CARDS}
    steps = []
    for plan in plans:
        card = next((c for title, c in cards.items() if plan.title.endswith(title)), [])
        steps += [CardStep(plan=plan, order=n, what=what, who_kind=kind, who_role=who if kind == WhoKind.ROLE else "",
                           who_team_kind=who if kind == WhoKind.TEAM_KIND else "", how=how, time_limit_minutes=minutes)
                  for n, (what, kind, who, how, minutes) in enumerate(card, start=1)]
    CardStep.objects.bulk_create(steps, batch_size=2000)

    district = places[0]
    streets = [p for p in places if p.level == Level.STREET]
    rules = [DrillRule(jurisdiction=district, applies_to=RuleTarget.STREET, scope=DrillScope.COMPREHENSIVE,
                       minimum_per_year=2),
             *[DrillRule(jurisdiction=district, applies_to=RuleTarget.STREET, key_field=f, minimum_per_year=1)
               for f in ("fire", "flood", "typhoon")],
             DrillRule(jurisdiction=district, applies_to=RuleTarget.COMMUNITY, scope=DrillScope.COMPREHENSIVE,
                       minimum_per_year=1),
             DrillRule(jurisdiction=district, applies_to=RuleTarget.COMMUNITY, key_field="fire", minimum_per_year=1),
             *[DrillRule(jurisdiction=c, applies_to=RuleTarget.SELF, key_field="flood", minimum_per_year=2)
               for c in communities[::9]]]
    DrillRule.objects.bulk_create(rules)
    drills = []
    fields = ["", "", "fire", "flood", "typhoon", "gas", "elevator"]
    for year in (today.year - 1, today.year):
        for place in streets + communities:
            for _n in range(rng.randint(3, 7) if place.level == Level.STREET else rng.randint(1, 4)):
                field = rng.choice(fields)
                drills.append(Drill(jurisdiction=place, title="演练", drill_type="full_scale",
                                    scope=DrillScope.SPECIAL if field else DrillScope.COMPREHENSIVE, key_field=field,
                                    held_on=datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 330)),
                                    duration_minutes=90, participants=30))
    Drill.objects.bulk_create(drills, batch_size=2000)

    commander = User.objects.create(username="commander", display_name="指挥长")
    Membership.objects.create(user=commander, jurisdiction=district, role=Role.DISTRICT_ADMIN)
    return commander, communities, len(plans) + len(noise), len(steps), len(rules), len(drills)


def naive_match(type_code: str, path: str):  # type: ignore[no-untyped-def]
    """What a first version writes: every approved plan loaded, filtered and ranked in Python."""
    from yingji.plans.models import Plan, PlanStatus

    found = [p for p in Plan.objects.filter(status=PlanStatus.APPROVED).select_related("jurisdiction")
             if not p.enterprise and path.startswith(p.jurisdiction.path) and type_code in p.incident_types]
    found.sort(key=lambda p: (-p.jurisdiction.depth, -(p.approved_at.timestamp() if p.approved_at else 0), p.pk))
    plan = found[0] if found else None
    return plan, list(plan.steps.order_by("order")) if plan else []


def fast_match(type_code: str, path: str):  # type: ignore[no-untyped-def]
    from yingji.plans.checklists import matching_plan

    plan = matching_plan(type_code, path)
    return plan, list(plan.steps.order_by("order")) if plan else []


def naive_compliance(year: int, today: datetime.date) -> list[tuple[str, int, int]]:
    """One COUNT per jurisdiction and requirement (the rules read for each jurisdiction)."""
    from yingji.drills.models import Drill, DrillRule, RuleTarget
    from yingji.jurisdictions.models import Jurisdiction, Level

    out = []
    for j in Jurisdiction.objects.filter(level__in=(Level.STREET, Level.COMMUNITY)).order_by("path"):
        wanted: dict[tuple[str, str], int] = {}
        for rule in DrillRule.objects.select_related("jurisdiction"):
            if (rule.applies_to == RuleTarget.SELF and rule.jurisdiction_id == j.pk) or (
                    rule.applies_to == j.level and j.path.startswith(rule.jurisdiction.path)
                    and rule.jurisdiction_id != j.pk):
                key = (rule.scope, rule.key_field)
                wanted[key] = max(wanted.get(key, 0), rule.minimum_per_year)
        for (scope, key_field), minimum in wanted.items():
            drills = Drill.objects.filter(jurisdiction=j, held_on__year=year)
            if scope:
                drills = drills.filter(scope=scope)
            if key_field:
                drills = drills.filter(key_field=key_field)
            held = drills.count()
            out.append((j.code, held, max(0, minimum - held)))
    return out


def main() -> None:
    args = parse_args(__doc__ or "")
    matches, views = (300, 10) if args.quick else (3000, 60)
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        engine = setup_environment(Path(tmp))
        from django.test import Client
        from django.utils import timezone

        from yingji.accounts.models import ApiToken
        from yingji.drills import compliance

        with stopwatch() as t:
            commander, communities, n_plans, n_steps, n_rules, n_drills = build(rng)
        say(f"Plans and drills bench — {machine()}, {engine}")
        say(f"generated 10 streets, {len(communities)} communities, {n_plans} plans, {n_steps} card steps, "
            f"{n_rules} drill rules, {n_drills} drills in {t[0]:.1f} s")

        # --- card match
        load = load_average()
        cases = [(rng.choice(TYPES), rng.choice(communities).path) for _ in range(matches)]
        for type_code, path in cases[:20]:  # warm up; and both answer the same plan
            assert fast_match(type_code, path)[0] == naive_match(type_code, path)[0]
        fast_wall, fast_cpu, card_naive_wall = [], [], []
        for type_code, path in cases:
            with stopwatch() as t:
                fast_match(type_code, path)
            fast_wall.append(t[0])
            fast_cpu.append(t[1])
        for type_code, path in cases[: max(matches // 10, 30)]:
            with stopwatch() as t:
                naive_match(type_code, path)
            card_naive_wall.append(t[0])
        card_p50, card_p99 = pct(fast_wall, 50), pct(fast_wall, 99)
        say(f"card match at intake (load {load}): p50 {card_p50:.2f} ms, p99 {card_p99:.2f} ms "
            f"(CPU p99 {pct(fast_cpu, 99):.2f} ms)  |  naive (all approved plans in Python): "
            f"p50 {pct(card_naive_wall, 50):.2f} ms, p99 {pct(card_naive_wall, 99):.2f} ms  — target p99 < 5 ms")

        # --- compliance
        load = load_average()
        _token, raw = ApiToken.issue(commander, "bench")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        first = client.get("/api/v1/drills/compliance")  # the token's first use, out of the timings
        assert first.status_code == 200, first.content[:300]
        rows = first.json()["rows"]
        today = timezone.localdate()
        assert len(rows) == 102, len(rows)
        naive = naive_compliance(today.year, today)
        assert sum(due for _c, _h, due in naive) == first.json()["summary"]["due"]
        api_wall, api_cpu, core_wall, naive_wall = [], [], [], []
        for _ in range(views):
            with stopwatch() as t:
                response = client.get("/api/v1/drills/compliance")
            assert response.status_code == 200
            api_wall.append(t[0])
            api_cpu.append(t[1])
        for _ in range(views):
            with stopwatch() as t:
                compliance.scope_rows(commander, None, today.year, today)
            core_wall.append(t[0])
        for _ in range(max(views // 6, 5)):
            with stopwatch() as t:
                naive_compliance(today.year, today)
            naive_wall.append(t[0])
        comp_p50, comp_p99 = pct(api_wall, 50), pct(api_wall, 99)
        say(f"compliance, district (102 rows, load {load}): API p50 {comp_p50:.1f} ms, p99 {comp_p99:.1f} ms "
            f"(CPU p99 {pct(api_cpu, 99):.1f} ms; the computation alone p99 {pct(core_wall, 99):.1f} ms)  |  naive "
            f"(a COUNT per jurisdiction and requirement): p50 {pct(naive_wall, 50):.1f} ms, "
            f"p99 {pct(naive_wall, 99):.1f} ms  — target p99 < 200 ms")
        emit({"card_match_p99_ms": round(card_p99, 3), "card_match_p50_ms": round(card_p50, 3),
              "card_match_naive_p99_ms": round(pct(card_naive_wall, 99), 3),
              "compliance_p99_ms": round(comp_p99, 2), "compliance_p50_ms": round(comp_p50, 2),
              "compliance_naive_p99_ms": round(pct(naive_wall, 99), 2), "database": engine,
              "load_average": load_average()})


if __name__ == "__main__":
    main()
