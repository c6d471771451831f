"""A released warning goes out through messaging: one message, a delivery per person and channel
(in-app, push, SMS, email) and one per robot listening to "warnings" over the area; a
`WarningRecipient` row per person, so that the centre sees who has acknowledged it, street by
street, and who has not; reminders to those who have not, after the warning's set time.

Called from services.release (in the release's transaction: the message and the
recipients commit with the state, the workers deliver after the commit), from
messaging's `acknowledged` signal (apps.py) and from the job `warnings.remind`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from yingji.core import bulk, realtime
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.messaging import services as messaging
from yingji.messaging.models import Message, Topic
from yingji.warnings import audience
from yingji.warnings.catalogue import LEVEL_WORD
from yingji.warnings.models import EarlyWarning, MsgType, WarningRecipient

EVENTS = {MsgType.ALERT: "warning.released", MsgType.UPDATE: "warning.updated", MsgType.CANCEL: "warning.lifted"}
# Reminders sent at most to each person who has not acknowledged (then the centre phones them).
MAX_REMINDERS = 2


def persons(warning: EarlyWarning) -> list[audience.Person]:
    """Everyone the warning goes to: its target groups in the jurisdictions it reaches, and its key groups."""
    return audience.people(warning.target_groups, list(warning.target_jurisdictions.all()),
                           warning.contact_lists.values_list("pk", flat=True))


def _street_and_community(jurisdiction_ids: Iterable[int | None]) -> dict[int, tuple[int | None, int | None]]:
    """For each jurisdiction, the street and community it lies in (itself when it is one), by its path."""
    rows = list(Jurisdiction.objects.filter(pk__in={j for j in jurisdiction_ids if j is not None})
                .values_list("pk", "path"))
    codes = {code for _pk, path in rows for code in path.strip("/").split("/")}
    levels = {code: (pk, level) for pk, code, level in Jurisdiction.objects.filter(
        code__in=codes, level__in=[Level.STREET, Level.COMMUNITY]).values_list("pk", "code", "level")}
    found: dict[int, tuple[int | None, int | None]] = {}
    for pk, path in rows:
        street = community = None
        for code in path.strip("/").split("/"):
            pk_level = levels.get(code)
            if pk_level is not None:
                if pk_level[1] == Level.STREET:
                    street = pk_level[0]
                else:
                    community = pk_level[0]
        found[pk] = (street, community)
    return found


def texts(warning: EarlyWarning) -> tuple[str, str]:
    """The title and text of the warning's message, in the platform's language (they are stored)."""
    info = warning.first_info
    with translation.override(settings.LANGUAGE_CODE):
        level = str(LEVEL_WORD.get(warning.level, warning.get_level_display()))
        if warning.msg_type == MsgType.CANCEL:
            title = _("Lifted: %(headline)s") % {"headline": warning.headline}
        elif warning.msg_type == MsgType.UPDATE:
            title = _("Update: %(headline)s") % {"headline": warning.headline}
        else:
            title = warning.headline or _("%(level)s warning") % {"level": level}
    body = "\n".join(t for t in [info.description if info else "", info.instruction if info else ""] if t)
    return title[:200], body


def send(warning: EarlyWarning, *, actor: Any, now: datetime.datetime) -> Message:
    """Queue the warning to everyone it goes to, in the caller's transaction; answers the message."""
    people = persons(warning)
    title, body = texts(warning)
    message = messaging.send(
        subject=warning, jurisdiction=warning.jurisdiction, topic=Topic.WARNINGS,
        event=EVENTS.get(warning.msg_type, "warning.released"), title=title, body=body,
        payload={"url": reverse("warnings:phone", args=[warning.pk]), "warning": warning.pk,
                 "level": warning.level, "hazard": warning.hazard, "identifier": warning.identifier},
        recipients=[messaging.Person(user_id=p.user_id, name=p.name, phone=p.phone, email=p.email,
                                     contact_id=p.contact_id) for p in people],
        channels=list(warning.channels), robots=True, ask_ack=warning.ask_ack, actor=actor, now=now)
    places = _street_and_community(p.jurisdiction_id for p in people)
    channels = list(warning.channels)
    bulk.insert_values(
        WarningRecipient, {"warning_id": warning.pk, "acknowledged_at": None, "reminded_at": None, "reminders": 0,
                           "sent": False, "delivered": False, "read": False, "undelivered": False},
        ("key", "group", "name", "phone", "user_id", "member_id", "contact_id", "jurisdiction_id", "street_id",
         "community_id", "reachable", "email"),
        ((p.key[:120], p.group, p.name[:100], p.phone[:20], p.user_id, p.member_id, p.contact_id, p.jurisdiction_id,
          *places.get(p.jurisdiction_id, (None, None)),  # type: ignore[arg-type]
          _reachable(p, channels), p.email[:254])
         for p in people))
    realtime.publish("warnings", warning.jurisdiction.path, {"kind": "warning.progress", "warning": warning.pk})
    return message


def _reachable(person: audience.Person, channels: list[str]) -> bool:
    """Whether any of the channels can reach the person (push counted as in-app: the account)."""
    return ((person.user_id is not None and bool({"in_app", "push"} & set(channels)))
            or (bool(person.phone) and "sms" in channels) or (bool(person.email) and "email" in channels))


def warning_messages(warning_id: int) -> list[int]:
    """The messages about a warning: its release and the reminders."""
    ct = ContentType.objects.get_for_model(EarlyWarning)
    return list(Message.objects.filter(subject_type=ct, subject_id=warning_id).values_list("pk", flat=True))


def acknowledged(message: Message, user: Any, at: datetime.datetime) -> int:
    """A recipient acknowledged a message about a warning (messaging's signal, after its commit)."""
    ct = ContentType.objects.get_for_model(EarlyWarning)
    if message.subject_type_id != ct.pk or message.subject_id is None:
        return 0
    changed = WarningRecipient.objects.filter(warning_id=message.subject_id, user_id=getattr(user, "pk", None),
                                              acknowledged_at=None).update(acknowledged_at=at)
    if changed:
        path = EarlyWarning.objects.filter(pk=message.subject_id).values_list("jurisdiction__path", flat=True).first()
        if path:
            realtime.publish("warnings", path, {"kind": "warning.progress", "warning": message.subject_id})
    return changed


def progressed(message_ids: Iterable[int]) -> None:
    """Deliveries of these messages moved (sent, delivered, read): tell the progress pages of their warnings."""
    ct = ContentType.objects.get_for_model(EarlyWarning)
    rows = (Message.objects.filter(pk__in=list(message_ids), subject_type=ct)
            .values_list("subject_id", "jurisdiction__path").distinct())
    for warning_id, path in rows:
        realtime.publish("warnings", path, {"kind": "warning.progress", "warning": warning_id})


def remind_due(now: datetime.datetime) -> dict[str, int]:
    """Remind those who have not acknowledged a warning in force after its `remind_after_minutes`
    (again after as long, at most MAX_REMINDERS times): one message per warning, to them only,
    on the warning's own channels, no robots (the groups heard it once)."""
    from yingji.warnings.models import State

    warnings_due = (EarlyWarning.objects.filter(state=State.RELEASED, ask_ack=True, remind_after_minutes__isnull=False,
                                                released_at__isnull=False)
                    .select_related("jurisdiction"))
    sent = people = 0
    for warning in warnings_due:
        every = datetime.timedelta(minutes=warning.remind_after_minutes or 0)
        if warning.released_at + every > now:  # type: ignore[operator]
            continue
        # Only people with an account can acknowledge (phone or inbox); an SMS-only contact is not nagged.
        rows = list(WarningRecipient.objects.filter(warning=warning, acknowledged_at=None, user__isnull=False,
                                                    reminders__lt=MAX_REMINDERS)
                    .exclude(reminded_at__gt=now - every).order_by("pk"))
        if not rows:
            continue
        title, body = texts(warning)
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Reminder: please acknowledge — %(title)s") % {"title": title}
        messaging.send(
            subject=warning, jurisdiction=warning.jurisdiction, topic=Topic.WARNINGS, event="warning.reminder",
            title=title[:200], body=body,
            payload={"url": reverse("warnings:phone", args=[warning.pk]), "warning": warning.pk,
                     "level": warning.level, "reminder": True},
            recipients=[messaging.Person(user_id=r.user_id, name=r.name, phone=r.phone, email=r.email)
                        for r in rows],
            channels=list(warning.channels), robots=False, ask_ack=True, now=now)
        WarningRecipient.objects.filter(pk__in=[r.pk for r in rows]).update(reminded_at=now,
                                                                           reminders=F("reminders") + 1)
        sent += 1
        people += len(rows)
    return {"warnings": sent, "people": people}
