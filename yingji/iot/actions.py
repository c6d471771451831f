"""What a raised alarm becomes: an incident (incidents' intake), a hazard (hazards' reporting), a message.

Called by ingest.py for alarms raised at once and by the confirmation job for
smoke alarms whose window passed uncancelled, inside their transaction. The
incidents of a batch go through `report_incidents` (one INSERT each for
incidents, timelines and audit records); the alarm's id is the idempotency
key, so an alarm never makes two incidents. The officers of the community and
the street hear of it through yingji.messaging (in-app and phone
notification) and the robots subscribed to the "iot" topic.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from yingji.accounts.models import Membership
from yingji.accounts.roles import Role
from yingji.core.bulk import update_by_pk
from yingji.hazards.models import HazardSource
from yingji.hazards.services.hazards import report_hazard_once
from yingji.incidents.models import Channel
from yingji.incidents.services import dispatch, intake
from yingji.iot import rules
from yingji.iot.models import Alarm
from yingji.messaging import services as messaging

log = logging.getLogger("yingji.iot")
TOPIC = "iot"  # the live topic (apps.py) and the messaging topic
# Who is told of an alarm: those who answer for the place (community staff) and the street's duty officers.
NOTIFIED_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER)
NOTIFY_CHANNELS = ("in_app", "push")


def _place(alarm: Alarm) -> str:
    device = alarm.device
    return " ".join(p for p in (device.building, device.location) if p) or device.jurisdiction.name


def act_on(alarms: list[Alarm], outcome: Any = None) -> None:
    """Raise each alarm's incident or hazard, then tell the people who answer for the place."""
    if not alarms:
        return
    with translation.override(settings.LANGUAGE_CODE):  # stored text, read by everyone in the platform's language
        to_incident = [a for a in alarms if _rule(a).action == rules.INCIDENT]
        for start in range(0, len(to_incident), intake.MAX_BATCH):
            _incidents(to_incident[start:start + intake.MAX_BATCH], outcome)
        for alarm in alarms:
            if _rule(alarm).action == rules.HAZARD:
                _hazard(alarm, outcome)
        changed = [a for a in alarms if a.incident_id or a.hazard_id]
        update_by_pk(changed, ["incident", "hazard", "recommended_team"])
        _notify(alarms)


def _rule(alarm: Alarm) -> rules.Rule:
    rule = rules.rule_for(alarm.device.kind, alarm.alarm_type)
    assert rule is not None, (alarm.device.kind, alarm.alarm_type)  # alarms are only opened for known rules
    return rule


def _description(alarm: Alarm) -> str:
    device = alarm.device
    text = _("%(alarm)s reported by %(kind)s %(code)s at %(place)s.") % {
        "alarm": _rule(alarm).label, "kind": device.get_kind_display(), "code": device.code, "place": _place(alarm)}
    if device.owner_unit:
        text += " " + _("Owner unit: %(unit)s.") % {"unit": device.owner_unit}
    if alarm.value is not None:
        text += " " + _("Reading: %(value)s.") % {"value": alarm.value}
    return text


def _incidents(alarms: list[Alarm], outcome: Any) -> None:
    calls = [{"type_code": _rule(a).incident_type, "channel": Channel.IOT, "severity": _rule(a).severity,
              "lon": a.device.lon, "lat": a.device.lat, "address": _place(a)[:200],
              "description": _description(a), "reporter_name": a.device.code[:50],
              "received_at": a.first_at, "external_source": "iot", "idempotency_key": f"iot-alarm-{a.pk}"}
             for a in alarms]
    for alarm, result in zip(alarms, intake.report_incidents(actor=None, calls=calls), strict=True):
        if result.incident is None:
            log.error("iot: alarm %s raised no incident: %s", alarm.pk, result.errors or "refused")
            continue
        alarm.incident = result.incident
        if outcome is not None:
            outcome.incidents.append(result.incident.pk)
        try:
            # The nearest available team by road that can answer the type (what one-click activation would call).
            best = dispatch.recommend(result.incident, user=None, k=1)
            alarm.recommended_team_id = best[0].team_id if best else None
        except Exception:  # the ranking failing must not lose the alarm; the incident page ranks again
            log.exception("iot: no team recommendation for alarm %s", alarm.pk)


def _hazard(alarm: Alarm, outcome: Any) -> None:
    rule = _rule(alarm)
    device = alarm.device
    hazard, _created = report_hazard_once(
        actor=None, source=HazardSource.IOT, jurisdiction=device.jurisdiction, title=str(rule.label),
        description=_description(alarm), category=rule.hazard_category, severity=rule.hazard_severity,
        lon=device.lon, lat=device.lat, address=_place(alarm)[:200], reporter_name=device.code[:50],
        reported_at=alarm.first_at)
    alarm.hazard = hazard
    if outcome is not None:
        outcome.hazards.append(hazard.pk)


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def people_for(paths: set[str]) -> Callable[[str], list[int]]:
    """Who is told of something at one of `paths`: a function of the path answering user ids (one query)."""
    wanted = {p for path in paths for p in _ancestors(path)}
    people: dict[str, set[int]] = defaultdict(set)
    for path, user_id in Membership.objects.filter(jurisdiction__path__in=wanted, role__in=NOTIFIED_ROLES,
                                                   user__is_active=True).values_list("jurisdiction__path", "user_id"):
        people[path].add(user_id)
    return lambda path: sorted({u for p in _ancestors(path) for u in people.get(p, ())})


def _notify(alarms: list[Alarm]) -> None:
    people = people_for({a.device.jurisdiction.path for a in alarms})
    drafts = []
    for alarm in alarms:
        subject = alarm.incident or alarm.hazard
        if subject is None:
            continue
        url = (reverse("incidents:detail", args=[alarm.incident_id]) if alarm.incident_id
               else reverse("hazards:detail", args=[alarm.hazard_id]))
        recipients = people(alarm.device.jurisdiction.path)
        drafts.append(messaging.Draft(
            jurisdiction=alarm.device.jurisdiction, topic="iot", event="iot.alarm",
            title=_("IoT alarm: %(alarm)s · %(place)s") % {"alarm": _rule(alarm).label, "place": _place(alarm)},
            body=_description(alarm), payload={"url": url, "alarm": alarm.pk, "device": alarm.device.code},
            subject=subject, recipients=recipients, channels=NOTIFY_CHANNELS))
    if drafts:
        messaging.send_many(drafts)
