"""The responder's steps and the refusals of the state machine."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.core.testing import make_user
from yingji.incidents.models import DispatchStatus, EventKind, Status
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.intake import add_note
from yingji.incidents.services.respond import advance, incidents_visible_to, my_dispatches, report_sent
from yingji.incidents.tests.builders import fire_in_a, world

pytestmark = pytest.mark.django_db


def _called(cast):  # type: ignore[no-untyped-def]
    w = world(cast)
    incident = fire_in_a(cast)
    dispatches = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    return w, incident, dispatches[0]


def test_the_responder_acknowledges_departs_arrives_and_handles(cast):
    _w, incident, d = _called(cast)
    assert list(my_dispatches(cast.responder_a)) == [d]
    advance(d, "acknowledge", actor=cast.responder_a)
    advance(d, "depart", actor=cast.responder_a, people_sent=6, vehicles_sent=2, equipment_sent="水带 4 盘")
    advance(d, "arrive", actor=cast.responder_a)
    incident.refresh_from_db()
    assert incident.status == Status.ON_SCENE and incident.arrived_at is not None
    done = advance(d, "handled", actor=cast.responder_a, note="明火已扑灭")
    incident.refresh_from_db()
    assert done.status == DispatchStatus.HANDLED and done.people_sent == 6 and done.acknowledged_by == cast.responder_a
    assert incident.status == Status.HANDLED and incident.handled_at is not None
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == [EventKind.REPORTED, EventKind.DISPATCHED, EventKind.ACKNOWLEDGED, EventKind.DEPARTED,
                     EventKind.ARRIVED, EventKind.HANDLED]


def test_a_skipped_step_takes_the_time_of_the_next(cast):
    _w, _incident, d = _called(cast)
    arrived = advance(d, "arrive", actor=cast.responder_a)
    assert arrived.acknowledged_at == arrived.departed_at == arrived.arrived_at


def test_steps_never_go_back_and_a_step_is_not_repeated(cast):
    _w, _incident, d = _called(cast)
    advance(d, "arrive", actor=cast.responder_a)
    with pytest.raises(ValidationError):
        advance(d, "acknowledge", actor=cast.responder_a)
    with pytest.raises(ValidationError):
        advance(d, "arrive", actor=cast.responder_a)


def test_a_responder_cannot_acknowledge_someone_elses_call_out(cast):
    w, _incident, d = _called(cast)
    other_team_member = make_user("responder_a2", "responder", cast.community_a)
    with pytest.raises(PermissionDenied):  # same community: sees the incident, but it is not their team
        advance(d, "acknowledge", actor=other_team_member)
    with pytest.raises(Http404):  # the other street's responder does not even see it
        advance(d, "acknowledge", actor=w["responder_c"])
    with pytest.raises(PermissionDenied):
        report_sent(d, actor=other_team_member, people_sent=3)


def test_a_responder_sees_the_call_outs_of_their_team_in_a_neighbouring_community(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    [d] = dispatching.activate(incident, actor=cast.commander, team_ids=[w["teams"]["c1"].pk])
    responder_c = w["responder_c"]
    assert incident in incidents_visible_to(responder_c)
    assert advance(d, "acknowledge", actor=responder_c).status == DispatchStatus.ACKNOWLEDGED
    note = add_note(incident, actor=responder_c, text="已出发", dispatch=d)
    assert note.actor == responder_c


def test_the_officer_records_a_radio_message_for_a_team(cast):
    _w, _incident, d = _called(cast)
    assert advance(d, "acknowledge", actor=cast.street_officer).acknowledged_by == cast.street_officer


def test_reports_of_people_sent_are_checked(cast):
    _w, _incident, d = _called(cast)
    with pytest.raises(ValidationError):
        report_sent(d, actor=cast.responder_a, people_sent=-2)
    assert report_sent(d, actor=cast.responder_a, people_sent=8, equipment_sent="破拆工具").people_sent == 8
