"""SSRF: robots, webhooks, the SMS gateway and push endpoints may not reach local or private addresses."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from yingji.core import outbound
from yingji.core.testing import web_client
from yingji.messaging import delivery, push, robots
from yingji.messaging.models import RobotTarget
from yingji.messaging.services import Person
from yingji.messaging.tests.builders import message, robot

pytestmark = pytest.mark.django_db

REFUSED = [
    "http://127.0.0.1:5432/",  # loopback: the database's port
    "http://127.1/",
    "http://10.1.2.3/hook",  # private
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
    "http://[::1]:8000/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://100.64.0.1/",  # shared address space
    "http://224.0.0.1/",  # multicast
    "http://0.0.0.0:8000/",
    "http://240.0.0.1/",  # reserved
    "http://localhost:8000/",  # a name that resolves to 127.0.0.1
]


@pytest.mark.parametrize("url", REFUSED)
def test_local_private_and_special_addresses_are_refused(url, settings):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    with pytest.raises(outbound.OutboundError) as refused:
        outbound.post(url, b"{}")
    assert refused.value.code == "not_allowed"
    assert outbound.url_problem(url) is not None


def test_localhost_resolves_to_loopback_here():
    assert "127.0.0.1" in {info[4][0] for info in socket.getaddrinfo("localhost", 80)}


def test_every_address_of_a_name_is_checked(settings, monkeypatch):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
               (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 80))]  # one public, one private
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers)
    outbound._resolved.clear()
    with pytest.raises(outbound.OutboundError):
        outbound.checked_address("http://mixed.example.org/hook")


def test_public_addresses_and_unresolvable_names_may_be_saved(settings):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    assert outbound.url_problem("https://93.184.216.34/robot/send?access_token=x") is None
    assert outbound.url_problem("https://qyapi.weixin.qq.invalid/cgi-bin/webhook/send?key=k") is None
    assert outbound.url_problem("ftp://example.org/") is not None
    assert outbound.url_problem("http://user:pw@example.org/") is not None


def test_the_operator_may_allow_a_network(settings):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert outbound.url_problem("http://10.20.3.4/sms") is None
    assert outbound.url_problem("http://10.21.3.4/sms") is not None
    assert outbound.url_problem("http://127.0.0.1/") is not None


def test_a_robot_on_a_private_address_is_refused_when_saved(cast, settings):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    for url in ("http://127.0.0.1:5432/", "http://10.0.0.1/hook", "http://169.254.169.254/", "http://[::1]/",
                "http://localhost/hook"):
        with pytest.raises(ValidationError) as refused:
            robots.create_target(actor=cast.officer_a, jurisdiction=cast.community_a, name="探测", format="generic",
                                 url=url, topics=["incidents"])
        assert "url" in refused.value.message_dict
    page = web_client(cast.officer_a, "en").post("/messaging/robots/new/", {
        "name": "探测", "jurisdiction": cast.community_a.pk, "format": "generic", "url": "http://10.0.0.1:22/",
        "topics": ["incidents"], "is_active": "on"}).content.decode()
    assert "local or private network" in page
    assert not RobotTarget.objects.exists()


def test_a_robot_saved_before_the_rule_is_refused_when_sent(cast, settings):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    target = robot(cast, "http://127.0.0.1:5432/", topics=("warnings",))  # written around the service
    m = message(cast, recipients=[], robots=[target])
    delivery.drain()
    assert m.deliveries.values_list("status", "last_error").get() == ("dead", "not_allowed")


def test_the_sms_gateway_is_checked_too(cast, settings):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    settings.YINGJI_SMS_GATEWAY_URL = "http://192.168.0.10/sms"
    m = message(cast, recipients=[Person(phone="13900001234")], channels=("sms",))
    delivery.drain()
    assert m.deliveries.values_list("status", "last_error").get() == ("dead", "not_allowed")


def test_a_push_endpoint_on_a_private_address_is_refused(cast, settings):
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    with pytest.raises(ValidationError) as refused:
        push.subscribe(cast.responder_a, endpoint="http://10.0.0.5/push/x", p256dh="BKey", auth="auth")
    assert "endpoint" in refused.value.message_dict


def test_a_failed_test_send_does_not_tell_whether_a_port_is_open(cast, allow_local, smtp):
    """With local addresses allowed, a closed port and an open port that speaks no HTTP (the SMTP
    server's) read the same to the officer: "could not deliver", no network error text."""
    closed = robot(cast, "http://127.0.0.1:9/", where=cast.community_a, name="关闭的端口")
    talking = robot(cast, f"http://127.0.0.1:{smtp.port}/", where=cast.community_a, name="SMTP端口")
    client = web_client(cast.officer_a, "en")
    texts = []
    for target in (closed, talking):
        page = client.post(f"/messaging/robots/{target.pk}/test/", follow=True).content.decode()
        [line] = [x for x in page.splitlines() if "Could not deliver the test message" in x]
        texts.append(line.strip())
        for leak in ("Errno", "refused", "Connection", "BadStatusLine", "220", "SMTP", "Remote"):
            assert leak not in line
    assert texts[0] == texts[1]
    assert "Could not reach the receiver." in texts[0]
