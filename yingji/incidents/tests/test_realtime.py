"""Websocket delivery through a real ASGI server, and the incidents' robot messages against a local receiver."""

from __future__ import annotations

import time

import pytest

from yingji.core.tests.asgi_server import WebSocket, session_cookie
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.notify import notify_webhooks
from yingji.incidents.tests.builders import fire_in_a, world
from yingji.messaging import delivery
from yingji.messaging.channels import dingtalk_signed_url
from yingji.messaging.models import Delivery, RobotTarget
from yingji.messaging.testing import dingtalk_sign_ok


@pytest.mark.django_db(transaction=True)
def test_call_outs_and_console_events_arrive_over_websockets(cast, channel_layer, asgi_server):
    w = world(cast)
    phone = WebSocket(asgi_server, "/ws/me/", session_cookie(cast.responder_a))
    console = WebSocket(asgi_server, "/ws/live/?topics=incidents", session_cookie(cast.officer_a))
    outsider = WebSocket(asgi_server, "/ws/live/?topics=incidents", session_cookie(cast.officer_c))
    anonymous = WebSocket(asgi_server, "/ws/live/?topics=incidents")
    assert phone.status == console.status == outsider.status == 101
    assert phone.receive()["kind"] == console.receive()["kind"] == outsider.receive()["kind"] == "hello"
    assert anonymous.status == 403  # refused before the handshake completes

    incident = fire_in_a(cast)
    new = console.next("incident.new")
    assert new["incident"] == incident.pk and new["number"] == incident.number
    assert new["title"].startswith(f"{incident.number} ")  # the feed names it by its readable number
    dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    callout = phone.next("message")  # messaging's in-app channel, through core.realtime
    assert (callout["event"], callout["topic"]) == ("callout", "incidents")
    assert callout["incident"] == incident.pk and callout["team_name"] == "A一队"
    assert console.next("incident.dispatched")["teams"] == [w["teams"]["a1"].pk]
    assert Delivery.objects.get(message__event="callout").status == "sent"
    # Community C's console heard nothing of community A.
    assert outsider.silent_for(1.5)
    for ws in (phone, console, outsider, anonymous):
        ws.close()


def robot(where, name: str, format: str, url: str, **fields):  # type: ignore[no-untyped-def]
    return RobotTarget.objects.create(jurisdiction=where, name=name, format=format, url=url, topics=["incidents"],
                                      **fields)


@pytest.mark.django_db
def test_robots_get_the_incident_in_their_own_format(cast, receiver):
    receiver.dingtalk_secrets = {"/ding": "SECabc"}  # the receiver refuses a post without the right signature
    robot(cast.street_1, "街道值班群", "wechat_work", receiver.url + "/wx")
    robot(cast.district, "区钉钉群", "dingtalk", receiver.url + "/ding", secret="SECabc")
    robot(cast.community_c, "C社区", "generic", receiver.url + "/c")
    RobotTarget.objects.create(jurisdiction=cast.district, name="只听预警", format="generic", url=receiver.url + "/w",
                               topics=["warnings"])
    incident = fire_in_a(cast)
    message = notify_webhooks(incident.pk, "incident.new")
    assert message.deliveries.count() == 2  # community C's target does not hear about community A
    delivery.drain()
    posts = {r.path.split("?")[0]: r for r in receiver.received}
    assert set(posts) == {"/wx", "/ding"}
    wx = posts["/wx"].json
    assert wx["msgtype"] == "markdown" and "A社区1栋" in wx["markdown"]["content"]
    assert posts["/ding"].json["markdown"]["title"] == wx["markdown"]["content"].split("\n")[0].strip("*")
    assert dingtalk_sign_ok(posts["/ding"].query, "SECabc")
    assert set(message.deliveries.values_list("status", flat=True)) == {"sent"}
    assert message.subject == incident and message.event == "incident.new"


@pytest.mark.django_db
def test_no_robot_listening_writes_nothing(cast, django_assert_num_queries):
    incident = fire_in_a(cast)
    notify_webhooks(incident.pk, "incident.new", incident=incident)  # builds the per-process index
    with django_assert_num_queries(1):  # the index's version check, no more
        assert notify_webhooks(incident.pk, "incident.new", incident=incident) is None


@pytest.mark.django_db
def test_a_failed_delivery_is_retried_then_given_up_counting_every_attempt(cast, receiver, settings):
    settings.YINGJI_MESSAGING_MAX_ATTEMPTS = 5
    robot(cast.district, "通用", "generic", receiver.url + "/g", secret="k")
    receiver.answers = [(500, {}), (503, {}), (200, {"ok": True})]
    incident = fire_in_a(cast)
    row = notify_webhooks(incident.pk, "incident.new").deliveries.get()
    delivery.drain(now=row.queued_at)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "http:500") and row.next_attempt_at
    while row.status == "failed":
        delivery.drain(now=row.next_attempt_at)
        row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 3)  # three posts, three attempts
    assert receiver.received[-1].json["event"] == "incident.new"
    RobotTarget.objects.update(url="http://127.0.0.1:9/nothing-listens")
    row = notify_webhooks(incident.pk, "incident.new").deliveries.get()
    clock = row.queued_at
    while True:
        delivery.drain(now=clock)
        row.refresh_from_db()
        if row.status != "failed":
            break
        clock = row.next_attempt_at
    assert (row.status, row.attempts, row.last_error) == ("dead", 5, "network")


def test_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", now_ms=1700000000000)
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1700000000000&sign=")
    from urllib.parse import parse_qsl, urlsplit

    assert dingtalk_sign_ok(dict(parse_qsl(urlsplit(url).query)), "SECabc", now_ms=1700000000000)
    assert not dingtalk_sign_ok(dict(parse_qsl(urlsplit(url).query)), "SECother", now_ms=1700000000000)
    assert time.time() > 0
