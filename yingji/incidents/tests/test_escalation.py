"""Issue 11: escalation that stops — on a clock (every sweep is given its `now`).

The world (builders.world): in street 1, A一队 and A二队 (fire) and A水域队 (water) in community A,
B一队 in community B; C一队 in community C, street 2. Door opening needs one team and no team is
"general", so the nearest team of any kind is called: A一队, then A水域队, A二队, B一队.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.incidents.models import Dispatch, DispatchStatus, EventKind
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.dispatch import Stop
from yingji.incidents.services.ranking import team_index
from yingji.incidents.services.respond import advance
from yingji.incidents.tests.builders import fire_in_a, world
from yingji.messaging.models import Delivery
from yingji.resources.models import Team

pytestmark = pytest.mark.django_db
T0 = timezone.now()


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def sweep(seconds: float) -> list[Dispatch]:
    """One run of the escalation job at T0 + seconds."""
    return dispatching.escalate_overdue(now=at(seconds))


def stops(incident) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.data["reason"] for e in incident.events.filter(kind=EventKind.ESCALATION_STOPPED).order_by("at", "id")]


def alerts() -> list[Delivery]:
    return list(Delivery.objects.filter(message__event="escalation_stopped").select_related("message"))


def off_duty(*teams: Team) -> None:
    Team.objects.filter(pk__in=[t.pk for t in teams]).update(status="off_duty")
    team_index.reset()


def test_escalation_stops_once_a_team_has_acknowledged(cast):
    w = world(cast)
    incident = fire_in_a(cast)  # a building fire calls two teams
    first, second = dispatching.dispatch_teams(incident, [w["teams"]["a1"].pk, w["teams"]["a2"].pk],
                                               actor=cast.officer_a, now=T0)
    advance(first, "acknowledge", actor=cast.responder_a, now=at(30))
    assert sweep(200) == []
    second.refresh_from_db()
    assert second.status == DispatchStatus.TIMED_OUT
    assert Team.objects.get(pk=second.team_id).status == "available"
    assert stops(incident) == [Stop.ANSWERED] and alerts() == []  # nothing missing: no alarm
    assert incident.dispatches.count() == 2


def test_the_step_that_stops_it_is_a_setting(cast, settings):
    settings.YINGJI_ESCALATION_STOP_AT = "on_scene"
    w = world(cast)
    incident = fire_in_a(cast)
    first, second = dispatching.dispatch_teams(incident, [w["teams"]["a1"].pk, w["teams"]["a2"].pk],
                                               actor=cast.officer_a, now=T0)
    advance(first, "acknowledge", actor=cast.responder_a, now=at(30))
    [replacement] = sweep(200)  # acknowledged is not on scene yet: the silent team is replaced
    assert replacement.escalated_from_id == second.pk
    advance(first, "depart", actor=cast.responder_a, now=at(210))
    advance(first, "arrive", actor=cast.responder_a, now=at(250))
    assert sweep(400) == []
    assert stops(incident) == [Stop.ANSWERED]


def test_escalation_never_runs_after_initial_handling_and_one_click_activation_is_over(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    first, _second = dispatching.dispatch_teams(incident, [w["teams"]["a1"].pk, w["teams"]["a2"].pk],
                                                actor=cast.officer_a, now=T0)
    for step, t in (("acknowledge", 10), ("depart", 20), ("arrive", 40), ("handled", 60)):
        advance(first, step, actor=cast.responder_a, now=at(t))
    assert sweep(300) == []
    assert stops(incident) == [Stop.HANDLED]
    incident.refresh_from_db()
    with pytest.raises(ValidationError, match="一键调派已结束"):
        dispatching.activate(incident, actor=cast.officer_a)
    # A team can still be added by hand.
    [added] = dispatching.dispatch_teams(incident, [w["teams"]["b1"].pk], actor=cast.street_officer, now=at(310))
    assert added.status == DispatchStatus.CALLED


def test_rounds_are_capped_and_the_officer_is_alerted_once(cast, settings):
    settings.YINGJI_ESCALATION_MAX_ROUNDS = 2
    world(cast)
    incident = fire_in_a(cast, type_code="91100")  # door opening: one team
    [first] = dispatching.activate(incident, actor=cast.street_officer)
    Dispatch.objects.filter(pk=first.pk).update(called_at=T0)
    [round_1] = sweep(100)
    [round_2] = sweep(200)
    assert (round_1.team.name, round_2.team.name) == ("A水域队", "A二队")
    assert round_2.escalated_from_id == round_1.pk
    assert sweep(300) == [] and sweep(400) == []
    assert stops(incident) == [Stop.ROUNDS]
    [alert] = alerts()
    assert alert.user == cast.street_officer and alert.message.subject == incident
    assert "A二队" in alert.message.body and alert.message.ask_ack
    assert incident.dispatches.count() == 3  # never 12 teams in 8 minutes


def test_teams_called_by_escalation_are_capped(cast, settings):
    settings.YINGJI_ESCALATION_MAX_ROUNDS = 10
    settings.YINGJI_ESCALATION_MAX_TEAMS = 1
    w = world(cast)
    incident = fire_in_a(cast)
    dispatching.dispatch_teams(incident, [w["teams"]["a1"].pk, w["teams"]["a2"].pk], actor=cast.street_officer,
                               now=T0)
    [replacement] = sweep(100)  # both time out in the same sweep: the first is replaced, then the cap
    assert replacement.escalated_from.team == w["teams"]["a1"]
    assert stops(incident) == [Stop.TEAMS]
    assert len(alerts()) == 1
    assert sweep(300) == []
    assert stops(incident) == [Stop.TEAMS, Stop.TEAMS] and len(alerts()) == 1  # alerted once per incident


def test_escalation_does_not_cross_into_another_street_without_the_officer(cast, settings):
    w = world(cast)
    incident = fire_in_a(cast, type_code="91100")
    off_duty(w["teams"]["a2"], w["teams"]["aw"], w["teams"]["b1"])
    [first] = dispatching.activate(incident, actor=cast.commander)  # the district may call anyone
    Dispatch.objects.filter(pk=first.pk).update(called_at=T0)
    assert sweep(100) == []
    assert stops(incident) == [Stop.OTHER_STREET]
    [alert] = alerts()
    assert alert.user == cast.commander and "C一队" in alert.message.body
    assert [d.team.name for d in incident.dispatches.all()] == ["A一队"]


def test_crossing_streets_is_a_setting(cast, settings):
    settings.YINGJI_ESCALATION_CROSS_STREET = True
    w = world(cast)
    incident = fire_in_a(cast, type_code="91100")
    off_duty(w["teams"]["a2"], w["teams"]["aw"], w["teams"]["b1"])
    [first] = dispatching.activate(incident, actor=cast.commander)
    Dispatch.objects.filter(pk=first.pk).update(called_at=T0)
    [replacement] = sweep(100)
    assert replacement.team == w["teams"]["c1"]


def test_escalation_stays_within_what_the_officer_may_call_and_says_when_nobody_is_left(cast):
    w = world(cast)
    incident = fire_in_a(cast, type_code="91100")
    off_duty(w["teams"]["a2"], w["teams"]["aw"])
    [first] = dispatching.activate(incident, actor=cast.officer_a)  # community A: B一队 is beyond reach
    Dispatch.objects.filter(pk=first.pk).update(called_at=T0)
    assert sweep(100) == []
    assert stops(incident) == [Stop.NO_TEAM]
    [alert] = alerts()
    assert alert.user == cast.officer_a
