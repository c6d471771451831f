"""Two workers at once never send one delivery twice (PostgreSQL: real row locks, SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from yingji.messaging import delivery
from yingji.messaging.services import Person
from yingji.messaging.tests.builders import message

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def test_two_concurrent_workers_send_each_delivery_once(cast, receiver, settings, monkeypatch):
    settings.YINGJI_SMS_GATEWAY_URL = receiver.url + "/sms"
    settings.YINGJI_SMS_GATEWAY_SUCCESS = ""
    settings.YINGJI_MESSAGING_RATE_PER_MINUTE = {}
    monkeypatch.setattr(delivery, "CLAIM_BATCH", 7)  # many small claims, so the workers interleave
    n = 400
    m = message(cast, recipients=[Person(phone=f"139{i:08d}") for i in range(n)], channels=("sms",),
                deliver=False)
    start = threading.Barrier(2)
    done: list[dict[str, int]] = []

    def worker() -> None:
        try:
            start.wait()
            done.append(delivery.drain(message_ids=[m.pk]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    posts = Counter(r.json["phone"] for r in receiver.received)
    assert len(posts) == n and max(posts.values()) == 1  # every phone once, none twice
    assert sum(d["sent"] for d in done) == n and all(d["sent"] > 0 for d in done)  # both workers worked
    assert set(m.deliveries.values_list("status", "attempts")) == {("sent", 1)}
