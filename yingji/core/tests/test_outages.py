"""Recovery from outages: Redis down degrades to no cache; a dead database connection is replaced.

Redis: the cache points at a port where nothing listens (what a stopped Redis
looks like to the application); stock receipts and issues, the nearest-stock
search and the public report still succeed. The database: a connection the
server dropped is noticed by /healthz and by the prepared-statement path, which
reconnect instead of answering 500.
"""

from __future__ import annotations

import json
import socket

import pytest
from django.db import connection

from yingji.core.testing import api_client

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return port


@pytest.fixture
def redis_down(settings):  # type: ignore[no-untyped-def]
    port = _closed_port()
    settings.CACHES = {"default": {"BACKEND": "yingji.core.cache.ForgivingRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    # The channel layer as production configures it with REDIS_URL (settings.py), on the same dead port.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]}}}
    # (Django's setting_changed signal drops the cache handlers and the channel layers, so both are
    # rebuilt from these.)
    yield


def test_the_cache_answers_as_an_empty_cache_while_redis_is_down(redis_down):
    from django.core.cache import cache, caches

    assert type(caches["default"]).__name__ == "ForgivingRedisCache"
    cache.set("hardening:k", 1)
    assert cache.get("hardening:k") is None and cache.get("hardening:k", 7) == 7
    assert cache.add("hardening:k", 1) is False and cache.get_many(["a", "b"]) == {}
    with pytest.raises(ValueError):
        cache.incr("hardening:k")


def test_stock_moves_search_and_the_public_report_work_while_redis_is_down(cast, redis_down):
    from yingji.supplies.models import StockBalance
    from yingji.supplies.tests.builders import LAT, make_material, make_warehouse, stock

    material = make_material(cast, "XF-001", "灭火器")
    warehouse = make_warehouse(cast.community_a, "WA", 114.01)
    stock(warehouse, material, 5)
    client = api_client(cast.street_officer)
    received = client.post("/api/v1/supplies/warehouses/WA/receipts", json.dumps(
        {"material": "XF-001", "quantity": 10, "reason": "purchase"}), content_type="application/json")
    assert received.status_code == 201, received.content
    issued = client.post("/api/v1/supplies/warehouses/WA/issues", json.dumps(
        {"material": "XF-001", "quantity": 3, "reason": "drill"}), content_type="application/json")
    assert issued.status_code == 201, issued.content
    assert StockBalance.objects.get(warehouse=warehouse).quantity == 12
    found = client.get("/api/v1/supplies/search", {"q": "灭火器", "lon": 114.0, "lat": LAT})
    assert found.status_code == 200 and found.json()
    from django.test import Client

    report = Client().post("/api/v1/incidents/public", json.dumps(
        {"type_code": "91200", "lon": 114.02, "lat": 22.55, "reporter_phone": "13800001234"}),
        content_type="application/json")
    assert report.status_code == 201, report.content


def test_healthz_says_unavailable_when_the_database_does_not_answer(client, monkeypatch):
    assert client.get("/healthz").json() == {"status": "ok"}

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        from django.db import OperationalError

        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_prepared_path_reconnects_after_the_server_dropped_the_connection(cast):
    """A backend killed by the server (what a PostgreSQL restart does to every connection)."""
    from django.db import connections

    client = api_client(cast.officer_a)  # token auth runs on the prepared path
    assert client.get("/api/v1/audit/changes").status_code == 200
    connection.ensure_connection()
    victim = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    other.connect()
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [victim])
    other.close()
    response = client.get("/api/v1/audit/changes")
    assert response.status_code == 200, response.content


def test_live_publishing_while_redis_is_down_is_a_logged_no_op(cast, redis_down, caplog,
                                                                 django_capture_on_commit_callbacks):
    """Intake, the public report and stock moves commit and answer as usual; the live items they publish
    after the commit are refused by the channel layer, which is logged once (not per message)."""
    import logging

    from channels.layers import get_channel_layer
    from django.test import Client

    from yingji.core import realtime
    from yingji.incidents.models import Incident
    from yingji.supplies.tests.builders import make_material, make_warehouse, stock

    assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"
    material = make_material(cast, "XF-001", "灭火器")
    stock(make_warehouse(cast.community_a, "WA", 114.01), material, 5)
    officer = api_client(cast.street_officer)
    caplog.set_level(logging.INFO)
    realtime._outage.last = None  # another test's outage report does not hide this one's
    with django_capture_on_commit_callbacks(execute=True):
        reported = officer.post("/api/v1/incidents/", json.dumps(
            {"type_code": "21100", "channel": "119", "lon": 114.02, "lat": 22.51, "address": "A社区1栋"}),
            content_type="application/json")
        public = Client().post("/api/v1/incidents/public", json.dumps(
            {"type_code": "91200", "lon": 114.02, "lat": 22.55, "reporter_phone": "13800001234"}),
            content_type="application/json")
        issued = officer.post("/api/v1/supplies/warehouses/WA/issues", json.dumps(
            {"material": "XF-001", "quantity": 2, "reason": "fire"}), content_type="application/json")
    assert (reported.status_code, public.status_code, issued.status_code) == (201, 201, 201)
    assert Incident.objects.count() == 2
    realtime.flush(timeout=10)
    refused = [r for r in caplog.records if r.name == "yingji.core.realtime"]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING, [r.getMessage() for r in refused]
    assert "ConnectionError" in refused[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
