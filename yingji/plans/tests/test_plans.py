"""Plans and their cards: what is checked when they are written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.audit.models import ChangeRecord
from yingji.plans import services
from yingji.plans.models import CardStep, Plan, PlanLevel, WhoKind
from yingji.plans.services import StepIn
from yingji.plans.tests.builders import FIRE, make_plan
from yingji.resources.tests.builders import make_team

pytestmark = pytest.mark.django_db


def test_its_level_comes_from_its_jurisdiction_or_its_enterprise(cast):
    assert make_plan(cast.commander, cast.district).level == PlanLevel.DISTRICT
    assert make_plan(cast.street_officer, cast.street_1).level == PlanLevel.STREET
    assert make_plan(cast.officer_a, cast.community_a).level == PlanLevel.COMMUNITY
    works = make_plan(cast.officer_a, cast.community_a, enterprise="深圳某化工有限公司", kind="on_site")
    assert works.level == PlanLevel.ENTERPRISE and works.get_level_display() == "企业"


def test_bad_fields_are_refused_by_name_and_nothing_is_written(cast):
    with pytest.raises(ValidationError) as refused:
        services.create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, title=" ", kind="other",
                             incident_types=[FIRE, "99999"])
    assert set(refused.value.message_dict) == {"jurisdiction", "title", "kind", "incident_types"}
    assert "99999" in refused.value.message_dict["incident_types"][0]
    assert not Plan.objects.exists()


def test_a_plan_is_created_only_where_the_user_may(cast):
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=cast.officer_a, jurisdiction=cast.community_b, title="x", kind="special")
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=cast.responder_a, jurisdiction=cast.community_a, title="x", kind="special")
    plan = services.create_plan(actor=cast.officer_a, jurisdiction=cast.community_a, title="防汛预案",
                                kind="special", incident_types=["11200", "11200"],
                                review_due=datetime.date(2027, 6, 1))
    assert plan.incident_types == ["11200"]  # duplicates dropped
    created = ChangeRecord.objects.get(object_id=str(plan.pk), object_repr="防汛预案")
    assert created.action == "create" and created.jurisdiction_path == cast.community_a.path


def test_the_card_names_a_role_a_team_type_or_a_team_of_the_users_area(cast):
    plan = make_plan(cast.officer_a, cast.community_a, steps=False)
    own = make_team(cast.community_a)
    other = make_team(cast.community_c)
    rows = services.set_steps(plan, [
        StepIn(what="上报街道", who_kind=WhoKind.ROLE, who="community_staff", time_limit_minutes=10),
        StepIn(what="出动救援", who_kind=WhoKind.TEAM, who=own.code, how="携带灭火器"),
    ], actor=cast.officer_a)
    assert [(r.order, r.who_label()) for r in rows] == [(1, "社区工作站人员"), (2, own.name)]
    with pytest.raises(ValidationError) as refused:
        services.set_steps(plan, [
            StepIn(what="", who_kind=WhoKind.ROLE, who="nobody"),
            StepIn(what="出动", who_kind=WhoKind.TEAM, who=other.code),
            StepIn(what="计时", who_kind=WhoKind.TEAM_KIND, who="volunteer", time_limit_minutes=0),
        ], actor=cast.officer_a)
    problems = refused.value.message_dict["steps"]
    assert [p[:5] for p in problems] == ["第 1 步", "第 2 步", "第 3 步"], problems
    assert other.code in problems[1]
    # All or nothing: the card written before is still there.
    assert list(CardStep.objects.filter(plan=plan).values_list("what", flat=True)) == ["上报街道", "出动救援"]


def test_another_community_cannot_write_the_card(cast):
    plan = make_plan(cast.officer_a, cast.community_a)
    with pytest.raises(Http404):
        services.set_steps(plan, [], actor=cast.officer_b)
    with pytest.raises(Http404):
        services.update_plan(plan, actor=cast.officer_c, title="x")
    assert plan.steps.count() == 3
