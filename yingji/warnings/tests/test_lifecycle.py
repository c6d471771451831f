"""Release, update, cancel and expiry of warnings, on a clock."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from yingji.core.jobs import JOBS, Runner, discover
from yingji.warnings import cap, services
from yingji.warnings.models import MsgType, State
from yingji.warnings.tests.builders import draft

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(datetime.datetime(2026, 6, 1, 8, 0, 0))


def test_a_yellow_draft_is_released_and_listed_as_active(cast):
    warning = services.release(draft(cast, now=T0), actor=cast.commander, now=T0)
    assert warning.state == State.RELEASED and warning.sent == T0 and warning.released_by == cast.commander
    assert list(services.active(T0 + datetime.timedelta(hours=1))) == [warning]
    cap.validate(warning.cap_xml.encode())


def test_an_orange_or_red_warning_is_not_released_without_approval(cast, settings):
    for level in ("orange", "red"):
        warning = draft(cast, level=level, now=T0)
        with pytest.raises(ValidationError, match="审批"):
            services.release(warning, actor=cast.commander, now=T0)
        warning.refresh_from_db()
        assert warning.state == State.DRAFT and warning.sent is None
    settings.YINGJI_WARNING_APPROVAL_LEVELS = ["red"]  # configurable per level
    assert services.release(draft(cast, level="orange", now=T0), actor=cast.commander, now=T0).state == State.RELEASED


def test_an_update_references_and_replaces_the_original(cast):
    original = services.release(draft(cast, now=T0), actor=cast.commander, now=T0)
    update = services.compose_update(original, actor=cast.commander)
    assert update.msg_type == MsgType.UPDATE and update.state == State.DRAFT
    assert update.references == f"{original.sender},{original.identifier},2026-06-01T08:00:00+08:00"
    with pytest.raises(ValidationError):  # one follow-up at a time
        services.compose_update(original, actor=cast.commander)
    later = T0 + datetime.timedelta(minutes=30)
    update = services.release(update, actor=cast.commander, now=later)
    original.refresh_from_db()
    assert original.state == State.SUPERSEDED and update.state == State.RELEASED
    assert list(services.active(later)) == [update]
    assert b"<msgType>Update</msgType>" in update.cap_xml.encode()
    assert f"<references>{update.references}</references>".encode() in update.cap_xml.encode()


def test_a_cancel_ends_the_original_and_itself(cast):
    original = services.release(draft(cast, now=T0), actor=cast.commander, now=T0)
    cancel = services.compose_cancel(original, actor=cast.commander, note="降雨减弱，解除预警")
    cancel = services.release(cancel, actor=cast.commander, now=T0 + datetime.timedelta(hours=1))
    original.refresh_from_db()
    assert original.state == State.CANCELLED and cancel.state == State.CANCELLED
    assert not services.active(T0 + datetime.timedelta(hours=1)).exists()
    xml = cancel.cap_xml.encode()
    cap.validate(xml)
    assert b"<msgType>Cancel</msgType>" in xml and original.identifier.encode() in xml
    with pytest.raises(ValidationError):  # nothing left to update
        services.compose_update(original, actor=cast.commander)


def test_the_expiry_job_ends_warnings_whose_time_is_up(cast):
    warning = services.release(draft(cast, now=T0), actor=cast.commander, now=T0)  # expires T0 + 6 h
    discover()
    job = JOBS["warnings.expire"]
    assert job.func(T0 + datetime.timedelta(hours=5)) == {"expired": 0}
    Runner([job]).run_due(T0 + datetime.timedelta(hours=6, seconds=1))
    warning.refresh_from_db()
    assert warning.state == State.EXPIRED
    assert not services.active(T0 + datetime.timedelta(hours=6, seconds=1)).exists()


def test_a_draft_cannot_be_released_after_its_expiry(cast):
    warning = draft(cast, now=T0)
    with pytest.raises(ValidationError):
        services.release(warning, actor=cast.commander, now=T0 + datetime.timedelta(hours=7))


def test_scope_outsiders_get_404_and_viewers_without_the_right_403(cast):
    warning = draft(cast, now=T0, jurisdiction=cast.community_a, actor=cast.officer_a,
                    areas=[services.AreaInput(kind="jurisdiction", jurisdiction=cast.grid_a1.code)])
    with pytest.raises(Http404):  # community B cannot even see community A's draft
        services.release(warning, actor=cast.officer_b, now=T0)
    with pytest.raises(PermissionDenied):  # a responder of community A sees it but may not release
        services.release(warning, actor=cast.responder_a, now=T0)
    with pytest.raises(PermissionDenied):  # nobody composes for a community they do not serve
        draft(cast, now=T0, jurisdiction=cast.community_a, actor=cast.officer_b)
    with pytest.raises(ValidationError):  # nor targets a jurisdiction outside the warning's own
        draft(cast, now=T0, jurisdiction=cast.community_a, actor=cast.officer_a,
              areas=[services.AreaInput(kind="jurisdiction", jurisdiction=cast.community_b.code)])
    assert services.release(warning, actor=cast.officer_a, now=T0).state == State.RELEASED


def test_bad_compose_input_names_the_field_and_writes_nothing(cast):
    from yingji.warnings.models import EarlyWarning

    cases = [({"level": "purple"}, "level"), ({"headline": " "}, "headline"),
             ({"expires": T0 - datetime.timedelta(hours=1)}, "expires"),
             ({"areas": []}, "areas"),
             ({"areas": [services.AreaInput(kind="polygon", ring=[[114.0, 22.5], [114.1, 22.6]])]}, "areas"),
             ({"areas": [services.AreaInput(kind="circle", circle=[114.0, 22.5, 0])]}, "areas"),
             ({"channels": ["fax"]}, "channels")]
    for change, field in cases:
        with pytest.raises(ValidationError) as refused:
            draft(cast, now=T0, **change)
        assert field in refused.value.message_dict, (change, refused.value.message_dict)
    assert not EarlyWarning.objects.exists()


def test_reached_jurisdictions_follow_the_drawn_area(cast):
    warning = draft(cast, now=T0)  # a triangle inside grid A1
    codes = {j.code for j in warning.target_jurisdictions.all()}
    assert codes == {cast.street_1.code, cast.community_a.code, cast.grid_a1.code}
    people = services.recipients(warning)
    assert [p.user_id for p in people] == [cast.grid_worker_a.pk]
