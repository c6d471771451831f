"""The messaging API: the caller's inbox, progress, robots, contact lists, undelivered, push; scope on each."""

from __future__ import annotations

import io
import json

import pytest

from yingji.core.testing import api_client
from yingji.messaging.models import ContactList, Delivery, PushSubscription, RobotTarget
from yingji.messaging.services import Person
from yingji.messaging.tests.builders import key_people, message, robot

pytestmark = pytest.mark.django_db
BASE = "/api/v1/messaging/"


def post(client, path: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(BASE + path, json.dumps(body or {}), content_type="application/json")


def put(client, path: str, body: dict):  # type: ignore[no-untyped-def]
    return client.put(BASE + path, json.dumps(body), content_type="application/json")


def test_the_inbox_is_the_callers_own_and_reading_and_acknowledging_work(cast):
    m = message(cast, ask_ack=True, payload={"url": "/incidents/1/"})
    message(cast, recipients=[cast.officer_a], title="别人的")
    mine = api_client(cast.responder_a)
    listed = mine.get(BASE + "inbox").json()
    assert listed["count"] == 1 and listed["items"][0]["title"] == "暴雨黄色预警"
    assert listed["items"][0]["payload"] == {"url": "/incidents/1/"} and listed["items"][0]["read_at"] is None
    assert mine.get(BASE + "inbox/unread").json() == {"unread": 1}
    pk = listed["items"][0]["id"]
    assert mine.get(f"{BASE}inbox/{pk}").json()["read_at"] is not None
    assert mine.get(BASE + "inbox?unread=true").json()["count"] == 0
    acked = post(mine, f"inbox/{pk}/acknowledge")
    assert acked.status_code == 200 and acked.json()["acknowledged_at"] is not None
    assert m.deliveries.get().acknowledged_at is not None
    other = api_client(cast.officer_a)
    for path in (f"inbox/{pk}",):
        assert other.get(BASE + path).status_code == 404
    for path in (f"inbox/{pk}/read", f"inbox/{pk}/acknowledge"):
        response = post(other, path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_acknowledging_a_message_that_does_not_ask_is_refused_with_the_one_error_shape(cast):
    pk = message(cast).deliveries.get().pk
    response = post(api_client(cast.responder_a, "en"), f"inbox/{pk}/acknowledge")
    assert response.status_code == 422
    assert response.json()["detail"] == "This message does not ask for acknowledgement."
    # The refusal names the message, a rule the operation states (x-refuses).
    assert [e["field"] for e in response.json()["errors"]] == ["pk"]


def test_progress_is_seen_in_the_messages_area_only(cast):
    m = message(cast, recipients=[cast.responder_a, cast.officer_a])
    assert api_client(cast.officer_a).get(f"{BASE}messages/{m.pk}/progress").json()["total"] == 2
    assert api_client(cast.street_officer).get(f"{BASE}messages/{m.pk}/progress").status_code == 200
    for outsider in (cast.officer_b, cast.officer_c, cast.grid_worker_a):
        assert api_client(outsider).get(f"{BASE}messages/{m.pk}/progress").status_code == 404


def test_robots_crud_is_scoped_and_never_shows_the_key(cast, settings):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    body = {"name": "A社区值班群", "jurisdiction": cast.community_a.code, "format": "wechat_work",
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "topics": ["incidents", "warnings"]}
    assert post(api_client(cast.officer_c), "robots", body).status_code == 404
    assert post(api_client(cast.responder_a), "robots", body).status_code == 403
    created = post(api_client(cast.officer_a), "robots", body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"
    assert RobotTarget.objects.get().topics == ["incidents", "warnings"]
    assert api_client(cast.officer_c).get(BASE + "robots").json() == []
    assert [r["id"] for r in api_client(cast.officer_a).get(BASE + "robots").json()] == [pk]
    for outsider in (cast.officer_c, cast.officer_b):
        client = api_client(outsider)
        assert client.get(f"{BASE}robots/{pk}").status_code == 404
        assert put(client, f"robots/{pk}", body).status_code == 404
        assert post(client, f"robots/{pk}/test").status_code == 404
        assert client.get(f"{BASE}robots/{pk}/history").status_code == 404
        assert client.delete(f"{BASE}robots/{pk}").status_code == 404
    assert api_client(cast.responder_a).delete(f"{BASE}robots/{pk}").status_code == 403
    bad = put(api_client(cast.officer_a, "en"), f"robots/{pk}", {**body, "url": "http://169.254.169.254/"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
    assert put(api_client(cast.officer_a), f"robots/{pk}", {**body, "topics": ["warnings"]}).status_code == 200
    assert RobotTarget.objects.get().topics == ["warnings"]
    history = api_client(cast.officer_a).get(f"{BASE}robots/{pk}/history").json()
    assert len(history) == 2 and "key=abc" not in json.dumps(history)
    assert api_client(cast.officer_a).delete(f"{BASE}robots/{pk}").status_code == 204


def test_the_test_button_answers_why_without_the_network_error(cast, receiver):
    target = robot(cast, receiver.url + "/wx?key=k", where=cast.community_a, format="wechat_work")
    client = api_client(cast.officer_a, "en")
    assert post(client, f"robots/{target.pk}/test").json() == {"delivered": True, "status": "sent", "reason": ""}
    target.url = "http://127.0.0.1:9/"
    target.save()
    answer = post(client, f"robots/{target.pk}/test").json()
    assert answer == {"delivered": False, "status": "dead", "reason": "Could not reach the receiver."}


def test_contact_lists_through_the_api(cast):
    client = api_client(cast.officer_a, "en")
    created = post(client, "contact-lists", {"name": "楼长", "jurisdiction": cast.community_a.code})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert post(client, f"contact-lists/{pk}/contacts", {"name": "王", "phone": "139 0000 1111"}).status_code == 201
    bad = post(client, f"contact-lists/{pk}/contacts", {"name": "李", "phone": "12ab"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    upload = io.BytesIO("Full name,Mobile phone\n张,13900002222\n".encode())
    upload.name = "x.csv"
    assert client.post(f"{BASE}contact-lists/{pk}/import", {"file": upload}).json()["created"] == 1
    phones = [c["phone"] for c in client.get(f"{BASE}contact-lists/{pk}/contacts").json()["items"]]
    assert sorted(phones) == ["13900001111", "13900002222"]
    masked = api_client(cast.auditor).get(f"{BASE}contact-lists/{pk}/contacts").json()["items"]
    assert sorted(c["phone"] for c in masked) == ["139****1111", "139****2222"]
    assert post(api_client(cast.officer_c), "contact-lists", {"name": "x", "jurisdiction": cast.community_a.code}
                ).status_code == 404
    for outsider in (cast.officer_b, cast.officer_c):
        c = api_client(outsider)
        assert c.get(f"{BASE}contact-lists/{pk}/contacts").status_code == 404
        assert post(c, f"contact-lists/{pk}/contacts", {"name": "x", "phone": "13900000000"}).status_code == 404
        assert c.get(f"{BASE}contact-lists/{pk}/export").status_code == 404
        assert c.post(f"{BASE}contact-lists/{pk}/import", {"file": io.BytesIO(b"x")}).status_code in (404, 422)
        assert c.delete(f"{BASE}contact-lists/{pk}").status_code == 404
        assert c.get(BASE + "contact-lists").json()["count"] == 0
    people = key_people(cast, 1)
    contact_pk = people.contacts.get().pk
    assert api_client(cast.officer_c).delete(f"{BASE}contact-lists/{people.pk}/contacts/{contact_pk}").status_code == 404
    assert api_client(cast.responder_a).delete(f"{BASE}contact-lists/{people.pk}").status_code == 403
    assert ContactList.objects.filter(pk=people.pk).exists() and people.contacts.count() == 1


def test_undelivered_through_the_api(cast, django_capture_on_commit_callbacks):
    m = message(cast, recipients=[Person(name="楼长", phone="13900001234")], channels=("sms",))
    row = m.deliveries.get()
    Delivery.objects.filter(pk=row.pk).update(status="dead", attempts=5, last_error="no_gateway")
    listed = api_client(cast.officer_a, "en").get(BASE + "undelivered").json()
    assert listed["items"][0]["reason"] == "No SMS gateway is configured."
    assert listed["items"][0]["address"] == "13900001234"
    for outsider in (cast.officer_b, cast.officer_c, cast.responder_a, cast.auditor):
        assert api_client(outsider).get(BASE + "undelivered").json()["count"] == 0
        assert post(api_client(outsider), f"undelivered/{row.pk}/retry").status_code == 404
    with django_capture_on_commit_callbacks(execute=False):
        assert post(api_client(cast.officer_a), f"undelivered/{row.pk}/retry").json() == {"queued": 1}
    row.refresh_from_db()
    assert row.status == "queued"


def test_a_phone_registers_its_push_subscription(cast, allow_local):
    client = api_client(cast.responder_a)
    key = client.get(BASE + "push/key").json()["key"]
    assert len(key) == 87  # an uncompressed P-256 point, base64url
    # As the browser's PushSubscription.toJSON() gives it (expirationTime included).
    body = {"endpoint": "http://127.0.0.1:9/push/abc", "expirationTime": None,
            "keys": {"p256dh": "BNc-x_1", "auth": "a1_b2-"}}
    assert post(client, "push/subscriptions", body).status_code == 201
    assert post(client, "push/subscriptions", body).status_code == 201  # again: still one
    assert PushSubscription.objects.get().user == cast.responder_a
    bad = post(client, "push/subscriptions", {"endpoint": "http://127.0.0.1:9/x", "keys": {"p256dh": "<b>",
                                                                                             "auth": "a"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "keys.p256dh"
    # Someone else cannot remove it.
    assert api_client(cast.officer_a).delete(BASE + "push/subscriptions?endpoint=http://127.0.0.1:9/push/abc"
                                             ).status_code == 204
    assert PushSubscription.objects.count() == 1
    client.delete(BASE + "push/subscriptions?endpoint=http://127.0.0.1:9/push/abc")
    assert not PushSubscription.objects.exists()


def test_anonymous_callers_get_401(cast):
    from django.test import Client

    for path in ("inbox", "inbox/unread", "robots", "contact-lists", "undelivered", "push/key"):
        assert Client().get(BASE + path).status_code == 401


def test_a_push_subscription_states_its_rules_and_the_service_keeps_them(cast, allow_local):
    """The document says what a subscription must be (a non-blank endpoint, base64url keys); the API
    refuses what it forbids, naming the field, and the service refuses the same keys (non-ASCII letters
    are not base64url although str.isalnum() accepts them)."""
    from django.core.exceptions import ValidationError

    from yingji.messaging import push

    client = api_client(cast.responder_a)
    document = client.get("/api/v1/openapi.json").json()
    keys = document["components"]["schemas"]["PushKeysIn"]["properties"]
    assert keys["p256dh"]["minLength"] == 1 and keys["p256dh"]["pattern"] == push.KEY_PATTERN
    for body, field in (({"endpoint": "  ", "keys": {"p256dh": "BNc", "auth": "a1"}}, "endpoint"),
                        ({"endpoint": "http://127.0.0.1:9/x", "keys": {"p256dh": "", "auth": "a1"}}, "keys.p256dh"),
                        ({"endpoint": "http://127.0.0.1:9/x", "keys": {"p256dh": "BNc", "auth": "é"}}, "keys.auth")):
        answer = post(client, "push/subscriptions", body)
        assert answer.status_code == 422 and [e["field"] for e in answer.json()["errors"]] == [field], body
    with pytest.raises(ValidationError) as refused:
        push.subscribe(cast.responder_a, endpoint="http://127.0.0.1:9/x", p256dh="BNcé", auth="a1")
    assert set(refused.value.message_dict) == {"keys.p256dh"}
    assert not PushSubscription.objects.exists()
