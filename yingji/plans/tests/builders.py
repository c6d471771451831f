"""Builders for plan tests: a plan with a card, ready to submit."""

from __future__ import annotations

from typing import Any

from yingji.jurisdictions.models import Jurisdiction
from yingji.plans import services
from yingji.plans.models import Plan, WhoKind
from yingji.plans.services import StepIn

FIRE = "21100"


def fire_card() -> list[StepIn]:
    return [
        StepIn(what="接报核实，通知社区应急队", who_kind=WhoKind.ROLE, who="community_staff", how="电话核实地点、火势",
               time_limit_minutes=1),
        StepIn(what="疏散楼内群众", who_kind=WhoKind.TEAM_KIND, who="community_rescue", how="按疏散路线",
               time_limit_minutes=3),
        StepIn(what="初期火灾扑救", who_kind=WhoKind.TEAM_KIND, who="station_team", time_limit_minutes=5),
    ]


def rescue_member(user: Any, jurisdiction: Jurisdiction, kind: str = "community_rescue") -> Any:
    """`user` joins a team of `kind` in `jurisdiction` (the card's team-type steps are theirs to tick)."""
    from yingji.resources.tests.builders import make_member, make_team

    return make_member(make_team(jurisdiction, kind=kind), user=user)


def second_commander() -> Any:
    """Another district officer (made once): who submitted a plan does not approve it."""
    from yingji.accounts.models import User
    from yingji.accounts.roles import Role
    from yingji.core.testing import make_user

    found = User.objects.filter(username="commander_2").first()
    return found or make_user("commander_2", Role.DISTRICT_ADMIN,
                              Jurisdiction.objects.get(level="district", code="440304"))


def make_plan(actor: Any, jurisdiction: Jurisdiction, *, steps: bool = True, **fields: Any) -> Plan:
    values = {"title": "高层建筑火灾专项预案", "kind": "special", "incident_types": [FIRE]}
    values.update(fields)
    plan = services.create_plan(actor=actor, jurisdiction=jurisdiction, **values)
    if steps:
        services.set_steps(plan, fire_card(), actor=actor)
    return plan
