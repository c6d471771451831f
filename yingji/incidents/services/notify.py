"""Notifications: one channel abstraction with delivery status and retries.

A Notification row is queued for every (recipient, channel); a task delivers
the queue through the channel's Sender and records the outcome. Failed
deliveries are retried with back-off (`retry_due`, run by the scheduled job
`incidents.retry_notifications`, incidents/jobs.py) until MAX_ATTEMPTS.

Channels: in-app realtime (Channels group of the user's phone page), webhooks
(generic JSON signed with HMAC-SHA256, WeChat Work and DingTalk group robots),
email (Django's mail backend, SMTP in production) and a generic SMS gateway
(settings.YINGJI_SMS_GATEWAY_URL, JSON POST of {"phone", "text"}).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yingji.core import bulk, realtime
from yingji.incidents.models import (
    DeliveryStatus,
    Dispatch,
    Incident,
    Notification,
    NotifyChannel,
    WebhookFormat,
    WebhookTarget,
)
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.models import Member

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RETRY_BASE_S = 30
BATCH = 1000
HTTP_TIMEOUT_S = 5.0


class DeliveryError(Exception):
    """The channel refused or could not be reached; the notification is retried."""


class Sender(Protocol):
    channel: str

    def send_many(self, notifications: list[Notification]) -> dict[int, str | None]:
        """Deliver; answers {notification id: None when sent, else the error}."""


# ------------------------------------------------------------------- channels
class InAppSender:
    """The responder's phone page and the console: the user's own sockets (core/realtime.py)."""

    channel = NotifyChannel.IN_APP

    def send_many(self, notifications: list[Notification]) -> dict[int, str | None]:
        outcomes = realtime.deliver_to_users(
            (n.recipient_id, "incidents", {"kind": "notification", "notification": n.pk, **n.payload})
            for n in notifications)
        return {n.pk: error for n, error in zip(notifications, outcomes, strict=True)}


def _post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> bytes:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310 (configured URL)
            return response.read()
    except Exception as exc:
        raise DeliveryError(str(exc)[:300]) from exc


def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk robots with "加签": timestamp and HMAC-SHA256 of "timestamp\\nsecret", base64, URL-encoded."""
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def webhook_body(fmt: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload in the format of the receiving robot."""
    title, text = payload.get("title", ""), payload.get("text", "")
    if fmt == WebhookFormat.WECHAT_WORK:
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}
    if fmt == WebhookFormat.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n{text}"}}
    return payload


class WebhookSender:
    channel = NotifyChannel.WEBHOOK

    def send_one(self, n: Notification, *, force: bool = False) -> None:
        """Post one message; `force` posts to a paused target too (the test button)."""
        target = n.webhook
        if target is None or not (target.is_active or force):
            raise DeliveryError("webhook target removed or inactive")
        body = webhook_body(target.format, n.payload)
        url, headers = target.url, {}
        if target.format == WebhookFormat.DINGTALK and target.secret:
            url = dingtalk_signed_url(url, target.secret)
        elif target.format == WebhookFormat.GENERIC and target.secret:
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["X-Yingji-Signature"] = "sha256=" + hmac.new(target.secret.encode(), raw, hashlib.sha256).hexdigest()
        answer = _post_json(url, body, headers)
        if target.format in (WebhookFormat.WECHAT_WORK, WebhookFormat.DINGTALK):
            try:
                code = json.loads(answer or b"{}").get("errcode", 0)
            except ValueError:
                code = -1
            if code != 0:
                raise DeliveryError(f"robot answered errcode {code}")

    def send_many(self, notifications: list[Notification]) -> dict[int, str | None]:
        results: dict[int, str | None] = {}
        for n in notifications:
            try:
                self.send_one(n)
                results[n.pk] = None
            except DeliveryError as exc:
                results[n.pk] = str(exc)
        return results


class EmailSender:
    channel = NotifyChannel.EMAIL

    def send_many(self, notifications: list[Notification]) -> dict[int, str | None]:
        results: dict[int, str | None] = {}
        for n in notifications:
            try:
                send_mail(n.payload.get("title", ""), n.payload.get("text", ""), None, [n.address])
                results[n.pk] = None
            except Exception as exc:  # SMTP errors come in many types
                results[n.pk] = str(exc)[:300]
        return results


class SmsGatewaySender:
    """A generic HTTP SMS gateway: POST {"phone", "text"} to settings.YINGJI_SMS_GATEWAY_URL."""

    channel = NotifyChannel.SMS

    def send_many(self, notifications: list[Notification]) -> dict[int, str | None]:
        url = getattr(settings, "YINGJI_SMS_GATEWAY_URL", "")
        results: dict[int, str | None] = {}
        for n in notifications:
            try:
                if not url:
                    raise DeliveryError("no SMS gateway configured")
                _post_json(url, {"phone": n.address, "text": f"{n.payload.get('title', '')} {n.payload.get('text', '')}"})
                results[n.pk] = None
            except DeliveryError as exc:
                results[n.pk] = str(exc)
        return results


SENDERS: dict[str, Sender] = {s.channel: s for s in (InAppSender(), WebhookSender(), EmailSender(), SmsGatewaySender())}


# ------------------------------------------------------------------- delivery
def deliver(ids: Iterable[int]) -> dict[str, int]:
    """Deliver queued notifications; answers counts of sent and failed."""
    rows = list(Notification.objects.filter(pk__in=list(ids), status=DeliveryStatus.QUEUED).select_related("webhook"))
    by_channel: dict[str, list[Notification]] = {}
    for n in rows:
        by_channel.setdefault(n.channel, []).append(n)
    now = timezone.now()
    sent: list[int] = []
    failed = 0
    for channel, batch in by_channel.items():
        results = SENDERS[channel].send_many(batch)
        for n in batch:
            error = results.get(n.pk, "not attempted")
            if error is None:
                sent.append(n.pk)
                continue
            failed += 1
            n.attempts += 1
            n.last_error = error[:300]
            if n.attempts >= MAX_ATTEMPTS:
                n.status, n.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                n.next_attempt_at = now + datetime.timedelta(seconds=RETRY_BASE_S * 2 ** (n.attempts - 1))
            n.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    for start in range(0, len(sent), BATCH):
        Notification.objects.filter(pk__in=sent[start:start + BATCH]).update(
            status=DeliveryStatus.SENT, sent_at=now, attempts=1)
    return {"sent": len(sent), "failed": failed}


def enqueue(ids: list[int]) -> None:
    """Hand the ids to the delivery task in batches (after commit)."""
    from yingji.incidents.tasks import deliver_notifications

    for start in range(0, len(ids), BATCH):
        deliver_notifications.enqueue(ids[start:start + BATCH])


def retry_due(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    ids = list(Notification.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now)
               .values_list("pk", flat=True)[:5000])
    return deliver(ids)


# ---------------------------------------------------------------- composition
def _describe(incident: Incident) -> dict[str, Any]:
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "incident": incident.pk, "reference": incident.reference, "type": incident.type_code,
            "type_label": incident.type_label, "severity": incident.severity,
            "severity_label": str(incident.get_severity_display()), "address": incident.address,
            "lon": incident.lon, "lat": incident.lat, "received_at": incident.received_at.isoformat(),
            "description": incident.description[:500],
        }


def queue_callouts(incident: Incident, dispatches: list[Dispatch]) -> list[int]:
    """A call-out for every on-duty member (with an account) of the dispatched teams; answers their user ids.

    Thousands of rows when a whole district is called: on PostgreSQL they are
    copied in (see core/bulk.py), each team's payload encoded once. The
    delivery tasks, one per BATCH notifications, are queued after the commit.
    """
    by_team = {d.team_id: d for d in dispatches}
    members = list(Member.objects.filter(team_id__in=list(by_team), on_duty=True, user__isnull=False,
                                         user__is_active=True).values_list("team_id", "user_id", "user__email"))
    base = _describe(incident)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Call-out: %(type)s") % {"type": incident.type_label}
    text = f"{incident.address} {incident.description[:200]}".strip()
    payloads: dict[int, dict[str, Any]] = {}
    # (dispatch, user id, channel, address) of every notification, in member order.
    wanted: list[tuple[Dispatch, int, str, str]] = []
    seen: set[tuple[int, int]] = set()
    email_on = getattr(settings, "YINGJI_NOTIFY_EMAIL", False)
    for team_id, user_id, email in members:
        if (team_id, user_id) in seen:
            continue
        seen.add((team_id, user_id))
        d = by_team[team_id]
        if d.pk not in payloads:
            payloads[d.pk] = {**base, "title": title, "text": text, "dispatch": d.pk, "team": team_id,
                              "team_name": d.team.name, "travel_s": d.travel_seconds}
        wanted.append((d, user_id, NotifyChannel.IN_APP, ""))
        if email_on and email:
            wanted.append((d, user_id, NotifyChannel.EMAIL, email))
    if bulk.copies():
        ids = _copy_callouts(incident, wanted, payloads)
    else:
        created = Notification.objects.bulk_create(
            [Notification(incident=incident, dispatch=d, channel=channel, recipient_id=user_id, address=address,
                          kind="callout", payload=payloads[d.pk]) for d, user_id, channel, address in wanted],
            batch_size=2000)
        ids = [n.pk for n in created if n.pk is not None]
        if len(ids) != len(created):  # backends without RETURNING ids
            ids = list(Notification.objects.filter(dispatch__in=dispatches, status=DeliveryStatus.QUEUED)
                       .values_list("pk", flat=True))
    transaction.on_commit(lambda: enqueue(ids))
    return sorted({user_id for _t, user_id in seen})


def _copy_callouts(incident: Incident, wanted: list[tuple[Dispatch, int, str, str]],
                   payloads: dict[int, dict[str, Any]]) -> list[int]:
    """The call-out rows as plain values, COPYed in; answers their ids."""
    ids = bulk.new_ids(Notification, len(wanted))
    encoded = {pk: json.dumps(payload) for pk, payload in payloads.items()}
    now = timezone.now()
    fixed = {"incident_id": incident.pk, "webhook_id": None, "kind": "callout", "status": DeliveryStatus.QUEUED.value,
             "attempts": 0, "last_error": "", "created_at": now, "next_attempt_at": None, "sent_at": None,
             "read_at": None}
    varying = ("id", "dispatch_id", "recipient_id", "channel", "address", "payload")
    fields = Notification._meta.concrete_fields
    if {f.attname for f in fields} != set(fixed) | set(varying):  # a field added to the model must be written here
        raise RuntimeError("queue_callouts does not write every field of Notification")
    columns = [f.column for f in fields]
    order = [f.attname for f in fields]

    def rows() -> Any:
        row = dict(fixed)
        for pk, (d, user_id, channel, address) in zip(ids, wanted, strict=True):
            row.update(id=pk, dispatch_id=d.pk, recipient_id=user_id, channel=str(channel), address=address,
                       payload=encoded[d.pk])
            yield [row[name] for name in order]

    bulk.copy_rows(Notification, columns, rows())
    return ids


def queue_officer_alert(incident: Incident, timed_out: Dispatch, replacement: Dispatch | None,
                        officer_ids: list[int]) -> None:
    """Tell the officer who called a team that it did not answer, and who was called instead."""
    if not officer_ids:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("No answer from %(team)s") % {"team": timed_out.team.name}
        text = (_("Called instead: %(team)s.") % {"team": replacement.team.name}) if replacement else \
            _("No other team is available: choose one by hand.")
    payload = {**_describe(incident), "title": title, "text": text, "dispatch": timed_out.pk}
    rows = Notification.objects.bulk_create([
        Notification(incident=incident, dispatch=timed_out, channel=NotifyChannel.IN_APP, recipient_id=uid,
                     kind="escalated", payload=payload) for uid in officer_ids])
    ids = [n.pk for n in rows]
    transaction.on_commit(lambda: enqueue(ids))


class _WebhookIndex:
    """The codes of the jurisdictions that have a webhook (active or not), per
    process, so that an intake with no robot listening asks the database nothing.

    Rebuilt at once when this process saves or deletes a target or a
    jurisdiction (signals), and when the targets' version (count, last update,
    last id) changed in another process, checked at most every RECHECK_S
    seconds. Whether a target is active is read with the targets themselves.
    """

    RECHECK_S = 2.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: frozenset[str] | None = None
        self.version: tuple | None = None
        self.checked = 0.0

    @staticmethod
    def _version() -> tuple:
        row = WebhookTarget.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
        return (row["n"], row["last"], row["top"])

    def codes_with_targets(self) -> frozenset[str]:
        codes = self.codes
        if codes is not None and time.monotonic() - self.checked < self.RECHECK_S:
            return codes
        version = self._version()
        with self.lock:
            if self.codes is None or self.version != version:
                self.codes = frozenset(WebhookTarget.objects.values_list("jurisdiction__code", flat=True))
                self.version = version
            # A transaction may still roll back what it read: then check again next time.
            self.checked = -self.RECHECK_S if connection.in_atomic_block else time.monotonic()
            return self.codes

    def forget(self) -> None:
        with self.lock:
            self.codes = None


webhook_index = _WebhookIndex()


@receiver(post_save, sender=WebhookTarget)
@receiver(post_delete, sender=WebhookTarget)
@receiver(post_save, sender=Jurisdiction)
@receiver(post_delete, sender=Jurisdiction)
def _webhooks_changed(**kwargs: Any) -> None:
    webhook_index.forget()


def notify_webhooks(incident_id: int, kind: str, *, incident: Incident | None = None) -> list[int]:
    """Queue and deliver a message to every active webhook over the incident's jurisdiction.

    `incident` (with its jurisdiction) spares reading it again, as intake does.
    """
    if incident is None:
        incident = Incident.objects.select_related("jurisdiction").get(pk=incident_id)
    codes = incident.jurisdiction.path.strip("/").split("/")
    paths = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
    if webhook_index.codes_with_targets().isdisjoint(codes):
        return []
    targets = list(WebhookTarget.objects.filter(is_active=True, jurisdiction__path__in=paths))
    if not targets:
        return []
    base = _describe(incident)
    with translation.override(settings.LANGUAGE_CODE):
        titles = {"incident.new": _("New incident: %(type)s"), "incident.dispatched": _("Teams called: %(type)s")}
        title = titles.get(kind, _("Incident: %(type)s")) % {"type": incident.type_label}
        teams = ", ".join(incident.dispatches.filter(status__in=["called", "acknowledged", "departed", "on_scene"])
                          .values_list("team__name", flat=True)) if kind == "incident.dispatched" else ""
        text = "\n".join(filter(None, [
            f"{_('Severity')}: {base['severity_label']}", f"{_('Address')}: {incident.address}",
            f"{_('Teams')}: {teams}" if teams else "", incident.description[:300]]))
    payload = {"event": kind, **base, "title": title, "text": text}
    rows = Notification.objects.bulk_create([
        Notification(incident=incident, channel=NotifyChannel.WEBHOOK, webhook=t, address=t.url[:500], kind=kind,
                     payload=payload) for t in targets])
    ids = [n.pk for n in rows]
    enqueue(ids)
    return ids


def create_webhook(*, actor: Any, jurisdiction: Any, name: str, format: str, url: str, secret: str = "",
                   is_active: bool = True) -> WebhookTarget:
    """A robot or system that hears about the incidents of a jurisdiction's subtree."""
    from django.core.exceptions import ValidationError

    from yingji.core.scope import ensure_in

    ensure_in(actor, "incidents.add_webhooktarget", jurisdiction.path)
    if format not in WebhookFormat.values:
        raise ValidationError({"format": _("Unknown format.")})
    if not url.startswith(("http://", "https://")):
        raise ValidationError({"url": _("Enter an http(s) address.")})
    return WebhookTarget.objects.create(jurisdiction=jurisdiction, name=name.strip(), format=format, url=url,
                                        secret=secret, is_active=is_active)


def update_webhook(target: WebhookTarget, *, actor: Any, jurisdiction: Any, name: str, format: str, url: str,
                   secret: str | None = None, is_active: bool = True) -> WebhookTarget:
    """Change a target; `secret=None` keeps the stored one (the edit form never shows it)."""
    from django.core.exceptions import ValidationError

    from yingji.core.scope import ensure, ensure_in

    ensure(actor, "change", target)
    if jurisdiction.pk != target.jurisdiction_id:
        ensure_in(actor, "incidents.change_webhooktarget", jurisdiction.path)
    if format not in WebhookFormat.values:
        raise ValidationError({"format": _("Unknown format.")})
    if not url.startswith(("http://", "https://")):
        raise ValidationError({"url": _("Enter an http(s) address.")})
    target.jurisdiction, target.name, target.format, target.url = jurisdiction, name.strip(), format, url
    target.is_active = is_active
    if secret is not None:
        target.secret = secret
    target.save()
    return target


def delete_webhook(target: WebhookTarget, *, actor: Any) -> None:
    """Remove a target; its delivery rows go with it."""
    from yingji.core.scope import ensure

    ensure(actor, "delete", target)
    target.delete()


def send_test_message(target: WebhookTarget, *, actor: Any) -> Notification:
    """Post a test message to the target now, in the request, and answer its delivery row.

    Sent even when the target is paused (that is when one checks it); not
    retried: the officer sees the answer at once and a later retry would
    only surprise the group.
    """
    from yingji.core.scope import ensure

    ensure(actor, "change", target)
    with translation.override(settings.LANGUAGE_CODE):
        payload = {"event": "test", "title": _("Test message from Yingji"),
                   "text": _("If you can read this, “%(name)s” receives Yingji's incident messages.")
                   % {"name": target.name},
                   "sent_by": str(actor), "sent_at": timezone.now().isoformat()}
    n = Notification.objects.create(channel=NotifyChannel.WEBHOOK, webhook=target, address=target.url[:500],
                                    kind="test", payload=payload)
    try:
        WebhookSender().send_one(n, force=True)
    except DeliveryError as exc:
        n.status, n.attempts, n.last_error = DeliveryStatus.FAILED, 1, str(exc)[:300]
    else:
        n.status, n.attempts, n.sent_at = DeliveryStatus.SENT, 1, timezone.now()
    n.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    return n
