"""The API: intake with idempotency, the public form, dispatch and responder steps, and scope."""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client
from yingji.incidents.models import Incident
from yingji.incidents.tests.builders import A_POINT, fire_in_a, world

pytestmark = pytest.mark.django_db
BASE = "/api/v1/incidents/"


def post(client, url, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_an_external_platform_pushes_a_call_twice_and_gets_one_incident(cast):
    client = api_client(cast.commander)
    body = {"type_code": "21100", "channel": "119", "lon": A_POINT[0], "lat": A_POINT[1], "address": "A社区1栋"}
    first = post(client, BASE, body, HTTP_IDEMPOTENCY_KEY="119-0001")
    again = post(client, BASE, body, HTTP_IDEMPOTENCY_KEY="119-0001")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and first.json()["jurisdiction"] == cast.grid_a1.code
    assert Incident.objects.count() == 1


def test_bad_input_gets_the_one_error_shape_and_changes_nothing(cast):
    response = post(api_client(cast.commander, "en"), BASE, {"type_code": "nope", "lon": 500})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"lon"}
    response = post(api_client(cast.commander, "en"), BASE, {"type_code": "nope", "address": "A社区"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "type_code"
    assert not Incident.objects.exists()


def test_the_public_form_answers_a_receipt_only_and_is_rate_limited(cast, client, settings):
    settings.YINGJI_PUBLIC_RATE_PER_MINUTE = 2
    body = {"type_code": "91600", "address": "A社区", "reporter_phone": "13900000000", "description": "马蜂窝"}
    first = post(client, BASE + "public", body)
    assert first.status_code == 201 and set(first.json()) == {"reference", "status", "status_label", "type_label",
                                                              "received_at"}
    assert post(client, BASE + "public", body).status_code == 201
    assert post(client, BASE + "public", body).status_code == 429
    assert client.get(BASE + "public/" + first.json()["reference"]).status_code == 200
    assert client.get(BASE + "public/not-a-reference").status_code == 404
    assert client.get(BASE).status_code == 401  # nothing else is open to the public
    assert client.get(BASE + str(Incident.objects.first().pk)).status_code == 401


def test_candidates_activation_and_the_responders_steps_through_the_api(cast):
    world(cast)
    incident = fire_in_a(cast)
    officer = api_client(cast.officer_a)
    ranked = officer.get(f"{BASE}{incident.pk}/candidates").json()
    assert ranked["candidates"][0]["team_name"] == "A一队" and ranked["candidates"][0]["recommended"]
    assert ranked["candidates"][0]["within_five_minutes"] and ranked["estimated"]
    assert ranked["warehouses"]["materials"]
    called = post(officer, f"{BASE}{incident.pk}/activate", {})
    assert called.status_code == 201 and len(called.json()) == 2
    responder = api_client(cast.responder_a)
    [mine] = responder.get(BASE + "dispatches/mine").json()
    assert mine["incident_detail"]["address"] == "A社区1栋"
    for step in ("acknowledge", "depart", "arrive"):
        assert post(responder, f"{BASE}dispatches/{mine['id']}/{step}", {"people_sent": 5}).status_code == 200
    assert post(responder, f"{BASE}dispatches/{mine['id']}/acknowledge", {}).status_code == 422
    assert post(responder, f"{BASE}{incident.pk}/notes", {"text": "现场已控制", "dispatch_id": mine["id"]}).status_code == 201
    detail = officer.get(f"{BASE}{incident.pk}").json()
    assert detail["status"] == "on_scene" and detail["clock"][1]["met"] is True
    closed = post(officer, f"{BASE}{incident.pk}/close", {"outcome": "resolved", "materials_used": [
        {"name": "灭火器", "quantity": 2}]})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert post(officer, f"{BASE}{incident.pk}/close", {"outcome": "resolved"}).status_code == 422
    kinds = [e["kind"] for e in officer.get(f"{BASE}{incident.pk}/events").json()]
    assert kinds[0] == "reported" and kinds[-1] == "closed" and "note" in kinds
    assert officer.get(f"{BASE}stats?by=street").json()["rows"][0]["count"] == 1


def test_every_endpoint_refuses_a_user_of_another_community(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    from yingji.incidents.services.dispatch import activate

    [d, _second] = activate(incident, actor=cast.officer_a)
    outsider = api_client(cast.officer_c)
    pk = incident.pk
    for url in (f"{BASE}{pk}", f"{BASE}{pk}/events", f"{BASE}{pk}/candidates", f"{BASE}{pk}/history"):
        assert outsider.get(url).status_code == 404, url
    for url, body in ((f"{BASE}{pk}/activate", {}), (f"{BASE}{pk}/notes", {"text": "x"}),
                      (f"{BASE}{pk}/close", {"outcome": "resolved"}), (f"{BASE}{pk}/merge", {"into": pk}),
                      (f"{BASE}dispatches/{d.pk}/acknowledge", {}), (f"{BASE}dispatches/{d.pk}/report", {})):
        assert post(outsider, url, body).status_code == 404, url
    assert outsider.get(BASE).json()["count"] == 0
    assert outsider.get(BASE + "geojson").json()["features"] == []
    assert outsider.get(BASE + "dispatches/mine").json() == []
    assert outsider.get(BASE + "stats").json()["rows"] == []
    # The neighbouring community B of the same street: not found either; the grid worker sees but cannot dispatch.
    assert api_client(cast.officer_b).get(f"{BASE}{pk}").status_code == 404
    assert post(api_client(cast.grid_worker_a), f"{BASE}{pk}/activate", {}).status_code == 403
    assert post(api_client(w["responder_c"]), f"{BASE}dispatches/{d.pk}/arrive", {}).status_code == 404


def test_the_gazetteer_and_the_catalogue(cast):
    client = api_client(cast.officer_a)
    assert client.get(BASE + "places?q=A社区").json()[0]["label"] == "A社区"
    codes = {t["code"] for t in client.get(BASE + "types").json()}
    assert {"21100", "91200"} <= codes


def test_webhook_targets_are_scoped_at_their_new_address(cast, settings):
    """The webhook targets are messaging's robot targets now: the old addresses answer 308 (method and body
    kept), and the scope holds at the new ones."""
    import json

    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    body = json.dumps({"jurisdiction": cast.community_a.code, "name": "值班群", "format": "wechat_work",
                       "url": "http://127.0.0.1:9/hook"})
    moved = api_client(cast.officer_a).post(BASE + "webhooks", body, content_type="application/json")
    assert (moved.status_code, moved["Location"]) == (308, "/api/v1/messaging/robots")
    outsider = api_client(cast.officer_c)
    assert outsider.post(BASE + "webhooks", body, content_type="application/json", follow=True).status_code == 404
    created = api_client(cast.officer_a).post(BASE + "webhooks", body, content_type="application/json", follow=True)
    assert created.status_code == 201 and created.json()["topics"] == ["incidents"]
    assert outsider.get(BASE + "webhooks", follow=True).json() == []
    assert outsider.delete(f"{BASE}webhooks/{created.json()['id']}", follow=True).status_code == 404
    assert api_client(cast.officer_a).get(BASE + "webhooks", follow=True).json()[0]["name"] == "值班群"
    assert api_client(cast.responder_a).get(BASE + "notifications/mine")["Location"] == "/api/v1/messaging/inbox"


def test_a_box_holding_more_than_the_cap_says_so_and_counts_every_incident_per_cell(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yingji.incidents.models import OPEN_STATUSES
    from yingji.incidents.presenters import geojson_incidents
    from yingji.incidents.services.respond import incidents_visible_to

    lon, lat = A_POINT
    box = (lon - 0.016, lat - 0.016, lon + 0.016, lat + 0.016)   # cells of 0.002° over the box
    west = [fire_in_a(cast) for _ in range(3)]
    east = [fire_in_a(cast) for _ in range(2)]
    Incident.objects.filter(pk__in=[w.pk for w in west]).update(lon=lon - 0.011, lat=lat - 0.011)
    Incident.objects.filter(pk__in=[e.pk for e in east]).update(lon=lon + 0.009, lat=lat + 0.009)
    Incident.objects.filter(pk=fire_in_a(cast).pk).update(lon=lon + 0.5)   # outside the box
    Incident.objects.filter(pk=west[0].pk).update(status="closed")   # not open: neither sent nor counted

    def in_box(user):
        return incidents_visible_to(user).filter(status__in=OPEN_STATUSES, lon__gte=box[0], lon__lte=box[2],
                                                 lat__gte=box[1], lat__lte=box[3])

    def answer(user, limit):
        return geojson_incidents(in_box(user), limit=limit, box=box)

    whole = answer(cast.commander, 10)
    assert len(whole["features"]) == 4 and whole["truncated"] is False and "clusters" not in whole
    rows = in_box(cast.commander)
    with CaptureQueriesContext(connection) as queries:
        cut = geojson_incidents(rows, limit=3, box=box)
    # The newest three are sent, and the map is told that four matched, two and two per cell.
    assert [f["properties"]["id"] for f in cut["features"]] == [e.pk for e in reversed(east)] + [west[2].pk]
    assert cut["truncated"] is True and cut["total"] == 4
    assert sorted((c["count"], round(c["lon"], 3), round(c["lat"], 3)) for c in cut["clusters"]) == [
        (2, round(lon - 0.011, 3), round(lat - 0.011, 3)), (2, round(lon + 0.009, 3), round(lat + 0.009, 3))]
    assert len(queries) == 2   # the rows, then one grouped count (not one per cell)
    # Another community's officer: nothing sent, nothing counted.
    other = answer(cast.officer_c, 3)
    assert other["features"] == [] and other["truncated"] is False and "clusters" not in other


def test_the_console_geojson_sends_only_the_open_incidents_inside_the_maps_box(cast):
    inside = fire_in_a(cast)
    elsewhere = fire_in_a(cast)
    Incident.objects.filter(pk=elsewhere.pk).update(lon=inside.lon + 0.5)
    client = api_client(cast.commander, "en")
    box = f"{inside.lon - 0.01},{inside.lat - 0.01},{inside.lon + 0.01},{inside.lat + 0.01}"
    answer = client.get(BASE + "geojson", {"bbox": box}).json()
    assert [f["properties"]["id"] for f in answer["features"]] == [inside.pk] and answer["truncated"] is False
    assert answer["features"][0]["properties"]["type_label"] and answer["features"][0]["properties"]["status_label"]
    assert {f["properties"]["id"] for f in client.get(BASE + "geojson").json()["features"]} == {inside.pk, elsewhere.pk}
    Incident.objects.filter(pk=inside.pk).update(status="closed")
    assert client.get(BASE + "geojson", {"bbox": box}).json()["features"] == []
    for bad in ("1,2,3", "a,b,c,d", "10,10,5,5", "0,0,200,10", "nan,0,1,1"):
        response = client.get(BASE + "geojson", {"bbox": bad})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "bbox", bad
    # Another community's officer gets nothing inside the same box.
    assert api_client(cast.officer_c).get(BASE + "geojson", {"bbox": "-180,-90,180,90"}).json()["features"] == []
