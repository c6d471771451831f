"""The server-rendered pages: they render, call the services, and refuse outsiders."""

from __future__ import annotations

import pytest
from django.test import Client

from yingji.core.testing import web_client
from yingji.incidents.models import Incident
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.tests.builders import A_POINT, fire_in_a, world

pytestmark = pytest.mark.django_db


def test_the_officer_records_an_incident_and_calls_the_teams_from_its_page(cast):
    world(cast)
    client = web_client(cast.officer_a)
    assert client.get("/incidents/new/").status_code == 200
    response = client.post("/incidents/new/", {"type_code": "21100", "severity": "iii", "channel": "phone",
                                               "lon": A_POINT[0], "lat": A_POINT[1], "address": "A社区3栋",
                                               "description": "厨房起火"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "A一队" in page and 'data-testid="one-click"' in page
    client.post(f"/incidents/{incident.pk}/activate/", {})
    assert incident.dispatches.count() == 2
    for url in ("/incidents/", "/incidents/console/", "/incidents/console/incidents/", "/incidents/stats/",
                "/incidents/stats/?by=station", "/incidents/stats/?by=street&year=2026"):
        assert client.get(url).status_code == 200, url


def test_the_intake_form_says_what_is_missing(cast):
    response = web_client(cast.officer_a, "en").post("/incidents/new/", {"type_code": "21100", "severity": "iv",
                                                                         "channel": "phone"})
    assert response.status_code == 422 and "pick the point on the map" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_responder_acknowledges_and_arrives_from_the_phone_page(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    [d] = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    client = web_client(cast.responder_a)
    assert f'data-testid="callout-{d.pk}"' in client.get("/incidents/me/").content.decode()
    client.post(f"/incidents/dispatches/{d.pk}/acknowledge/", {})
    client.post(f"/incidents/dispatches/{d.pk}/arrive/", {"people_sent": "6", "equipment_sent": "水带"})
    d.refresh_from_db()
    assert d.status == "on_scene" and d.people_sent == 6
    client.post(f"/incidents/{incident.pk}/note/", {"text": "已到场", "dispatch": d.pk, "next": "/incidents/me/"})
    assert incident.events.filter(kind="note", actor=cast.responder_a).exists()


def test_the_pages_refuse_outsiders(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    [d] = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    outsider = web_client(cast.officer_c)
    assert outsider.get(f"/incidents/{incident.pk}/").status_code == 404
    for url in (f"/incidents/{incident.pk}/activate/", f"/incidents/{incident.pk}/note/",
                f"/incidents/{incident.pk}/close/", f"/incidents/dispatches/{d.pk}/acknowledge/"):
        assert outsider.post(url, {"text": "x", "outcome": "resolved"}).status_code == 404, url
    assert "A社区1栋" not in outsider.get("/incidents/").content.decode()
    assert "A社区1栋" not in outsider.get("/incidents/console/incidents/").content.decode()
    assert Client().get("/incidents/console/").status_code == 302  # to the login page


def test_the_public_form_answers_a_receipt(cast):
    client = Client()
    response = client.post("/incidents/report/", {"type_code": "91200", "address": "B社区",
                                                  "reporter_phone": "13900001111", "description": "电梯困人"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/receipt/{incident.reference}/"
    receipt = client.get(response["Location"]).content.decode()
    assert incident.reference in receipt and "13900001111" not in receipt
    assert incident.channel == "public" and incident.jurisdiction.path.startswith(cast.community_b.path)


def test_the_public_form_is_rate_limited(cast, settings):
    settings.YINGJI_PUBLIC_RATE_PER_MINUTE = 1
    client = Client()
    body = {"type_code": "91200", "address": "B社区", "reporter_phone": "13900001111"}
    assert client.post("/incidents/report/", body).status_code == 302
    assert client.post("/incidents/report/", body).status_code == 429
    assert Incident.objects.count() == 1
