"""What duty tells people and duty groups, through the one messaging path (yingji.messaging).

- `alert_assigned`: the people of the street's shift under way when an incident came in (its leader is
  the officer assigned), one message per incident, all written at once by `messaging.send_many` in the
  duty job's sweep; when the street had nobody on duty, the district's people on duty hear of the gap;
- `first_report_overdue`: a first report (首报) still a draft at its deadline — the street's and the
  district's people on duty now, and the robots listening to the duty topic there;
- `send_daily_messages`: the daily duty message (今日值班) to the robot groups (WeChat Work, DingTalk)
  subscribed to the duty topic: who is on duty today at their command centre, above it and below it.

People are reached in the in-app inbox and on settings.YINGJI_DUTY_ALERT_CHANNELS; texts are written
in the platform's language (they are stored, not translated per reader). Delivery, retries and dead
letters are messaging's.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yingji.duty import times
from yingji.duty.models import IncidentAssignment, IncidentReport, Shift, ShiftKind, ShiftMember
from yingji.duty.services import now as duty_now
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.messaging import services as messaging
from yingji.messaging.models import Channel, Message, RobotTarget, Topic
from yingji.messaging.services import Draft

TOPIC = Topic.DUTY.value
DAILY_EVENT = "duty.daily"
# WeChat Work refuses a markdown message over 4,096 bytes; DingTalk's limit is larger. Room for the title.
ROBOT_BYTES = 3800


def channels() -> list[str]:
    """In-app always (the inbox and the header's count), plus settings.YINGJI_DUTY_ALERT_CHANNELS."""
    return list(dict.fromkeys([Channel.IN_APP.value, *settings.YINGJI_DUTY_ALERT_CHANNELS]))


def _local(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment, times.zone()):%H:%M}" if moment else "—"


def _people(posts: Iterable[duty_now.Post]) -> list[int]:
    """The user ids of everyone on the shifts under way at these posts (a person once)."""
    return list(dict.fromkeys(p.id for post in posts for shift in post.shifts for p in shift.people))


# ------------------------------------------------------------------ the officer assigned to an incident
def alert_assigned(assignments: list[tuple[IncidentAssignment, tuple[int, ...]]],
                   now: datetime.datetime) -> list[Message]:
    """One message per newly assigned incident: to the people of the street's shift (the leader first),
    or — nobody on duty in the street — to the district's people on duty now. Answers the messages."""
    drafts: list[Draft] = []
    alerted: list[int] = []
    with translation.override(settings.LANGUAGE_CODE):
        for assignment, people in assignments:
            incident = assignment.incident
            where = f"{incident.jurisdiction.name} {incident.address}".strip()
            payload = {"incident": incident.pk, "reference": incident.reference,
                       "url": reverse("incidents:detail", args=[incident.pk])}
            if people:
                recipients: list[int] = list(people)
                event = "duty.incident_assigned"
                title = _("Incident for the officer on duty: %(type)s") % {"type": incident.type_label}
                body = _("%(place)s, received at %(time)s. You are the officer on duty of %(street)s: "
                         "the first report is due at %(due)s.") % {
                    "place": where, "time": _local(incident.received_at), "street": assignment.jurisdiction.name,
                    "due": _local(incident.received_at
                                  + datetime.timedelta(minutes=settings.YINGJI_DUTY_FIRST_REPORT_MINUTES))}
            else:
                above = [p for p in duty_now.posts_for_path(assignment.jurisdiction.path, at=now)
                         if p.jurisdiction_id != assignment.jurisdiction_id]
                recipients = _people(above[:1])
                if not recipients:
                    continue  # nobody on duty above either: the incident's page shows the gap
                event = "duty.nobody_on_duty"
                title = _("Nobody on duty in %(street)s: %(type)s") % {"street": assignment.jurisdiction.name,
                                                                       "type": incident.type_label}
                body = _("%(place)s, received at %(time)s. The street had nobody on duty: see that someone "
                         "takes the incident and its first report.") % {
                    "place": where, "time": _local(incident.received_at)}
            drafts.append(Draft(subject=incident, jurisdiction=assignment.jurisdiction, topic=TOPIC, event=event,
                                title=title, body=body, payload=payload, recipients=recipients,
                                channels=channels(), robots=False, ask_ack=True))
            alerted.append(assignment.pk)
    if not drafts:
        return []
    messages = messaging.send_many(drafts, now=now)
    IncidentAssignment.objects.filter(pk__in=alerted).update(alerted_at=now)
    return messages


def alert_progress(incident: Any) -> dict[str, Any] | None:
    """How far the alert about an incident got (people reached, read, acknowledged), for its page."""
    message = (Message.objects.filter(topic=TOPIC, event__in=["duty.incident_assigned", "duty.nobody_on_duty"],
                                      subject_type=ContentType.objects.get_for_model(type(incident)),
                                      subject_id=incident.pk).order_by("pk").first())
    return messaging.progress(message) if message is not None else None


# ------------------------------------------------------------------ an overdue first report
def first_report_overdue(report: IncidentReport, now: datetime.datetime) -> Message | None:
    """Tell the street's and the district's people on duty now (and the duty topic's robots there) that a
    first report is still a draft past its deadline. Called by the workflows' deadlines job, once."""
    posts = duty_now.posts_for_path(report.jurisdiction.path, at=now)[:2]  # the street, the level above
    recipients = _people(posts)
    incident = report.incident
    with translation.override(settings.LANGUAGE_CODE):
        title = _("First report overdue: %(title)s") % {"title": report.title}
        body = _("%(street)s has not submitted the first report of %(reference)s, due at %(due)s.") % {
            "street": report.jurisdiction.name, "reference": incident.reference, "due": _local(report.due_at)}
    return messaging.send(subject=report, jurisdiction=report.jurisdiction, topic=TOPIC,
                          event="duty.first_report_overdue", title=title, body=body,
                          payload={"report": report.pk, "incident": incident.pk,
                                   "url": reverse("duty:incident_report", args=[report.pk])},
                          recipients=recipients, channels=channels(), robots=True, now=now)


# ------------------------------------------------------------------ the daily duty message to robot groups
def daily_message_time(day: datetime.date) -> datetime.datetime | None:
    """When the day's message is due (settings.YINGJI_DUTY_DAILY_MESSAGE_AT, local), or None: not sent."""
    if not settings.YINGJI_DUTY_DAILY_MESSAGE_AT:
        return None
    return times.at_local(day, times.parse_clock(settings.YINGJI_DUTY_DAILY_MESSAGE_AT))


def _shift_text(shift: Shift, members: list[str]) -> str:
    text = f"{shift.label} {_local(shift.starts_at)}–{_local(shift.ends_at)} {shift.leader}"
    if members:
        text += "（" + "、".join(members) + "）"
    if shift.kind != ShiftKind.REGULAR:
        text += f"［{shift.get_kind_display()}］"
    return text


def daily_text(jurisdiction: Jurisdiction, day: datetime.date) -> tuple[str, str]:
    """Title and text of the day's duty at a command centre: its own line, the command centres above it,
    those right below it, and the gaps further below (command centres without a shift today).

    Names only: the text leaves the platform for a chat group, and phone numbers are personal data
    (core.masking) — the duty room shows them to whoever may see them."""
    start, end = times.day_bounds(day)
    above = [Jurisdiction(pk=pk, code=code, name=name, level=level, path=path)
             for pk, code, name, level, path in reversed(duty_now._ancestor_rows(jurisdiction.path))
             if pk != jurisdiction.pk]
    below = list(Jurisdiction.objects.filter(path__startswith=jurisdiction.path, level__in=duty_now.POST_LEVELS)
                 .exclude(pk=jurisdiction.pk).only("pk", "code", "name", "level", "path").order_by("path"))
    children = [j for j in below if j.parent_id == jurisdiction.pk]
    further = [j for j in below if j.parent_id != jurisdiction.pk]
    listed = [*above, jurisdiction, *children]
    shifts = list(Shift.objects.filter(jurisdiction_id__in=[j.pk for j in listed], starts_at__gte=start,
                                       starts_at__lt=end).select_related("leader").order_by("starts_at", "pk"))
    members: dict[int, list[str]] = defaultdict(list)
    for shift_id, user in ((m.shift_id, m.user) for m in ShiftMember.objects.filter(
            shift__in=shifts).select_related("user").order_by("user__display_name", "user_id")):
        members[shift_id].append(str(user))
    by_place: dict[int, list[str]] = defaultdict(list)
    for shift in shifts:
        by_place[shift.jurisdiction_id].append(_shift_text(shift, members[shift.pk]))
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Duty today (%(day)s): %(name)s") % {"day": f"{day.month}月{day.day}日", "name": jurisdiction.name}
        lines = []
        for place in listed:
            duty = "；".join(by_place[place.pk]) or _("no shift on the roster")
            marker = "▶ " if place.pk == jurisdiction.pk else ""
            lines.append(f"{marker}【{place.name}】{duty}")
        if further:
            planned = set(Shift.objects.filter(jurisdiction_id__in=[j.pk for j in further], starts_at__gte=start,
                                               starts_at__lt=end).values_list("jurisdiction_id", flat=True))
            gaps = [j.name for j in further if j.pk not in planned]
            lines.append(_("Further below: %(planned)s of %(total)s command centres have duty on the roster today.")
                         % {"planned": len(further) - len(gaps), "total": len(further)})
            if gaps:
                lines.append(_("No shift today: %(names)s") % {"names": "、".join(gaps)})
        text = _fit("\n".join(lines), _("… (the rest on the duty pages)"))
    return title, text


def _fit(text: str, more: str) -> str:
    """The text within ROBOT_BYTES of UTF-8, cut at a line with a note that it goes on."""
    if len(text.encode()) <= ROBOT_BYTES:
        return text
    kept: list[str] = []
    size = len(more.encode()) + 1
    for line in text.split("\n"):
        size += len(line.encode()) + 1
        if size > ROBOT_BYTES:
            break
        kept.append(line)
    return "\n".join([*kept, more])


def send_daily_messages(now: datetime.datetime) -> dict[str, int]:
    """The day's duty message to every command centre whose robot groups listen to the duty topic, once a
    day from settings.YINGJI_DUTY_DAILY_MESSAGE_AT (a runner that was stopped sends it when it comes back,
    the same day). Each group hears its own command centre's message, not those of the places below it."""
    day = times.local_day(now)
    due = daily_message_time(day)
    if due is None or now < due:
        return {"daily_messages": 0}
    targets: dict[int, list[RobotTarget]] = defaultdict(list)
    for target in RobotTarget.objects.filter(is_active=True).select_related("jurisdiction").order_by("pk"):
        if TOPIC in (target.topics or []) and target.jurisdiction.level in (Level.CITY, *duty_now.POST_LEVELS):
            targets[target.jurisdiction_id].append(target)
    # The day a message is for is in its payload (its created_at is the wall clock's, not the runner's `now`).
    sent_today = set(Message.objects.filter(topic=TOPIC, event=DAILY_EVENT, jurisdiction_id__in=list(targets),
                                            payload__day=day.isoformat()).values_list("jurisdiction_id", flat=True))
    drafts = []
    for jurisdiction_id, group in targets.items():
        if jurisdiction_id in sent_today:
            continue
        jurisdiction = group[0].jurisdiction
        title, text = daily_text(jurisdiction, day)
        drafts.append(Draft(jurisdiction=jurisdiction, topic=TOPIC, event=DAILY_EVENT, title=title, body=text,
                            payload={"day": day.isoformat(), "url": reverse("duty:post", args=[jurisdiction.code])},
                            robots=group, channels=()))
    if drafts:
        messaging.send_many(drafts, now=now)
    return {"daily_messages": len(drafts)}
