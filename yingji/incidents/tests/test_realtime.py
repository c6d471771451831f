"""Websocket delivery through a real ASGI server, and the webhook channel against a local receiver."""

from __future__ import annotations

import time

import pytest

from yingji.core.tests.asgi_server import WebSocket, session_cookie
from yingji.incidents.models import Notification, WebhookTarget
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.notify import deliver, dingtalk_signed_url, notify_webhooks, retry_due
from yingji.incidents.tests.builders import fire_in_a, world


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
    assert console.next("incident.new")["incident"] == incident.pk
    dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    callout = phone.next("notification")
    assert callout["incident"] == incident.pk and callout["team_name"] == "A一队"
    assert console.next("incident.dispatched")["teams"] == [w["teams"]["a1"].pk]
    assert Notification.objects.get(kind="callout").status == "sent"
    # Community C's console heard nothing of community A.
    assert outsider.silent_for(1.5)
    for ws in (phone, console, outsider, anonymous):
        ws.close()


@pytest.mark.django_db
def test_robots_get_the_incident_in_their_own_format(cast, receiver):
    url, handler = receiver
    WebhookTarget.objects.create(jurisdiction=cast.street_1, name="街道值班群", format="wechat_work", url=url + "/wx")
    WebhookTarget.objects.create(jurisdiction=cast.district, name="区钉钉群", format="dingtalk", url=url + "/ding",
                                 secret="SECabc")
    WebhookTarget.objects.create(jurisdiction=cast.community_c, name="C社区", format="generic", url=url + "/c")
    incident = fire_in_a(cast)
    ids = notify_webhooks(incident.pk, "incident.new")
    assert len(ids) == 2  # community C's target does not hear about community A
    paths = {path.split("?")[0]: body for path, body in handler.received}
    assert paths["/wx"]["msgtype"] == "markdown" and "A社区1栋" in paths["/wx"]["markdown"]["content"]
    assert paths["/ding"]["markdown"]["title"] == paths["/wx"]["markdown"]["content"].split("\n")[0].strip("*")
    ding_path = next(p for p, _b in handler.received if p.startswith("/ding"))
    assert "timestamp=" in ding_path and "sign=" in ding_path
    assert set(Notification.objects.filter(channel="webhook").values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_failed_delivery_is_retried_then_given_up(cast, receiver):
    url, handler = receiver
    WebhookTarget.objects.create(jurisdiction=cast.district, name="通用", format="generic", url=url + "/g",
                                 secret="k")
    handler.answers = [(500, {}), (200, {"ok": True})]
    incident = fire_in_a(cast)
    [pk] = notify_webhooks(incident.pk, "incident.new")
    n = Notification.objects.get(pk=pk)
    assert (n.status, n.attempts) == ("queued", 1) and "500" in n.last_error and n.next_attempt_at
    Notification.objects.filter(pk=pk).update(next_attempt_at=n.created_at)
    assert retry_due()["sent"] == 1
    assert Notification.objects.get(pk=pk).status == "sent"
    assert handler.received[-1][1]["event"] == "incident.new"
    WebhookTarget.objects.update(url="http://127.0.0.1:9/nothing-listens")
    [pk] = notify_webhooks(incident.pk, "incident.new")
    for _ in range(5):
        Notification.objects.filter(pk=pk).update(status="queued")
        deliver([pk])
    assert Notification.objects.get(pk=pk).status == "failed"


def test_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", now_ms=1700000000000)
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1700000000000&sign=")
    assert time.time() > 0
