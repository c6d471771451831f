"""The one messaging path of the platform: send a message, read it, acknowledge it, see how far it got.

    from yingji.messaging import services as messaging
    message = messaging.send(subject=warning, jurisdiction=warning.jurisdiction, topic="warnings",
                             event="warning.issued", title=..., body=..., recipients=[user, contact_list,
                             messaging.Person(user_id=7, name="张三", phone="138…")],
                             channels=["in_app", "push", "sms"], ask_ack=True, actor=request.user)
    messaging.progress(message)  # counts per channel and status, people who read and acknowledged

`send` writes the message and one queued Delivery per recipient and channel
(plus one per robot target that listens to the topic over the jurisdiction)
in the caller's transaction, and hands the message to the delivery workers
after the commit (delivery.py). Acknowledgements raise the `acknowledged`
signal (signals.py) after their commit, for the app whose subject it is.
"""

from __future__ import annotations

import contextlib
import datetime
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db import DatabaseBackend

from yingji.core import bulk
from yingji.core.scope import ensure
from yingji.messaging import delivery
from yingji.messaging import robots as robot_targets
from yingji.messaging.models import (
    Channel,
    Contact,
    ContactList,
    Delivery,
    DeliveryStatus,
    Message,
    PushSubscription,
    RobotTarget,
    Topic,
    redacted_url,
)
from yingji.messaging.signals import acknowledged, progressed
from yingji.messaging.tasks import deliver_messages

PERSON_CHANNELS = (Channel.IN_APP, Channel.PUSH, Channel.SMS, Channel.EMAIL)
# Deliveries a worker task takes on: a big message is handed to several tasks, which workers share.
TASK_SHARE = 2000
MAX_TASKS = 8


@dataclass(frozen=True)
class Person:
    """Someone to reach: an account, a phone, an email, or several (a team member resolved by the caller)."""

    user_id: int | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    contact_id: int | None = None


Recipient = Any  # a User, a user id, a Person, a (user or id or None, phone, email) triple, or a ContactList


def _user_name(display_name: str, first: str, last: str, username: str) -> str:
    return display_name or f"{first} {last}".strip() or username


def people(recipients: Iterable[Recipient], *, details: bool) -> list[Person]:
    """The recipients as Persons, in the order given (the first mention of a phone or an account wins);
    with `details`, user ids are looked up for their name, phone and email."""
    user_model = get_user_model()
    given: list[Any] = []  # Persons, and ("user", id) / ("list", id) placeholders
    user_ids: list[int] = []
    list_ids: list[int] = []
    for r in recipients:
        if isinstance(r, Person):
            given.append(r)
        elif isinstance(r, ContactList):
            given.append(("list", r.pk))
            list_ids.append(r.pk)
        elif isinstance(r, user_model):
            given.append(Person(user_id=r.pk, name=str(r), phone=r.phone, email=r.email))  # type: ignore[attr-defined]
        elif isinstance(r, int) and not isinstance(r, bool):
            given.append(("user", r))
            user_ids.append(r)
        elif isinstance(r, tuple) and len(r) == 3:
            user, phone, email = r
            if isinstance(user, user_model):
                given.append(Person(user_id=user.pk, name=str(user), phone=phone or "", email=email or ""))
            else:
                given.append(Person(user_id=user, phone=phone or "", email=email or ""))
        else:
            raise TypeError(f"not a recipient: {r!r}")
    users: dict[int, Person] = {}
    if user_ids and details:
        for chunk in _id_chunks(list(dict.fromkeys(user_ids))):
            rows = user_model.objects.filter(pk__in=chunk, is_active=True).values_list(
                "pk", "display_name", "first_name", "last_name", "username", "phone", "email")
            users.update({pk: Person(user_id=pk, name=_user_name(d, f, la, u), phone=p, email=e)
                          for pk, d, f, la, u, p, e in rows})
    lists: dict[int, list[Person]] = {pk: [] for pk in list_ids}
    if list_ids:
        for pk, list_id, name, phone, email in (Contact.objects.filter(contact_list_id__in=list_ids).order_by("pk")
                                                .values_list("pk", "contact_list_id", "name", "phone", "email")):
            lists[list_id].append(Person(name=name, phone=phone, email=email, contact_id=pk))
    found: list[Person] = []
    for item in given:
        if isinstance(item, Person):
            found.append(item)
        elif item[0] == "list":
            found += lists.pop(item[1], [])  # a list named twice is expanded once
        elif details:
            if item[1] in users:
                found.append(users[item[1]])
        else:
            found.append(Person(user_id=item[1]))
    return found


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _id_chunks(ids: list[int]) -> Iterator[Any]:
    """What `pk__in=` takes for these ids: on PostgreSQL one array parameter (`IN (SELECT
    unnest(%s))`) — ten thousand placeholders cost more to build, quote and parse than the
    query costs to run —, elsewhere lists of at most 5,000 (SQLite's limit on parameters)."""
    if connection.vendor == "postgresql":
        if ids:
            yield RawSQL("SELECT unnest(%s::bigint[])", [ids])
        return
    yield from _chunks(ids, 5000)


def _with_push(user_ids: list[int]) -> set[int]:
    """Which of these users have a phone that agreed to notifications."""
    found: set[int] = set()
    for chunk in _id_chunks(user_ids):
        found.update(PushSubscription.objects.filter(user_id__in=chunk).values_list("user_id", flat=True))
    return found


def _rows(persons: list[Person], channels: Sequence[str], robots: list[RobotTarget],
          pushable: set[int]) -> Iterator[tuple[Any, ...]]:
    """(channel, user_id, contact_id, robot_id, name, address) of each delivery: one per person and
    channel where the person can be reached on it, the same phone or email once only. (Streamed into
    a COPY: it must not query the database.)"""
    for channel in channels:
        seen: set[Any] = set()
        for p in persons:
            if channel in (Channel.IN_APP, Channel.PUSH):
                key: Any = p.user_id
                if key is None or key in seen or (channel == Channel.PUSH and key not in pushable):
                    continue
                address = ""
            else:
                address = (p.phone if channel == Channel.SMS else p.email).strip()
                key = address.lower()
                if not key or key in seen:
                    continue
            seen.add(key)
            yield channel, p.user_id, p.contact_id, None, p.name[:100], address[:500]
    for target in {t.pk: t for t in robots}.values():
        yield Channel.ROBOT, None, None, target.pk, target.name[:100], redacted_url(target.url)[:500]


@dataclass
class Draft:
    """One message to send (the arguments of `send`), for `send_many`."""

    jurisdiction: Any
    topic: str
    event: str
    title: str
    body: str = ""
    payload: dict[str, Any] | None = None
    subject: Any = None
    recipients: Iterable[Recipient] = ()
    channels: Sequence[str] = (Channel.IN_APP,)
    robots: bool | Iterable[RobotTarget] = True
    ask_ack: bool = False
    actor: Any = None


def send(*, jurisdiction: Any, topic: str, event: str, title: str, body: str = "",
         payload: dict[str, Any] | None = None, subject: Any = None, recipients: Iterable[Recipient] = (),
         channels: Sequence[str] = (Channel.IN_APP,), robots: bool | Iterable[RobotTarget] = True,
         ask_ack: bool = False, actor: Any = None, now: datetime.datetime | None = None,
         deliver: bool = True) -> Message:
    """Queue a message to people on these channels and to the robots listening to the topic.

    `recipients`: users, user ids, `Person`s, (user, phone, email) triples or
    contact lists. `channels`: of in_app, push, sms, email. `robots`: True for
    every active robot target subscribed to `topic` at the jurisdiction or
    above it, False for none, or the targets themselves. In the caller's
    transaction; delivered by the workers after the commit (`deliver=False`:
    the caller sends it itself, see delivery.send_now). The message's
    `queued` attribute tells how many deliveries were queued.
    """
    draft = Draft(jurisdiction=jurisdiction, topic=topic, event=event, title=title, body=body, payload=payload,
                  subject=subject, recipients=recipients, channels=channels, robots=robots, ask_ack=ask_ack,
                  actor=actor)
    return send_many([draft], now=now, deliver=deliver)[0]


def _check(draft: Draft) -> str:
    if draft.topic not in Topic.values:
        raise ValidationError({"topic": _("Unknown topic.")})
    unknown = [c for c in draft.channels if c not in PERSON_CHANNELS]
    if unknown:
        raise ValidationError({"channels": _("Unknown channel: %(channel)s.") % {"channel": ", ".join(unknown)}})
    title = (draft.title or "").strip()
    if not title:
        raise ValidationError({"title": _("This field is required.")})
    return title


def send_many(drafts: Sequence[Draft], *, now: datetime.datetime | None = None, deliver: bool = True) -> list[Message]:
    """Queue several messages at once: one INSERT of the messages, one COPY of all their deliveries,
    the delivery tasks after the commit. One-click activation sends a call-out per team called."""
    now = now or timezone.now()
    titles = [_check(d) for d in drafts]
    persons = [people(d.recipients, details=Channel.SMS in d.channels or Channel.EMAIL in d.channels)
               for d in drafts]
    targets = [robot_targets.listening(d.jurisdiction, d.topic) if d.robots is True else
               [] if d.robots is False else list(d.robots) for d in drafts]
    pushable = _with_push(list({p.user_id for group, d in zip(persons, drafts, strict=True)
                                if Channel.PUSH in d.channels for p in group if p.user_id is not None}))
    with transaction.atomic():
        messages = Message.objects.bulk_create([Message(
            jurisdiction=d.jurisdiction, topic=d.topic, event=d.event[:40], title=title[:200], body=d.body or "",
            payload=d.payload or {}, ask_ack=d.ask_ack, sender=d.actor if getattr(d.actor, "pk", None) else None,
            subject_type=ContentType.objects.get_for_model(type(d.subject)) if d.subject is not None else None,
            subject_id=d.subject.pk if d.subject is not None else None, created_at=now)
            for d, title in zip(drafts, titles, strict=True)])
        counts = [0] * len(drafts)

        def rows() -> Iterator[tuple[Any, ...]]:
            for i, (message, draft) in enumerate(zip(messages, drafts, strict=True)):
                for row in _rows(persons[i], [str(c) for c in draft.channels], targets[i], pushable):
                    counts[i] += 1
                    yield (message.pk, *row)

        fixed = {"status": DeliveryStatus.QUEUED.value, "attempts": 0, "last_error": "", "next_attempt_at": None,
                 "claim": "", "claimed_until": None, "queued_at": now, "sent_at": None, "delivered_at": None,
                 "read_at": None, "acknowledged_at": None}
        total = bulk.insert_values(Delivery, fixed, ("message_id", "channel", "user_id", "contact_id", "robot_id",
                                                     "name", "address"), rows())
    for message, count in zip(messages, counts, strict=True):
        message.queued = count  # type: ignore[attr-defined]
    ids = [m.pk for m, count in zip(messages, counts, strict=True) if count]
    if total and deliver:
        transaction.on_commit(lambda: enqueue(ids, total))
    return messages


def enqueue(message_ids: list[int], count: int) -> None:
    """Hand messages to the delivery workers: one task per share of their deliveries (they share the work).

    Tasks stored in the database are written in one transaction (one commit to wait for, not one
    per task); a backend that runs them at once (tests) runs each outside any transaction."""
    tasks = min(MAX_TASKS, max(1, math.ceil(count / TASK_SHARE)))
    stored = isinstance(deliver_messages.get_backend(), DatabaseBackend)
    with transaction.atomic() if stored and tasks > 1 else contextlib.nullcontext():
        for _i in range(tasks):
            deliver_messages.enqueue(message_ids)


# ------------------------------------------------------------- read and ack
def _own(target: Delivery | Message, user: Any) -> Any:
    """The user's deliveries of the message (404 when the user received none of it)."""
    message_id = target.message_id if isinstance(target, Delivery) else target.pk
    if isinstance(target, Delivery) and target.user_id != getattr(user, "pk", None):
        raise Http404
    rows = Delivery.objects.filter(message_id=message_id, user_id=getattr(user, "pk", None))
    if not rows.exists():
        raise Http404
    return rows


def mark_read(target: Delivery | Message, user: Any, now: datetime.datetime | None = None) -> int:
    """The recipient opened the message: every copy they got of it counts as read. Answers how many rows changed."""
    now = now or timezone.now()
    rows = _own(target, user)
    ids = list(rows.values_list("pk", flat=True))
    rows.filter(delivered_at=None, channel=Channel.IN_APP).update(delivered_at=now)
    changed = rows.filter(read_at=None).update(read_at=now)
    if changed:
        message_id = target.message_id if isinstance(target, Delivery) else target.pk
        transaction.on_commit(lambda: progressed.send(sender=Message, message_ids=[message_id], delivery_ids=ids))
    return changed


def mark_all_read(user: Any, now: datetime.datetime | None = None) -> int:
    """Everything in the user's inbox counts as read ("mark all read")."""
    now = now or timezone.now()
    rows = Delivery.objects.filter(user_id=getattr(user, "pk", None), read_at=None)
    found = list(rows.values_list("pk", "message_id"))
    rows.filter(channel=Channel.IN_APP, delivered_at=None).update(delivered_at=now)
    changed = rows.update(read_at=now)
    if found:
        tell_progress(sorted({m for _pk, m in found}), [pk for pk, _m in found])
    return changed


def tell_progress(message_ids: list[int], delivery_ids: list[int] | None) -> None:
    """Raise `progressed` after the commit: these deliveries changed status, delivered or read (signals.py)."""
    transaction.on_commit(lambda: progressed.send(sender=Message, message_ids=message_ids,
                                                  delivery_ids=delivery_ids))


def acknowledge(target: Delivery | Message, user: Any, now: datetime.datetime | None = None) -> datetime.datetime:
    """The recipient confirms they got the message (a warning, a call-out); answers when they did.

    Idempotent: acknowledging again changes nothing and answers the first
    time. Raises `acknowledged` after the commit the first time only.
    """
    now = now or timezone.now()
    rows = _own(target, user)
    message = target.message if isinstance(target, Delivery) else target
    if not message.ask_ack:
        raise ValidationError({"__all__": _("This message does not ask for acknowledgement.")})
    with transaction.atomic():
        moved = rows.filter(read_at=None).update(read_at=now)
        moved += rows.filter(channel=Channel.IN_APP, delivered_at=None).update(delivered_at=now)
        if moved:
            tell_progress([message.pk], list(rows.values_list("pk", flat=True)))
        changed = rows.filter(acknowledged_at=None).update(acknowledged_at=now)
        if changed:
            transaction.on_commit(lambda: acknowledged.send(sender=Message, message=message, user=user, at=now))
            return now
    first = rows.exclude(acknowledged_at=None).order_by("acknowledged_at").values_list("acknowledged_at", flat=True)
    return first.first() or now


def progress(message: Message) -> dict[str, Any]:
    """How far a message got: deliveries per channel and status, and how many people read and acknowledged it.

    Two aggregate queries over the message's deliveries, whatever their number.
    """
    by_channel: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(DeliveryStatus.values, 0)
    rows = (Delivery.objects.filter(message=message).order_by().values("channel", "status")
            .annotate(n=Count("id")))
    for row in rows:
        channel = by_channel.setdefault(row["channel"], {**dict.fromkeys(DeliveryStatus.values, 0), "total": 0})
        channel[row["status"]] += row["n"]
        channel["total"] += row["n"]
        totals[row["status"]] += row["n"]
    reached = Delivery.objects.filter(message=message, user__isnull=False).aggregate(
        people=Count("user", distinct=True),
        read=Count("user", distinct=True, filter=Q(read_at__isnull=False)),
        acknowledged=Count("user", distinct=True, filter=Q(acknowledged_at__isnull=False)))
    return {"message": message.pk, "ask_ack": message.ask_ack, "total": sum(totals.values()), "by_status": totals,
            "by_channel": by_channel, "users": reached["people"], "read": reached["read"],
            "acknowledged": reached["acknowledged"]}


# ------------------------------------------------------------- dead letters
def retry(rows: Any, *, now: datetime.datetime | None = None) -> int:
    """Queue given-up deliveries again (the undelivered page); each gets one more attempt. Answers how many."""
    dead = rows.filter(status=DeliveryStatus.DEAD)
    found = list(dead.values_list("pk", "message_id"))
    messages = sorted({m for _pk, m in found})
    count = Delivery.objects.filter(pk__in=[pk for pk, _m in found], status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.QUEUED, next_attempt_at=None, claim="", claimed_until=None)
    if count:
        tell_progress(messages, [pk for pk, _m in found])
        transaction.on_commit(lambda: enqueue(messages, count))
    return count


def send_test_message(target: RobotTarget, *, actor: Any) -> Delivery:
    """Post a test message to a robot target now, in the request, and answer its delivery row.

    Sent even when the target is paused (that is when one checks it); not
    retried: the officer sees the answer at once and a later retry would only
    surprise the group. A failure is recorded as given up, with its reason.
    """
    ensure(actor, "change", target)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Test message from Yingji")
        text = _("If you can read this, “%(name)s” receives Yingji's messages.") % {"name": target.name}
    message = send(jurisdiction=target.jurisdiction, topic=Topic.SYSTEM, event="test", title=title, body=text,
                   payload={"sent_by": str(actor), "sent_at": timezone.now().isoformat()}, subject=target,
                   robots=[target], channels=(), actor=actor, deliver=False)
    delivery.send_now(message, retry=False, force=True)
    return message.deliveries.get()
