"""Every channel against a real local server started by the test."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from yingji.messaging import delivery
from yingji.messaging.models import PushSubscription
from yingji.messaging.services import Person
from yingji.messaging.testing import dingtalk_sign_ok
from yingji.messaging.tests.builders import message, robot

pytestmark = pytest.mark.django_db


def deliver_all() -> dict[str, int]:
    return delivery.drain()


# ------------------------------------------------------------------- robots
def test_wechat_work_robot_gets_markdown_and_its_errcode_is_checked(cast, receiver):
    target = robot(cast, receiver.url + "/cgi-bin/webhook/send?key=k1", format="wechat_work", topics=("warnings",))
    m = message(cast, recipients=[], robots=True, title="暴雨黄色预警", body="今晚有大到暴雨")
    deliver_all()
    [post] = receiver.received
    assert post.path == "/cgi-bin/webhook/send?key=k1"
    assert post.json == {"msgtype": "markdown", "markdown": {"content": "**暴雨黄色预警**\n今晚有大到暴雨"}}
    row = m.deliveries.get()
    assert (row.robot_id, row.status, row.delivered_at is not None) == (target.pk, "sent", True)

    receiver.answers = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    m2 = message(cast, recipients=[], robots=True)
    deliver_all()
    assert m2.deliveries.values_list("status", "last_error").get() == ("failed", "errcode:93000")


def test_dingtalk_robot_signs_and_the_receiver_checks_the_signature(cast, receiver):
    receiver.dingtalk_secrets = {"/robot/send": "SECabc123"}
    good = robot(cast, receiver.url + "/robot/send?access_token=t", format="dingtalk", secret="SECabc123",
                 topics=("warnings",), name="区钉钉群")
    wrong = robot(cast, receiver.url + "/robot/send?access_token=t", format="dingtalk", secret="SECwrong",
                  topics=("warnings",), name="密钥错了")
    m = message(cast, recipients=[], robots=True, title="预警", body="正文")
    deliver_all()
    assert len(receiver.received) == 2
    signed = [r for r in receiver.received if dingtalk_sign_ok(r.query, "SECabc123")]
    assert len(signed) == 1 and signed[0].query["access_token"] == "t"
    assert signed[0].json == {"msgtype": "markdown", "markdown": {"title": "预警", "text": "### 预警\n正文"}}
    outcome = dict(m.deliveries.values_list("robot_id", "last_error"))
    assert m.deliveries.get(robot=good).status == "sent"
    assert outcome[wrong.pk] == "errcode:310000"  # the receiver refused the wrong signature


def test_generic_webhook_is_json_signed_with_hmac_sha256(cast, receiver):
    robot(cast, receiver.url + "/hook", format="generic", secret="s3cret", topics=("warnings",))
    m = message(cast, recipients=[], robots=True, payload={"level": "yellow"}, ask_ack=True)
    deliver_all()
    [post] = receiver.received
    expected = "sha256=" + hmac.new(b"s3cret", post.body, hashlib.sha256).hexdigest()
    assert post.headers["x-yingji-signature"] == expected
    assert post.headers["x-yingji-event"] == "warning.issued"
    assert post.json == {"level": "yellow", "event": "warning.issued", "topic": "warnings", "message": m.pk,
                         "title": "暴雨黄色预警", "text": "今晚有大到暴雨，请做好防范。", "ask_ack": True}


# ---------------------------------------------------------------------- SMS
@pytest.fixture
def gateway(receiver, settings):  # type: ignore[no-untyped-def]
    settings.YINGJI_SMS_GATEWAY_URL = receiver.url + "/sms/send"
    settings.YINGJI_SMS_GATEWAY_KEY = "gw-key-1"
    settings.YINGJI_SMS_GATEWAY_TEMPLATE = '{"to": "$phone", "content": "$text", "sign": "应急"}'
    settings.YINGJI_SMS_GATEWAY_CONTENT_TYPE = "json"
    settings.YINGJI_SMS_GATEWAY_AUTH_HEADER = "X-Api-Key: $key"
    settings.YINGJI_SMS_GATEWAY_SUCCESS = "code=0"
    return receiver


def test_sms_goes_to_the_gateway_through_the_template_with_the_key(cast, gateway):
    gateway.answers = [(200, {"code": 0})] * 2
    m = message(cast, recipients=[cast.officer_a, Person(name="楼长", phone="13900001234")], channels=("sms",),
                title="预警", body='含"引号"的正文')
    deliver_all()
    assert sorted(r.json["to"] for r in gateway.received) == ["13800001111", "13900001234"]
    post = gateway.received[0]
    assert post.path == "/sms/send" and post.headers["x-api-key"] == "gw-key-1"
    assert post.json["content"] == '预警 含"引号"的正文' and post.json["sign"] == "应急"
    assert set(m.deliveries.values_list("status", flat=True)) == {"sent"}


def test_sms_the_gateway_did_not_accept_is_retried_and_a_form_body_is_url_encoded(cast, gateway, settings):
    gateway.answers = [(200, {"code": 17, "msg": "余额不足"})]
    m = message(cast, recipients=[Person(phone="13900001234")], channels=("sms",))
    deliver_all()
    assert m.deliveries.values_list("status", "last_error").get() == ("failed", "refused")

    settings.YINGJI_SMS_GATEWAY_CONTENT_TYPE = "form"
    settings.YINGJI_SMS_GATEWAY_TEMPLATE = "mobile=$phone&msg=$text&apikey=$key"
    settings.YINGJI_SMS_GATEWAY_SUCCESS = ""
    message(cast, recipients=[Person(phone="13900005678")], channels=("sms",), title="预警 & 通知", body="")
    deliver_all()
    post = gateway.received[-1]
    assert post.headers["content-type"].startswith("application/x-www-form-urlencoded")
    from urllib.parse import parse_qs

    assert parse_qs(post.body.decode()) == {"mobile": ["13900005678"], "msg": ["预警 & 通知"], "apikey": ["gw-key-1"]}


def test_without_a_gateway_sms_is_given_up_with_the_reason(cast, settings):
    settings.YINGJI_SMS_GATEWAY_URL = ""
    m = message(cast, recipients=[Person(phone="13900001234")], channels=("sms",))
    deliver_all()
    assert m.deliveries.values_list("status", "last_error").get() == ("dead", "no_gateway")


# -------------------------------------------------------------------- email
def test_email_goes_through_smtp(cast, smtp):
    cast.officer_a.email = "officer_a@example.org"
    cast.officer_a.save()
    m = message(cast, recipients=[cast.officer_a, Person(email="nobody@refused.example")], channels=("email",),
                title="暴雨黄色预警", body="今晚有大到暴雨")
    deliver_all()
    [(sender, recipients, mail)] = smtp.messages
    assert recipients == ["officer_a@example.org"]
    assert mail["Subject"] == "暴雨黄色预警" and mail["To"] == "officer_a@example.org"
    assert mail.get_content().strip() == "今晚有大到暴雨"
    outcome = dict(m.deliveries.values_list("address", "status"))
    assert outcome == {"officer_a@example.org": "sent", "nobody@refused.example": "dead"}


def test_email_with_the_server_down_is_retried(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    m = message(cast, recipients=[Person(email="a@example.org")], channels=("email",))
    deliver_all()
    assert m.deliveries.values_list("status", "last_error").get() == ("failed", "smtp_unreachable")


# --------------------------------------------------------------------- push
def test_web_push_is_encrypted_for_the_phone_and_signed_with_the_servers_vapid_key(cast, push_service, settings):
    endpoint, browser = push_service.new_browser("phone-1")
    PushSubscription.objects.create(user=cast.responder_a, endpoint=endpoint, p256dh=browser.p256dh,
                                    auth=browser.auth)
    m = message(cast, recipients=[cast.responder_a], channels=("push",), title="出警：火灾", body="A社区 3 号楼",
                ask_ack=True)
    deliver_all()
    [post] = push_service.state.received
    assert post.headers["content-encoding"] == "aes128gcm" and "A社区".encode() not in post.body  # encrypted on the wire
    data = json.loads(post.plaintext)  # the endpoint decrypted it with the subscription's private key
    assert data["title"] == "出警：火灾" and data["body"] == "A社区 3 号楼" and data["ask_ack"] is True
    assert data["url"] == f"/messaging/inbox/message/{m.pk}/"
    row = m.deliveries.get()
    assert (row.channel, row.status) == ("push", "sent")
    assert PushSubscription.objects.get().last_success_at is not None


def test_a_subscription_the_push_service_no_longer_knows_is_forgotten(cast, push_service):
    endpoint, browser = push_service.new_browser("gone")
    PushSubscription.objects.create(user=cast.responder_a, endpoint=endpoint, p256dh=browser.p256dh,
                                    auth=browser.auth)
    del push_service.browsers["/push/gone"]  # the browser unsubscribed: the push service answers 410
    m = message(cast, recipients=[cast.responder_a], channels=("push",))
    deliver_all()
    assert not PushSubscription.objects.exists()
    assert m.deliveries.values_list("status", "last_error").get() == ("failed", "http:410")
    delivery.drain(now=m.deliveries.get().next_attempt_at)
    assert m.deliveries.values_list("status", "last_error").get() == ("dead", "no_subscription")
