"""The one realtime path (core/realtime.py): scope filtered on the server, in order, after commit,
on the in-memory layer and on Redis publish/subscribe."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from django.db import transaction

from yingji.core import realtime
from yingji.core.tests.asgi_server import WebSocket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
CONSOLE = "/ws/live/?topics=incidents"


def connect(asgi_server: str, path: str, user: Any) -> WebSocket:
    ws = WebSocket(asgi_server, path, session_cookie(user) if user else None)
    if ws.status == 101:
        assert ws.receive()["kind"] == "hello"
    return ws


def test_a_console_hears_only_items_under_its_users_jurisdictions(cast, channel_layer, asgi_server):
    console_a = connect(asgi_server, CONSOLE, cast.officer_a)
    console_b = connect(asgi_server, CONSOLE, cast.officer_b)
    district = connect(asgi_server, CONSOLE, cast.commander)
    realtime.publish("incidents", cast.community_a.path, {"kind": "t.item", "n": 1})
    realtime.publish("incidents", cast.grid_a1.path, {"kind": "t.item", "n": 2})  # under A too
    realtime.publish("incidents", cast.community_b.path, {"kind": "t.item", "n": 3})
    assert [console_a.next("t.item")["n"], console_a.next("t.item")["n"]] == [1, 2]
    assert console_b.next("t.item") == {"kind": "t.item", "n": 3, "topic": "incidents"}  # not A's items
    assert [district.next("t.item")["n"] for _ in range(3)] == [1, 2, 3]
    assert console_a.silent_for(1.0) and console_b.silent_for(0.5)
    for ws in (console_a, console_b, district):
        ws.close()


def test_a_personal_socket_hears_only_its_own_users_messages(cast, channel_layer, asgi_server):
    phone_a = connect(asgi_server, "/ws/me/", cast.responder_a)
    phone_b = connect(asgi_server, "/ws/me/", cast.officer_b)
    console = connect(asgi_server, CONSOLE, cast.officer_a)
    # Addressed to a person: it reaches them wherever the subject lies, and nobody else.
    realtime.publish_to_user(cast.responder_a.pk, "incidents", {"kind": "t.mine", "to": "responder"})
    realtime.publish_to_user(cast.officer_a.pk, "incidents", {"kind": "t.mine", "to": "officer"})
    assert phone_a.next("t.mine")["to"] == "responder"
    assert console.next("t.mine")["to"] == "officer"  # a console also hears its user's own messages
    # A phone hears nothing of the consoles' topics.
    realtime.publish("incidents", cast.community_a.path, {"kind": "t.item"})
    assert console.next("t.item")["topic"] == "incidents"
    assert phone_a.silent_for(1.0) and phone_b.silent_for(0.5)
    for ws in (phone_a, phone_b, console):
        ws.close()


def test_topics_a_user_may_not_hear_are_refused(cast, asgi_server):
    assert WebSocket(asgi_server, CONSOLE).status == 403  # anonymous: refused before the handshake
    assert WebSocket(asgi_server, "/ws/me/").status == 403
    assert WebSocket(asgi_server, "/ws/live/?topics=no-such-topic", session_cookie(cast.officer_a)).status == 403
    ws = WebSocket(asgi_server, "/ws/live/?topics=incidents,no-such-topic", session_cookie(cast.officer_a))
    assert ws.receive() == {"kind": "hello", "topics": ["incidents"], "refused": ["no-such-topic"]}
    ws.close()


def test_items_leave_after_commit_in_order_and_never_when_rolled_back(cast, asgi_server):
    console = connect(asgi_server, CONSOLE, cast.commander)
    with transaction.atomic():
        realtime.publish("incidents", cast.community_a.path, {"kind": "t.item", "n": "rolled back"})
        transaction.set_rollback(True)
    with transaction.atomic():
        for n in range(60):
            realtime.publish("incidents", cast.community_a.path, {"kind": "t.item", "n": n})
        assert console.silent_for(0.5)  # nothing before the commit
    assert [console.next("t.item")["n"] for _ in range(60)] == list(range(60))
    assert console.silent_for(0.5)
    console.close()


def test_what_queued_meanwhile_goes_out_as_one_message_per_group(monkeypatch):
    sent: list[tuple[str, dict[str, Any]]] = []

    class Layer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            sent.append((group, message))

    monkeypatch.setattr(realtime, "get_channel_layer", Layer)
    batch = [([realtime.topic_group("incidents")], {"topic": "incidents", "path": "/1/", "payload": {"n": n}})
             for n in range(3)] + [([realtime.user_group(7)], {"topic": "incidents", "personal": True,
                                                              "payload": {"n": 9}})]
    # In a thread of its own: after a browser test, Playwright's loop runs in this one.
    worker = threading.Thread(target=lambda: asyncio.run(realtime._send(batch)))
    worker.start()
    worker.join(10)
    assert [(group, [i["payload"]["n"] for i in m["items"]]) for group, m in sent] == \
        [("live.incidents", [0, 1, 2]), ("user.7", [9])]


def test_deliver_to_users_answers_each_outcome(cast, monkeypatch):
    class Layer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            if group == realtime.user_group(cast.officer_b.pk):
                raise RuntimeError("channel full")

    monkeypatch.setattr(realtime, "get_channel_layer", Layer)
    outcomes = realtime.deliver_to_users([(cast.officer_a.pk, "incidents", {"n": 1}),
                                          (cast.officer_b.pk, "incidents", {"n": 2})])
    assert outcomes == [None, "channel full"]


def test_publishing_needs_a_declared_topic_and_a_path():
    with pytest.raises(Exception, match="not declared"):
        realtime.publish("nobody-declared-this", "/440300/", {})
    with pytest.raises(ValueError):
        realtime.publish("incidents", "", {})
    assert realtime.topics()["incidents"] == "incidents.view_incident"
