"""The demo steps of plans and drills: plans with cards for every street and community, a year of drills
with some behind, follow-ups opened as hazards, open incidents with their checklists."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from yingji.core.demo import DemoContext
from yingji.drills import compliance
from yingji.drills.demo import generate_drills
from yingji.drills.models import Drill, FollowUp
from yingji.jurisdictions.models import Level
from yingji.plans import checklists
from yingji.plans.demo import generate_plans
from yingji.plans.models import Plan, PlanStatus
from yingji.resources.tests.builders import make_member, make_team

pytestmark = pytest.mark.django_db


def test_the_demo_files_plans_and_two_years_of_drills(cast):
    for place in (cast.community_a, cast.community_b, cast.community_c):
        team = make_team(place)
        for _n in range(4):
            make_member(team)
    context = DemoContext(scale="small", seed=1, out=io.StringIO())
    generate_plans(context)
    generate_drills(context)
    for place in (cast.district, cast.street_1, cast.street_2, cast.community_a, cast.community_b, cast.community_c):
        plans = Plan.objects.filter(jurisdiction=place, status=PlanStatus.APPROVED)
        assert plans.count() == 5 and all(p.versions.count() == 1 for p in plans)
    for code in ("21100", "11200", "12100", "91200", "21400"):
        plan = checklists.matching_plan(code, cast.community_a.path)
        assert plan is not None and plan.jurisdiction == cast.community_a and plan.steps.count() >= 3
    year = timezone.localdate().year
    assert Drill.objects.filter(held_on__year=year).exists() and Drill.objects.filter(held_on__year=year - 1).exists()
    assert Drill.objects.filter(members__isnull=False).exists()
    rows = compliance.scope_rows(cast.commander, None, year, timezone.localdate().replace(month=12, day=31))
    streets = [r for r in rows if r.jurisdiction.level == Level.STREET]
    assert [r.behind for r in streets] == [False, True]  # the last street lags this year
    assert FollowUp.objects.filter(hazard__isnull=False).exists()
    assert "drills over two years" in context.out.getvalue()
