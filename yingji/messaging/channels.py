"""The channels a delivery goes out on; each sends a batch of claimed rows and answers the outcome per row.

An outcome is None (sent) or an error code, never a network's own text
(reasons.py turns codes into sentences): "network", "timeout", "http:500",
"errcode:93000", "not_allowed"… A code starting with "!" is permanent: the
row is given up at once instead of retried (a robot removed, no gateway
configured, a phone that withdrew its subscription).

- in_app: the row is the inbox entry; the user's open pages are told (core.realtime).
- robot: WeChat Work and DingTalk group robots (DingTalk's "加签" signature)
  and generic JSON webhooks signed with HMAC-SHA256.
- sms: a generic HTTP gateway (settings.YINGJI_SMS_GATEWAY_*).
- email: Django's mail backend (SMTP).
- push: Web Push with VAPID (pywebpush), to every browser the user subscribed.

Robot, SMS and push posts go through core.outbound (no private addresses
unless allowed) and are sent a few at a time in threads: a warning's SMS
fan-out is thousands of posts to one gateway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import string
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from yingji.core import outbound, realtime
from yingji.messaging.models import Channel, Delivery, PushSubscription, RobotFormat

log = logging.getLogger(__name__)
Outcome = str | None
PARALLEL_POSTS = 8


class Sender(Protocol):
    channel: str
    # The channel itself confirms the message reached its destination (a robot's errcode 0).
    confirms_delivery: bool

    def send(self, rows: list[Delivery], *, force: bool = False) -> dict[int, Outcome]:
        """Send the rows; answers {row id: None when sent, else an error code}."""


def _parallel(rows: list[Delivery], send_one: Callable[[Delivery], Outcome]) -> dict[int, Outcome]:
    def guarded(row: Delivery) -> Outcome:
        try:
            return send_one(row)
        except outbound.OutboundError as exc:
            return exc.code if exc.code not in ("bad_url", "not_allowed") else f"!{exc.code}"
        except Exception:  # one bad row must not stop the batch; the code is all that is kept
            log.exception("messaging: sending delivery %s failed", row.pk)
            return "error"

    if len(rows) == 1:
        return {rows[0].pk: guarded(rows[0])}
    with ThreadPoolExecutor(max_workers=min(PARALLEL_POSTS, len(rows))) as pool:
        return dict(zip([r.pk for r in rows], pool.map(guarded, rows), strict=True))


# ------------------------------------------------------------------- in-app
def live_item(row: Delivery) -> dict[str, Any]:
    """What the recipient's open pages receive (core.realtime, topic = the message's topic):
    ids, the title and text the recipient may read, and the message's payload."""
    message = row.message
    return {**message.payload, "kind": "message", "message": message.pk, "delivery": row.pk, "event": message.event,
            "title": message.title, "text": message.body[:500], "ask_ack": message.ask_ack}


class InAppSender:
    """The inbox entry exists from the start; sending it tells the user's open pages and phones
    (core.realtime), which ring and reload; the outcome is the channel layer's."""

    channel = Channel.IN_APP
    confirms_delivery = False

    def send(self, rows: list[Delivery], *, force: bool = False) -> dict[int, Outcome]:
        outcomes = realtime.deliver_to_users((row.user_id or 0, row.message.topic, live_item(row)) for row in rows)
        return {row.pk: None if error is None else "live" for row, error in zip(rows, outcomes, strict=True)}


# ------------------------------------------------------------------- robots
def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk robots with "加签": timestamp and HMAC-SHA256 of "timestamp\\nsecret", base64, URL-encoded."""
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def generic_signature(secret: str, raw: bytes) -> str:
    """The X-Yingji-Signature header of a generic webhook: HMAC-SHA256 of the body, hex."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def robot_body(fmt: str, message: Any) -> dict[str, Any]:
    """The message in the format of the receiving robot."""
    title, text = message.title, message.body
    if fmt == RobotFormat.WECHAT_WORK:
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}
    if fmt == RobotFormat.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n{text}"}}
    return {**message.payload, "event": message.event, "topic": message.topic, "message": message.pk,
            "title": title, "text": text, "ask_ack": message.ask_ack}


class RobotSender:
    channel = Channel.ROBOT
    confirms_delivery = True

    def send(self, rows: list[Delivery], *, force: bool = False) -> dict[int, Outcome]:
        return _parallel(rows, lambda row: self.send_one(row, force=force))

    @staticmethod
    def send_one(row: Delivery, *, force: bool = False) -> Outcome:
        """Post one message; `force` posts to a paused target too (the test button)."""
        target = row.robot
        if target is None:
            return "!robot_removed"
        if not (target.is_active or force):
            return "!robot_paused"
        body = robot_body(target.format, row.message)
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        url, headers = target.url, {"Content-Type": "application/json; charset=utf-8"}
        if target.format == RobotFormat.DINGTALK and target.secret:
            url = dingtalk_signed_url(url, target.secret)
        elif target.format == RobotFormat.GENERIC:
            headers["X-Yingji-Event"] = row.message.event
            if target.secret:
                headers["X-Yingji-Signature"] = generic_signature(target.secret, raw)
        answer = outbound.post(url, raw, headers)
        if target.format in (RobotFormat.WECHAT_WORK, RobotFormat.DINGTALK):
            try:
                code = json.loads(answer.body or b"{}").get("errcode", 0)
            except (ValueError, AttributeError):
                code = -1
            if code != 0:
                return f"errcode:{code}"
        return None


# ---------------------------------------------------------------------- SMS
def sms_text(message: Any) -> str:
    return f"{message.title} {message.body}".strip()[:500]


def sms_request(phone: str, text: str) -> tuple[bytes, dict[str, str]]:
    """The gateway request for one SMS: the configured template with $phone, $text and $key filled in."""
    key = settings.YINGJI_SMS_GATEWAY_KEY
    values = {"phone": phone, "text": text, "key": key}
    template = string.Template(settings.YINGJI_SMS_GATEWAY_TEMPLATE)
    if settings.YINGJI_SMS_GATEWAY_CONTENT_TYPE == "form":
        body = template.safe_substitute({k: urllib.parse.quote_plus(v) for k, v in values.items()})
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    else:  # inside JSON strings: escaped as JSON, without the quotes
        body = template.safe_substitute({k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()})
        headers = {"Content-Type": "application/json; charset=utf-8"}
    header = settings.YINGJI_SMS_GATEWAY_AUTH_HEADER
    if header and key:
        name, _sep, value = header.partition(":")
        headers[name.strip()] = string.Template(value.strip()).safe_substitute(key=key)
    return body.encode("utf-8"), headers


def sms_accepted(answer: bytes) -> bool:
    """Whether the gateway's answer says it took the message (settings.YINGJI_SMS_GATEWAY_SUCCESS)."""
    rule = settings.YINGJI_SMS_GATEWAY_SUCCESS
    if not rule:
        return True
    field, _sep, wanted = rule.partition("=")
    try:
        value = json.loads(answer or b"{}").get(field.strip())
    except (ValueError, AttributeError):
        return False
    return str(value) == wanted.strip()


class SmsSender:
    channel = Channel.SMS
    confirms_delivery = False

    def send(self, rows: list[Delivery], *, force: bool = False) -> dict[int, Outcome]:
        url = settings.YINGJI_SMS_GATEWAY_URL
        if not url:
            return {row.pk: "!no_gateway" for row in rows}
        return _parallel(rows, lambda row: self.send_one(url, row))

    @staticmethod
    def send_one(url: str, row: Delivery) -> Outcome:
        body, headers = sms_request(row.address, sms_text(row.message))
        answer = outbound.post(url, body, headers)
        return None if sms_accepted(answer.body) else "refused"


# -------------------------------------------------------------------- email
class EmailSender:
    channel = Channel.EMAIL
    confirms_delivery = False

    def send(self, rows: list[Delivery], *, force: bool = False) -> dict[int, Outcome]:
        results: dict[int, Outcome] = {}
        try:
            connection = get_connection()
            connection.open()
        except (OSError, smtplib.SMTPException):
            return {row.pk: "smtp_unreachable" for row in rows}
        try:
            for row in rows:
                mail = EmailMessage(row.message.title, row.message.body, None, [row.address], connection=connection)
                try:
                    mail.send()
                    results[row.pk] = None
                except smtplib.SMTPResponseException as exc:
                    results[row.pk] = f"{'!' if 500 <= exc.smtp_code < 600 else ''}smtp:{exc.smtp_code}"
                except smtplib.SMTPRecipientsRefused:
                    results[row.pk] = "!smtp_refused"
                except (OSError, smtplib.SMTPException):
                    results[row.pk] = "smtp_unreachable"
        finally:
            try:
                connection.close()
            except (OSError, smtplib.SMTPException):
                pass
        return results


# --------------------------------------------------------------------- push
@lru_cache(maxsize=4)
def _vapid(private_key: str) -> Any:
    from py_vapid import Vapid

    return Vapid.from_string(private_key)


def push_data(row: Delivery) -> str:
    """What the service worker shows: title, text, where a tap leads, and the message to mark read."""
    message = row.message
    url = message.payload.get("push_url") or reverse("messaging:inbox_message", args=[message.pk])
    return json.dumps({"title": message.title, "body": message.body[:300], "message": message.pk, "url": url,
                       "tag": f"yingji-{message.pk}", "icon": static("yingji/icon-192.png"),
                       "ask_ack": message.ask_ack}, ensure_ascii=False)


class PushSender:
    channel = Channel.PUSH
    confirms_delivery = False
    TTL_S = 12 * 3600

    def send(self, rows: list[Delivery], *, force: bool = False) -> dict[int, Outcome]:
        if not settings.YINGJI_VAPID_PRIVATE_KEY:
            return {row.pk: "!no_vapid_key" for row in rows}
        subscriptions: dict[int, list[PushSubscription]] = {}
        for s in PushSubscription.objects.filter(user_id__in={r.user_id for r in rows}).order_by("pk"):
            subscriptions.setdefault(s.user_id, []).append(s)
        return _parallel(rows, lambda row: self.send_one(row, subscriptions.get(row.user_id or 0, [])))

    def send_one(self, row: Delivery, subscriptions: list[PushSubscription]) -> Outcome:
        """To each browser of the user; sent when one push service took it."""
        from pywebpush import WebPushException, webpush

        outcome: Outcome = "!no_subscription"
        for sub in subscriptions:
            try:
                webpush({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
                        data=push_data(row), vapid_private_key=_vapid(settings.YINGJI_VAPID_PRIVATE_KEY),
                        vapid_claims={"sub": settings.YINGJI_VAPID_SUBJECT}, ttl=self.TTL_S,
                        requests_session=outbound.PostSession())  # type: ignore[arg-type]
            except outbound.OutboundError as exc:
                if exc.code in ("http:404", "http:410", "not_allowed", "bad_url"):
                    sub.delete()  # the browser withdrew it, or it points where it may not
                if outcome is not None:
                    outcome = exc.code if exc.code not in ("not_allowed", "bad_url") else f"!{exc.code}"
                continue
            except (WebPushException, ValueError):
                outcome = outcome if outcome is None else "push_refused"
                continue
            PushSubscription.objects.filter(pk=sub.pk).update(last_success_at=timezone.now())
            outcome = None
        return outcome


SENDERS: dict[str, Sender] = {s.channel: s for s in (InAppSender(), RobotSender(), SmsSender(), EmailSender(),
                                                       PushSender())}
