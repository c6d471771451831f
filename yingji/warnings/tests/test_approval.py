"""Approval before release for the levels that need it, as a workflow: who may, who may not, and the history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.core.testing import web_client
from yingji.warnings import services
from yingji.warnings.models import State
from yingji.warnings.tests.builders import draft
from yingji.warnings.workflows import WARNING

pytestmark = pytest.mark.django_db


def test_an_orange_warning_goes_draft_submitted_approved_released_with_its_history(cast):
    warning = draft(cast, level="orange", jurisdiction=cast.street_1, actor=cast.street_officer)
    services.submit(warning, actor=cast.street_officer, note="请审批")
    services.approve(warning, actor=cast.commander, note="同意发布")
    warning = services.release(warning, actor=cast.street_officer)
    assert warning.state == State.RELEASED
    steps = [(e.transition, e.from_state, e.to_state, e.actor_name) for e in WARNING.history(warning)]
    assert steps == [("start", "", "draft", "street_officer"), ("submit", "draft", "pending", "street_officer"),
                     ("approve", "pending", "approved", "commander"), ("release", "approved", "released", "street_officer")]


def test_approval_refusals(cast):
    warning = draft(cast, level="red", jurisdiction=cast.community_a, actor=cast.officer_a,
                    areas=[services.AreaInput(kind="jurisdiction", jurisdiction=cast.grid_a1.code)])
    with pytest.raises(ValidationError):  # not submitted yet
        services.approve(warning, actor=cast.commander)
    services.submit(warning, actor=cast.officer_a)
    with pytest.raises(PermissionDenied):  # a community may not approve, even its own warning
        WARNING.transition(warning, "approve", actor=cast.officer_a)
    with pytest.raises(PermissionDenied):  # the auditor sees it but approves nothing
        services.approve(warning, actor=cast.auditor)
    with pytest.raises(Http404):  # the neighbouring community cannot even see it
        services.approve(warning, actor=cast.officer_b)
    street_draft = draft(cast, level="red", jurisdiction=cast.street_1, actor=cast.street_officer)
    services.submit(street_draft, actor=cast.street_officer)
    with pytest.raises(ValidationError, match="编制人以外"):  # four eyes: not the composer
        services.approve(street_draft, actor=cast.street_officer)
    with pytest.raises(ValidationError):  # pending is not approved: no release
        services.release(warning, actor=cast.commander)
    with pytest.raises(ValidationError):  # sending back needs a reason
        services.reject(warning, actor=cast.commander, note=" ")
    services.reject(warning, actor=cast.commander, note="预警区域过大，请缩小到南园街道")
    warning.refresh_from_db()
    assert warning.state == State.DRAFT
    assert WARNING.history(warning)[-1].note == "预警区域过大，请缩小到南园街道"


def test_a_yellow_warning_is_not_submitted_for_approval(cast):
    warning = draft(cast, level="yellow")
    with pytest.raises(ValidationError):
        services.submit(warning, actor=cast.commander)


def test_the_page_offers_each_user_only_their_steps(cast):
    warning = draft(cast, level="orange", jurisdiction=cast.street_1, actor=cast.street_officer)
    services.submit(warning, actor=cast.street_officer)
    composer = web_client(cast.street_officer).get(f"/warnings/{warning.pk}/").content.decode()
    approver = web_client(cast.commander).get(f"/warnings/{warning.pk}/").content.decode()
    assert 'data-testid="step-approve"' not in composer and 'data-testid="awaiting-approval"' in composer
    assert 'data-testid="step-approve"' in approver and 'data-testid="step-reject"' in approver
    assert web_client(cast.commander).post(f"/warnings/{warning.pk}/step/approve/").status_code == 302
    warning.refresh_from_db()
    assert warning.state == State.APPROVED
    assert 'data-testid="step-release"' in web_client(cast.street_officer).get(f"/warnings/{warning.pk}/").content.decode()
    assert web_client(cast.officer_a).post(f"/warnings/{warning.pk}/step/release/").status_code == 404  # not theirs
    assert web_client(cast.auditor).post(f"/warnings/{warning.pk}/step/release/").status_code == 403
    warning.refresh_from_db()
    assert warning.state == State.APPROVED
    assert web_client(cast.commander).post(f"/warnings/{warning.pk}/step/explode/").status_code == 404
