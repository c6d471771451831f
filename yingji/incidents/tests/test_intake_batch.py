"""Batch intake: a platform pushes many calls in one request; each is checked and answered on its own."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from yingji.audit.models import ChangeRecord
from yingji.core import realtime
from yingji.core.testing import api_client
from yingji.incidents.models import EventKind, Incident, IncidentEvent
from yingji.incidents.services.intake import MAX_BATCH, report_incident, report_incidents
from yingji.incidents.tests.builders import A_POINT, B_POINT, C_POINT
from yingji.incidents.workflows import INCIDENT
from yingji.supplies.tests.builders import race

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/batch"


def call(point=A_POINT, key="", type_code="21100", **fields):  # type: ignore[no-untyped-def]
    return {"type_code": type_code, "channel": "119", "lon": point[0], "lat": point[1], "address": "某路1号",
            "idempotency_key": key, **fields}


def push(user, calls, language="en"):  # type: ignore[no-untyped-def]
    return api_client(user, language).post(URL, json.dumps({"incidents": calls}), content_type="application/json")


def test_good_calls_are_created_and_bad_ones_refused_each_on_its_own(cast):
    calls = [call(key="k1"), call(B_POINT, key="k2", type_code="91200"), call(type_code="nope", key="k3"),
             call((10.0, 10.0), key="k4"), call(C_POINT, key="k5", type_code="33100")]
    response = push(cast.commander, calls)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["existing"], body["rejected"]) == (3, 0, 2)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "created", "rejected", "rejected", "created"]
    assert body["results"][2]["errors"] == [{"field": "type_code", "message": "Unknown incident type."}]
    assert body["results"][3]["errors"][0]["field"] == "lon"
    assert body["results"][0]["jurisdiction"] == cast.grid_a1.code
    created = Incident.objects.order_by("id")
    assert [i.idempotency_key for i in created] == ["k1", "k2", "k5"]
    assert [r["id"] for r in body["results"] if r["status"] == "created"] == [i.pk for i in created]
    # Each has its timeline and its audit record, as a single call would.
    for incident in created:
        assert incident.events.filter(kind=EventKind.REPORTED).count() == 1
        record = ChangeRecord.objects.get(content_type=ContentType.objects.get_for_model(Incident), object_id=str(incident.pk), action="create")
        assert record.actor_id == cast.commander.pk and record.jurisdiction_path == incident.jurisdiction.path
        [start] = INCIDENT.history(incident)  # the workflow's first step, as a single call writes it
        assert (start.transition, start.to_state, start.actor, start.path) == (
            "start", "reported", cast.commander, incident.jurisdiction.path)


def test_the_audit_record_of_a_batch_call_is_that_of_a_single_call(cast):
    single, _ = report_incident(actor=cast.commander, **call(key="one"))
    [result] = report_incidents(actor=cast.commander, calls=[call(B_POINT, key="two")])
    records = {r.object_id: r.changes for r in ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Incident), action="create")
               if r.object_id in (str(single.pk), str(result.incident.pk))}
    one, two = records[str(single.pk)], records[str(result.incident.pk)]
    assert set(one) == set(two)
    assert two["idempotency_key"] == [None, "two"] and two["type_code"] == [None, "21100"]


def test_the_same_batch_pushed_twice_creates_nothing_more(cast):
    calls = [call(key="a"), call(B_POINT, key="b")]
    first = push(cast.commander, calls).json()
    again = push(cast.commander, calls).json()
    assert (again["created"], again["existing"]) == (0, 2)
    assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert Incident.objects.count() == 2


def test_a_key_repeated_within_the_batch_is_one_incident(cast):
    body = push(cast.commander, [call(key="same"), call(key="same"), call(B_POINT, key="other")]).json()
    assert [r["status"] for r in body["results"]] == ["created", "existing", "created"]
    assert body["results"][0]["id"] == body["results"][1]["id"]
    assert Incident.objects.count() == 2


def test_calls_close_together_in_a_batch_are_flagged_as_possible_duplicates(cast):
    near = (A_POINT[0] + 0.0005, A_POINT[1])  # about 50 m east
    body = push(cast.commander, [call(key="x1"), call(near, key="x2"), call(near, key="x3", type_code="91200")]).json()
    first, second, other_type = (Incident.objects.get(pk=r["id"]) for r in body["results"])
    assert second.possible_duplicate_of_id == first.pk and body["results"][1]["possible_duplicate_of"] == first.pk
    assert other_type.possible_duplicate_of_id is None and first.possible_duplicate_of_id is None
    assert IncidentEvent.objects.filter(incident=second, kind=EventKind.DUPLICATE_FLAGGED).count() == 1


def test_a_call_outside_the_users_jurisdiction_is_refused_and_others_go_through(cast):
    body = push(cast.officer_a, [call(C_POINT, key="c"), call(key="a")]).json()
    assert [r["status"] for r in body["results"]] == ["rejected", "created"]
    assert not Incident.objects.filter(idempotency_key="c").exists()


def test_an_existing_key_of_another_community_is_not_revealed(cast):
    report_incident(actor=cast.commander, **call(C_POINT, key="theirs"))
    body = push(cast.officer_a, [call(key="theirs")]).json()
    assert body["results"][0]["status"] == "rejected" and body["results"][0].get("id") is None


def test_without_a_token_nothing_is_accepted(client):
    response = client.post(URL, json.dumps({"incidents": [call()]}), content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Incident.objects.exists()


def test_a_batch_too_large_or_malformed_is_refused_whole(cast):
    response = push(cast.commander, [call(key=f"k{i}") for i in range(MAX_BATCH + 1)])
    assert response.status_code == 422
    response = push(cast.commander, [call(key="ok"), {"type_code": "21100", "lon": "east"}])
    assert response.status_code == 422 and "incidents" in response.json()["errors"][0]["field"]
    assert not Incident.objects.exists()


def test_the_consoles_hear_of_every_new_incident(cast, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(realtime, "hand_over", lambda entries: sent.extend(
        (item["payload"], item["path"]) for _groups, item in entries))
    with django_capture_on_commit_callbacks(execute=True):
        push(cast.commander, [call(key="l1"), call(B_POINT, key="l2")])
    news = [(m["incident"], p) for m, p in sent if m["kind"] == "incident.new"]
    assert sorted(news) == sorted((i.pk, i.jurisdiction.path) for i in Incident.objects.all())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_platforms_racing_with_the_same_keys_make_one_incident_per_key(cast):
    calls = [call(key=f"race-{i}") for i in range(5)]
    outcomes = race(4, lambda _i: report_incidents(actor=cast.commander, calls=calls))
    assert all(isinstance(o, list) for o in outcomes), outcomes
    assert Incident.objects.count() == 5
    ids = {tuple(r.incident.pk for r in outcome) for outcome in outcomes}
    assert len(ids) == 1
    assert connection.vendor == "postgresql"
