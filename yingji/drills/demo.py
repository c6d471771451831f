"""Demo step: the district's frequency rules, a few communities' own, and a year of drills — last year's
and this year's up to today — with teams and members from the resources step, findings and follow-ups
(a few opened as hazards). Some communities and one street are left behind, so the compliance view has
something to highlight.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from yingji.accounts.models import Membership
from yingji.accounts.roles import Role
from yingji.audit.context import acting_as
from yingji.core.demo import DemoContext, demo_step
from yingji.drills import services
from yingji.drills.models import Drill, DrillRule, DrillScope, DrillType, FollowUp, RuleTarget
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.plans.models import Plan
from yingji.resources.models import Member, Team

STREET_FIELDS = ["fire", "flood", "typhoon"]
TITLES = {"": "综合应急演练", "fire": "消防疏散演练", "flood": "防汛排涝演练", "typhoon": "防台风转移演练",
          "elevator": "电梯困人救援演练", "gas": "燃气泄漏处置演练"}
PLAN_SUFFIX = {"": "突发事件总体应急预案", "fire": "火灾事故专项应急预案", "flood": "防汛防台风专项应急预案",
               "typhoon": "防汛防台风专项应急预案", "elevator": "电梯困人专项应急预案", "gas": "燃气泄漏专项应急预案"}
FINDINGS = ["疏散通道有杂物堆放", "部分楼层应急照明不亮", "对讲机信号在地下室不稳定", "队员佩戴空气呼吸器不熟练",
            "集合点人数清点用时偏长", "灭火器压力不足", "居民对疏散路线不熟悉", ""]


def _day(rng: Any, year: int, until: datetime.date) -> datetime.date:
    first = datetime.date(year, 1, 1)
    last = min(datetime.date(year, 12, 31), until)
    return first + datetime.timedelta(days=rng.randint(0, max((last - first).days, 0)))


@demo_step(72, "drills")
def generate_drills(context: DemoContext) -> None:
    rng = context.sub_rng("drills")
    today = timezone.localdate()
    district = Jurisdiction.objects.filter(level=Level.DISTRICT).order_by("path").first()
    if district is None:
        return
    streets = list(Jurisdiction.objects.filter(level=Level.STREET).order_by("path"))
    communities = list(Jurisdiction.objects.filter(level=Level.COMMUNITY).order_by("path"))
    plans = {(p.jurisdiction_id, p.title.removeprefix(p.jurisdiction.name)): p
             for p in Plan.objects.select_related("jurisdiction")}
    teams: dict[int, list[Team]] = {}
    for team in Team.objects.filter(jurisdiction__in=streets + communities).order_by("code"):
        teams.setdefault(team.jurisdiction_id, []).append(team)
    members: dict[int, list[int]] = {}
    for team_id, member_id in Member.objects.filter(team__jurisdiction__in=streets + communities).values_list(
            "team_id", "pk"):
        members.setdefault(team_id, []).append(member_id)
    rules = [DrillRule(jurisdiction=district, applies_to=RuleTarget.STREET, scope=DrillScope.COMPREHENSIVE,
                       minimum_per_year=2, note="街道每年至少组织2次综合演练"),
             *[DrillRule(jurisdiction=district, applies_to=RuleTarget.STREET, key_field=field, minimum_per_year=1,
                         note="重点领域每年至少1次专项演练") for field in STREET_FIELDS],
             DrillRule(jurisdiction=district, applies_to=RuleTarget.COMMUNITY, scope=DrillScope.COMPREHENSIVE,
                       minimum_per_year=1, note="社区每年至少1次综合演练"),
             DrillRule(jurisdiction=district, applies_to=RuleTarget.COMMUNITY, key_field="fire", minimum_per_year=1,
                       note="社区每年至少1次消防演练")]
    # Low-lying communities ask themselves for a flood drill before the rainy season.
    for community in communities[::9]:
        rules.append(DrillRule(jurisdiction=community, applies_to=RuleTarget.SELF, key_field="flood",
                               minimum_per_year=1, note="低洼易涝社区自定要求"))
    drills: list[tuple[Drill, list[Team], list[int]]] = []

    def add(place: Jurisdiction, day: datetime.date, key_field: str) -> None:
        scope = DrillScope.SPECIAL if key_field else DrillScope.COMPREHENSIVE
        kind = rng.choice([DrillType.FULL_SCALE, DrillType.FULL_SCALE, DrillType.FUNCTIONAL, DrillType.TABLETOP])
        own = teams.get(place.pk, [])
        chosen = rng.sample(own, min(len(own), rng.randint(1, 3))) if own else []
        people = [m for t in chosen for m in rng.sample(members.get(t.pk, []), min(len(members.get(t.pk, [])), 8))]
        drill = Drill(jurisdiction=place, plan=plans.get((place.pk, PLAN_SUFFIX[key_field])),
                      title=f"{place.name}{day.year}年{TITLES[key_field]}", drill_type=kind, scope=scope,
                      key_field=key_field, held_on=day, duration_minutes=rng.choice([45, 60, 90, 120, 180]),
                      place=f"{place.name}{rng.randint(1, 30)}号楼前广场", participants=len(people) + rng.randint(5, 80),
                      findings=rng.choice(FINDINGS))
        drills.append((drill, chosen, people))

    for year in (today.year - 1, today.year):
        this_year = year == today.year
        for i, street in enumerate(streets):
            lagging = this_year and i == len(streets) - 1  # one street is behind this year
            for _n in range(1 if lagging else 2):
                add(street, _day(rng, year, today), "")
            for field in STREET_FIELDS:
                if not (lagging and field != "fire"):
                    add(street, _day(rng, year, today), field)
        for community in communities:
            behind = this_year and rng.random() < 0.2
            if not behind or rng.random() < 0.5:
                add(community, _day(rng, year, today), "")
            if not behind:
                add(community, _day(rng, year, today), "fire")
            if rng.random() < 0.3:
                add(community, _day(rng, year, today), rng.choice(["elevator", "gas", "flood"]))
    with acting_as(None, source="command"), transaction.atomic():
        DrillRule.objects.bulk_create(rules)
        Drill.objects.bulk_create([d for d, _t, _m in drills])
        Drill.teams.through.objects.bulk_create([Drill.teams.through(drill_id=d.pk, team_id=t.pk)
                                                 for d, chosen, _m in drills for t in chosen])
        Drill.members.through.objects.bulk_create([Drill.members.through(drill_id=d.pk, member_id=m)
                                                   for d, _t, people in drills for m in people])
        follow_ups = [FollowUp(drill=d, text=f"整改：{d.findings}", responsible="社区工作站",
                               due_on=d.held_on + datetime.timedelta(days=30),
                               done_on=d.held_on + datetime.timedelta(days=rng.randint(5, 40))
                               if d.held_on < today - datetime.timedelta(days=45) else None)
                      for d, _t, _m in drills if d.findings]
        # The latest few in communities are still open: they become hazards below.
        communities_ids = {c.pk for c in communities}
        latest = sorted((f for f in follow_ups if f.drill.jurisdiction_id in communities_ids),
                        key=lambda f: f.drill.held_on, reverse=True)[:5]
        for follow_up in latest:
            follow_up.done_on = None
        FollowUp.objects.bulk_create(follow_ups)
    # A few recent follow-ups become hazards through the hazards app's own service.
    opened = 0
    staff = {m.jurisdiction_id: m.user for m in
             Membership.objects.filter(role=Role.COMMUNITY_STAFF).select_related("user").order_by("-pk")}
    for follow_up in [f for f in latest if f.drill.jurisdiction_id in staff]:
        services.open_hazard(follow_up, actor=staff[follow_up.drill.jurisdiction_id])
        opened += 1
    context.say(f"  {len(rules)} frequency rules, {len(drills)} drills over two years, {len(follow_ups)} "
                f"follow-ups ({opened} opened as hazards)")
