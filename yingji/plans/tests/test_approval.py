"""The approval of a plan (draft → pending → approved) on yingji.workflows, and its refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.plans import services
from yingji.plans.models import PlanStatus
from yingji.plans.tests.builders import make_plan
from yingji.plans.workflows import PLAN
from yingji.workflows.models import WorkflowEvent

pytestmark = pytest.mark.django_db


def test_it_goes_from_draft_through_pending_to_approved_with_history(cast):
    plan = make_plan(cast.officer_a, cast.community_a)
    assert plan.status == PlanStatus.DRAFT and plan.version == 1
    services.submit(plan, actor=cast.officer_a, note="请审批")
    services.approve(plan, actor=cast.street_officer)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_at is not None
    steps = [(e.transition, e.from_state, e.to_state, e.actor_id) for e in PLAN.history(plan)]
    assert steps[1:] == [("submit", "draft", "pending", cast.officer_a.pk),
                         ("approve", "pending", "approved", cast.street_officer.pk)]
    assert WorkflowEvent.objects.visible_to(cast.officer_c).count() == 0


def test_community_staff_may_submit_but_not_approve(cast):
    plan = make_plan(cast.officer_a, cast.community_a)
    services.submit(plan, actor=cast.officer_a)
    with pytest.raises(PermissionDenied):
        services.approve(plan, actor=cast.officer_a)
    with pytest.raises(PermissionDenied):
        services.return_for_changes(plan, actor=cast.officer_a)
    assert [t.name for t in PLAN.allowed(cast.officer_a, plan)] == []
    assert [t.name for t in PLAN.allowed(cast.street_officer, plan)] == ["approve", "return"]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING


def test_another_community_or_street_is_told_the_plan_does_not_exist(cast):
    plan = make_plan(cast.officer_a, cast.community_a)
    with pytest.raises(Http404):
        services.submit(plan, actor=cast.officer_b)
    services.submit(plan, actor=cast.officer_a)
    with pytest.raises(Http404):
        services.approve(plan, actor=cast.officer_c)
    # A responder of the community sees the plan but may not approve it.
    with pytest.raises(PermissionDenied):
        services.approve(plan, actor=cast.responder_a)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING


def test_a_plan_without_a_card_or_incident_types_is_not_submitted(cast):
    bare = make_plan(cast.officer_a, cast.community_a, steps=False)
    with pytest.raises(ValidationError) as refused:
        services.submit(bare, actor=cast.officer_a)
    assert "status" in refused.value.message_dict
    untyped = make_plan(cast.officer_a, cast.community_a, incident_types=[])
    with pytest.raises(ValidationError):
        services.submit(untyped, actor=cast.officer_a)
    bare.refresh_from_db()
    assert bare.status == PlanStatus.DRAFT


def test_an_approved_plan_is_revised_into_the_next_version_not_edited(cast):
    plan = make_plan(cast.officer_a, cast.community_a)
    services.submit(plan, actor=cast.officer_a)
    services.approve(plan, actor=cast.street_officer)
    with pytest.raises(ValidationError):
        services.update_plan(plan, actor=cast.officer_a, title="改个名")
    with pytest.raises(ValidationError):
        services.set_steps(plan, [], actor=cast.officer_a)
    with pytest.raises(ValidationError):  # approving twice: wrong state
        services.approve(plan, actor=cast.street_officer)
    revised = services.revise(plan, actor=cast.officer_a)
    assert (revised.status, revised.version, revised.approved_at) == (PlanStatus.DRAFT, 2, None)
    services.update_plan(revised, actor=cast.officer_a, title="高层建筑火灾专项预案（2027版）")
    revised.refresh_from_db()
    assert revised.title.endswith("（2027版）") and revised.steps.count() == 3


def test_a_returned_plan_is_a_draft_again(cast):
    plan = make_plan(cast.officer_a, cast.community_a)
    services.submit(plan, actor=cast.officer_a)
    with pytest.raises(ValidationError):
        services.update_plan(plan, actor=cast.officer_a, title="x")
    services.return_for_changes(plan, actor=cast.street_officer, note="补充疏散路线")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and PLAN.history(plan)[-1].note == "补充疏散路线"


def test_who_submitted_a_plan_does_not_approve_it(cast):
    """Separation of duties: the street officer may submit and approve street plans, never both on one."""
    from yingji.plans.tests.builders import second_commander

    plan = make_plan(cast.street_officer, cast.street_1)
    services.submit(plan, actor=cast.street_officer)
    assert [t.name for t in PLAN.allowed(cast.street_officer, plan)] == ["return"]
    with pytest.raises(PermissionDenied) as refused:
        services.approve(plan, actor=cast.street_officer)
    assert "另一名" in str(refused.value)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING
    services.approve(plan, actor=cast.commander)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    # The next version: the commander submits it now, so another district officer approves.
    services.revise(plan, actor=cast.commander)
    services.submit(plan, actor=cast.commander)
    with pytest.raises(PermissionDenied):
        services.approve(plan, actor=cast.commander)
    services.approve(plan, actor=second_commander())
