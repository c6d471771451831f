"""Issue 11: overdue is loud — the 1-3-5 state of open incidents, the console's order, its banner."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from yingji.core.testing import web_client
from yingji.incidents.services import clock, dispatch
from yingji.incidents.tests.builders import fire_in_a, world

pytestmark = pytest.mark.django_db


def test_a_card_still_open_turns_amber_at_three_quarters_of_its_target_and_red_past_it():
    assert clock.card_state(None, 60, 44) == "ok"
    assert clock.card_state(None, 60, 45) == "due"
    assert clock.card_state(None, 60, 61) == "late"
    assert clock.card_state(50, 60, 500) == "met" and clock.card_state(70, 60, 500) == "late"


def test_an_elevator_entrapment_waiting_33_minutes_is_late_and_listed_first_with_m_ss(cast):
    world(cast)
    now = timezone.now()
    stuck = fire_in_a(cast, type_code="91200", address="电梯困人", received_at=now - datetime.timedelta(minutes=33))
    due = fire_in_a(cast, address="刚来的火警", received_at=now - datetime.timedelta(seconds=50))
    fresh = fire_in_a(cast, address="新的火警")
    dispatched = fire_in_a(cast, address="已派的火警", received_at=now - datetime.timedelta(minutes=2))
    dispatch.activate(dispatched, actor=cast.officer_a)
    assert clock.urgency(stuck, now)["state"] == "late" and clock.urgency(stuck, now)["waiting_for"] == "dispatch"
    assert clock.urgency(due, now)["state"] == "due"
    html = web_client(cast.officer_a).get("/incidents/console/incidents/").content.decode()
    order = [html.index(f'data-incident="{i.pk}"') for i in (stuck, due, fresh)]
    assert order == sorted(order)  # late, then due, then the rest
    assert f'class="item u-late" data-incident="{stuck.pk}"' in html
    assert f'class="item u-due" data-incident="{due.pk}"' in html
    assert re.search(f'data-testid="elapsed-{stuck.pk}">33:[0-5][0-9]<', html)
    assert 'data-late="1"' in html and "1 起事件已超过 1-3-5 时限" in html


def test_the_incident_page_counts_an_open_target_and_colours_it(cast):
    world(cast)
    stuck = fire_in_a(cast, type_code="91200", received_at=timezone.now() - datetime.timedelta(seconds=150))
    html = web_client(cast.officer_a).get(f"/incidents/{stuck.pk}/").content.decode()
    assert 'class="late running" data-target="60" data-testid="card-dispatch"' in html
    assert 'class="due running" data-target="180" data-testid="card-arrival"' in html
    assert re.search(r"<b>2:[3-5][0-9]</b>", html)
