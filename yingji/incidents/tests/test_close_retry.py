"""The close-out (which issues the materials used from stock) can be retried with an Idempotency-Key."""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client
from yingji.incidents.models import EventKind
from yingji.incidents.tests.builders import fire_in_a

pytestmark = pytest.mark.django_db
BASE = "/api/v1/incidents/"


def test_a_retried_close_out_answers_the_first_close_and_closes_once(cast):
    incident = fire_in_a(cast)
    officer = api_client(cast.officer_a)
    body = json.dumps({"outcome": "false_alarm"})
    url = f"{BASE}{incident.pk}/close"
    first = officer.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="close-1")
    again = officer.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="close-1")
    assert first.status_code == again.status_code == 200, first.content
    assert again.json() == first.json() and first.json()["status"] == "closed"
    assert incident.events.filter(kind=EventKind.CLOSED).count() == 1
    # Without the key a second close is refused: it is closed already.
    assert officer.post(url, body, content_type="application/json").status_code == 422
