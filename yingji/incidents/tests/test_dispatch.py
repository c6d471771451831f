"""Candidate ranking, one-click activation, team status, escalation and close-out."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from yingji.incidents.models import DispatchStatus, EventKind, Status
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.respond import advance
from yingji.incidents.tests.builders import fire_in_a, world
from yingji.messaging.models import Delivery, Message
from yingji.resources.models import Team

pytestmark = pytest.mark.django_db


def test_it_ranks_available_teams_with_the_specialty_nearest_first(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    ranked = dispatching.recommend(incident, user=cast.street_officer)
    names = [c.team_name for c in ranked]
    assert names == ["A一队", "A二队", "B一队"]  # fire teams of the street; not the water team, not street 2's
    assert ranked[0].estimated and ranked[0].within_five_minutes
    assert ranked[0].seconds < ranked[1].seconds < ranked[2].seconds
    everything = dispatching.recommend(incident, user=cast.commander)
    assert "C一队" in [c.team_name for c in everything]
    assert w["teams"]["aw"].pk not in [c.team_id for c in everything]


def test_a_drowning_calls_the_water_rescue_team(cast):
    world(cast)
    incident = fire_in_a(cast, type_code="24100")
    assert dispatching.recommend(incident, user=cast.officer_a)[0].team_name == "A水域队"


def test_one_click_activation_calls_the_recommended_set_and_notifies_every_member(
        cast, django_capture_on_commit_callbacks):
    w = world(cast)
    incident = fire_in_a(cast)
    with django_capture_on_commit_callbacks(execute=True):
        dispatches = dispatching.activate(incident, actor=cast.officer_a)
    assert [d.team.name for d in dispatches] == ["A一队", "A二队"]  # a building fire needs two teams
    incident.refresh_from_db()
    assert incident.status == Status.DISPATCHED and incident.dispatched_at is not None
    assert set(Team.objects.filter(status="on_call").values_list("code", flat=True)) == {"T-A1", "T-A2"}
    sent = Delivery.objects.filter(channel="in_app", message__event="callout", message__subject_id=incident.pk)
    assert sent.count() == 1 and sent.get().user == cast.responder_a  # the only member with an account
    assert sent.get().status == "sent" and sent.get().message.subject == incident
    assert incident.events.filter(kind=EventKind.DISPATCHED).count() == 2
    # The called teams drop out of the next ranking.
    again = dispatching.recommend(fire_in_a(cast, lon=114.01), user=cast.officer_a)
    assert w["teams"]["a1"].pk not in [c.team_id for c in again]


def test_the_officer_chooses_the_teams(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    [d] = dispatching.activate(incident, actor=cast.street_officer, team_ids=[w["teams"]["b1"].pk])
    assert d.team.code == "T-B1" and d.travel_seconds > 0 and d.travel_estimated


def test_dispatch_refuses_busy_teams_teams_out_of_reach_and_closed_incidents(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    with pytest.raises(ValidationError):
        dispatching.activate(fire_in_a(cast, lon=114.01), actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    with pytest.raises(Http404):  # community C's team is out of A's officer's sight: "does not exist"
        dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["c1"].pk])
    with pytest.raises(Http404):  # B's officer does not even see A's incident
        dispatching.activate(incident, actor=cast.officer_b, team_ids=[w["teams"]["b1"].pk])
    with pytest.raises(PermissionDenied):  # a responder sees it but may not dispatch
        dispatching.activate(incident, actor=cast.responder_a)
    dispatching.close_incident(incident, actor=cast.officer_a, outcome="resolved")
    with pytest.raises(ValidationError):
        dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a2"].pk])


def test_closing_releases_the_teams_and_cannot_happen_twice(cast):
    world(cast)
    incident = fire_in_a(cast)
    dispatches = dispatching.activate(incident, actor=cast.officer_a)
    advance(dispatches[0], "arrive", actor=cast.responder_a)
    closed = dispatching.close_incident(incident, actor=cast.officer_a, outcome="resolved", injuries=1,
                                        loss_yuan="1200.50", materials_used=[{"name": "灭火器", "quantity": 2}],
                                        evaluation="处置及时")
    assert closed.status == Status.CLOSED and closed.injuries == 1 and str(closed.loss_yuan) == "1200.50"
    assert not Team.objects.filter(status="on_call").exists()
    assert set(closed.dispatches.values_list("status", flat=True)) == {DispatchStatus.RELEASED}
    with pytest.raises(ValidationError):
        dispatching.close_incident(incident, actor=cast.officer_a, outcome="resolved")
    with pytest.raises(ValidationError):
        dispatching.close_incident(fire_in_a(cast), actor=cast.officer_a, outcome="resolved", deaths=-1)


def test_a_team_that_does_not_acknowledge_in_time_is_replaced_and_the_officer_told(cast):
    # Door opening needs one "general" team; the world has none, so the nearest team of any kind is called.
    w = world(cast)
    incident = fire_in_a(cast, type_code="91100")  # door opening: one team
    [first] = dispatching.activate(incident, actor=cast.officer_a)
    assert first.team == w["teams"]["a1"]
    assert dispatching.escalate_overdue(now=timezone.now()) == []  # not yet overdue
    later = timezone.now() + datetime.timedelta(seconds=dispatching.ack_timeout_s() + 1)
    [replacement] = dispatching.escalate_overdue(now=later)
    first.refresh_from_db()
    assert first.status == DispatchStatus.TIMED_OUT
    assert replacement.escalated_from == first and replacement.team == w["teams"]["aw"]
    assert Team.objects.get(pk=first.team_id).status == "available"
    assert incident.events.filter(kind=EventKind.ESCALATED).count() == 1
    alert = Delivery.objects.get(message__event="escalated")
    assert alert.user == cast.officer_a and alert.message.subject == incident
    with pytest.raises(ValidationError):  # the late answer of the replaced team is refused
        advance(first, "acknowledge", actor=cast.responder_a)


def test_calling_many_teams_queues_one_call_out_per_member_with_the_team_in_it(
        cast, settings, monkeypatch, django_capture_on_commit_callbacks):
    # On PostgreSQL the call-outs are COPYed in (core/bulk.py); the rows must be what bulk_create writes.
    from yingji.core.testing import make_user
    from yingji.incidents.models import Dispatch, IncidentEvent
    from yingji.incidents.tests.builders import make_station, make_team
    from yingji.messaging import services as messaging
    from yingji.resources.models import Member

    settings.YINGJI_CALLOUT_CHANNELS = ["email"]
    station = make_station(cast.community_a, "ST-M", "M站", 114.01, 22.51)
    teams = [make_team(cast.community_a, f"T-M{i}", f"M{i}队", 114.01 + i / 1000, 22.51, members=0, station=station)
             for i in range(3)]
    people = [make_user(f"m{i}", "responder", cast.community_a, email=f"m{i}@example.org" if i == 0 else "")
              for i in range(5)]
    Member.objects.bulk_create([Member(team=teams[i % 3], name=f"m{i}", user=u, on_duty=True)
                                for i, u in enumerate(people)])
    incident = fire_in_a(cast)
    queued: list[tuple[list[int], int]] = []
    monkeypatch.setattr(messaging, "enqueue", lambda ids, count: queued.append((ids, count)))
    with django_capture_on_commit_callbacks(execute=True):
        dispatches = dispatching.dispatch_teams(incident, [t.pk for t in teams], actor=cast.officer_a)
    assert all(d.pk for d in dispatches) and Dispatch.objects.filter(incident=incident).count() == 3
    assert IncidentEvent.objects.filter(incident=incident, kind=EventKind.DISPATCHED).count() == 3
    messages = Message.objects.filter(event="callout", subject_id=incident.pk)
    rows = Delivery.objects.filter(message__in=messages)
    # One hand-over to the workers for the three teams' messages: 5 in-app, 1 email.
    assert queued == [(sorted(messages.values_list("pk", flat=True)), 6)] and rows.count() == 6
    assert sorted(m.payload["dispatch"] for m in messages) == sorted(d.pk for d in dispatches)
    for m in messages:
        d = Dispatch.objects.get(pk=m.payload["dispatch"])
        assert m.payload["team_name"] == d.team.name and m.payload["incident"] == incident.pk and m.title
        assert m.subject == incident and m.topic == "incidents" and m.jurisdiction == incident.jurisdiction
        assert {r.user.username for r in rows.filter(message=m, channel="in_app")} == \
            {u.username for u in people if Member.objects.get(user=u).team_id == d.team_id}
    for n in rows.filter(channel="in_app"):
        assert n.status == "queued" and n.attempts == 0 and n.queued_at is not None and n.robot_id is None
        assert n.user_id in {u.pk for u in people}
    assert rows.get(channel="email").address == "m0@example.org"
