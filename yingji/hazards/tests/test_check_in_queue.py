"""A patrol check-in queued on the phone is sent again until the server answers: the same idempotency key
answers the first check-in (200), never a second row or a refusal, as a queued hazard report does."""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client
from yingji.hazards.models import CheckIn, Hazard
from yingji.hazards.tests.test_checklist_keys import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast):  # type: ignore[no-untyped-def]
    return make_plan(cast)


def _url(plan) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/hazards/patrol-plans/{plan.pk}/check-ins"


def test_a_resent_check_in_answers_the_first_and_writes_nothing(cast, plan):
    client = api_client(cast.grid_worker_a)
    body = {"risk_point": "K-1", "lon": 114.0100, "lat": 22.5100, "idempotency_key": "phone-1",
            "answers": json.dumps([{"key": "wiring_safe", "ok": False}]), "hazard": "电线裸露"}
    first = client.post(_url(plan), body)
    assert first.status_code == 201, first.content
    again = client.post(_url(plan), body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert first.json()["hazard"] and again.json()["hazard"] == first.json()["hazard"]
    assert CheckIn.objects.count() == 1 and Hazard.objects.count() == 1
    [row] = CheckIn.objects.all()
    assert row.checked_by == cast.grid_worker_a and [a["key"] for a in row.answers if not a["ok"]] == ["wiring_safe"]
    # Another check-in at the same point without the key is still refused, naming the field.
    other = client.post(_url(plan), {**body, "idempotency_key": "phone-2"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "risk_point"


def test_the_key_is_the_senders_own(cast, plan):
    body = {"risk_point": "K-1", "lon": 114.0100, "lat": 22.5100, "idempotency_key": "same"}
    assert api_client(cast.grid_worker_a).post(_url(plan), body).status_code == 201
    # Another community's officer does not see the plan at all, key or not.
    assert api_client(cast.officer_c).post(_url(plan), body).status_code == 404
    assert CheckIn.objects.count() == 1


def test_answers_that_are_not_json_are_refused_in_the_error_shape(cast, plan):
    answer = api_client(cast.grid_worker_a).post(_url(plan), {"risk_point": "K-1", "lon": 114.01, "lat": 22.51,
                                                              "answers": "{not json"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"].startswith("answers")
    assert not CheckIn.objects.exists()
