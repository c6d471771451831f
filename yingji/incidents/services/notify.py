"""What incidents tell people and group robots, through the one messaging path (yingji.messaging).

- `queue_callouts`: one message per dispatched team to its on-duty members
  with an account (in-app — the phone rings — and the channels of
  settings.YINGJI_CALLOUT_CHANNELS), all written at once by
  `messaging.services.send_many`;
- `queue_officer_alert`: the officer who called a team that did not answer;
- `queue_escalation_stopped`: the same officer, when escalation stopped with the
  incident short of a team (caps, another street, nobody left);
- `notify_webhooks`: the robots subscribed to the "incidents" topic over the
  incident's jurisdiction (a new incident, teams called). Intake calls it for
  every incident, so it asks the database nothing while no robot listens
  over the place (`messaging.robots.listening` reads a per-process index first).

Delivery, retries, dead letters, the robot pages: yingji/messaging.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from yingji.incidents.models import Dispatch, Incident
from yingji.messaging import robots
from yingji.messaging import services as messaging
from yingji.messaging.models import Channel, Message
from yingji.messaging.services import Draft, Person
from yingji.resources.models import Member

TOPIC = "incidents"


def _describe(incident: Incident) -> dict[str, Any]:
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "incident": incident.pk, "reference": incident.reference, "type": incident.type_code,
            "type_label": incident.type_label, "severity": incident.severity,
            "severity_label": str(incident.get_severity_display()), "address": incident.address,
            "lon": incident.lon, "lat": incident.lat, "received_at": incident.received_at.isoformat(),
            "description": incident.description[:500], "url": reverse("incidents:detail", args=[incident.pk]),
        }


def callout_channels() -> list[str]:
    """In-app always (the phone page rings), plus settings.YINGJI_CALLOUT_CHANNELS (push, sms, email)."""
    return list(dict.fromkeys([Channel.IN_APP.value, *settings.YINGJI_CALLOUT_CHANNELS]))


def queue_callouts(incident: Incident, dispatches: list[Dispatch]) -> list[int]:
    """A call-out for every on-duty member (with an account) of the dispatched teams; answers their user ids.

    Thousands of deliveries when a whole district is called: one message per
    team, all written by one INSERT and one COPY (messaging.send_many), in the
    dispatch's transaction; delivered after the commit.
    """
    by_team = {d.team_id: d for d in dispatches}
    members = (Member.objects.filter(team_id__in=list(by_team), on_duty=True, user__isnull=False,
                                     user__is_active=True)
               .order_by("team_id", "pk").values_list("team_id", "user_id", "name", "phone", "user__email"))
    people: dict[int, list[Person]] = {}
    seen: set[tuple[int, int]] = set()
    for team_id, user_id, name, phone, email in members:
        if (team_id, user_id) not in seen:
            seen.add((team_id, user_id))
            people.setdefault(team_id, []).append(Person(user_id=user_id, name=name, phone=phone, email=email))
    if not people:
        return []
    base = _describe(incident)
    responder = reverse("incidents:responder")
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Call-out: %(type)s") % {"type": incident.type_label}
    text = f"{incident.address} {incident.description[:200]}".strip()
    channels = callout_channels()
    messaging.send_many([
        Draft(subject=incident, jurisdiction=incident.jurisdiction, topic=TOPIC, event="callout", title=title,
              body=text, recipients=people[d.team_id], channels=channels, robots=False,
              payload={**base, "dispatch": d.pk, "team": d.team_id, "team_name": d.team.name,
                       "travel_s": d.travel_seconds, "url": responder, "push_url": responder})
        for d in dispatches if d.team_id in people])
    return sorted({user_id for _team, user_id in seen})


def queue_officer_alert(incident: Incident, timed_out: Dispatch, replacement: Dispatch | None,
                        officer_ids: list[int]) -> Message | None:
    """Tell the officer who called a team that it did not answer, and who was called instead."""
    if not officer_ids:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        title = _("No answer from %(team)s") % {"team": timed_out.team.name}
        text = (_("Called instead: %(team)s.") % {"team": replacement.team.name}) if replacement else \
            _("No other team is available: choose one by hand.")
    return messaging.send(subject=incident, jurisdiction=incident.jurisdiction, topic=TOPIC, event="escalated",
                          title=title, body=text, payload={**_describe(incident), "dispatch": timed_out.pk},
                          recipients=officer_ids, channels=[Channel.IN_APP], robots=False)


def queue_escalation_stopped(incident: Incident, timed_out: Dispatch, reason: str, candidate: Any,
                             officer_ids: list[int]) -> Message | None:
    """Tell the officer that escalation stopped with the incident short of a team, and why (dispatch.Stop)."""
    if not officer_ids:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Escalation stopped: %(type)s, %(address)s") % {"type": incident.type_label,
                                                                 "address": incident.address or incident.jurisdiction.name}
        why = {
            "rounds": _("%(team)s did not answer and the escalation rounds are used up."),
            "teams": _("%(team)s did not answer and escalation has called as many teams as it may."),
            "other_street": _("%(team)s did not answer; the next team, %(next)s, is in another street."),
            "no_team": _("%(team)s did not answer and no other team is available."),
        }[reason] % {"team": timed_out.team.name, "next": getattr(candidate, "team_name", "")}
        text = why + " " + _("Choose a team on the incident page.")
    return messaging.send(subject=incident, jurisdiction=incident.jurisdiction, topic=TOPIC,
                          event="escalation_stopped", title=title, body=text,
                          payload={**_describe(incident), "dispatch": timed_out.pk, "reason": reason},
                          recipients=officer_ids, channels=[Channel.IN_APP], robots=False, ask_ack=True)


def notify_webhooks(incident_id: int, kind: str, *, incident: Incident | None = None) -> Message | None:
    """A message to every robot subscribed to incidents over the incident's jurisdiction (after commit).

    `incident` (with its jurisdiction) spares reading it again, as intake does.
    """
    if incident is None:
        incident = Incident.objects.select_related("jurisdiction").get(pk=incident_id)
    targets = robots.listening(incident.jurisdiction, TOPIC)
    if not targets:
        return None
    base = _describe(incident)
    with translation.override(settings.LANGUAGE_CODE):
        titles = {"incident.new": _("New incident: %(type)s"), "incident.dispatched": _("Teams called: %(type)s")}
        title = titles.get(kind, _("Incident: %(type)s")) % {"type": incident.type_label}
        teams = ", ".join(incident.dispatches.filter(status__in=["called", "acknowledged", "departed", "on_scene"])
                          .values_list("team__name", flat=True)) if kind == "incident.dispatched" else ""
        text = "\n".join(filter(None, [
            f"{_('Severity')}: {base['severity_label']}", f"{_('Address')}: {incident.address}",
            f"{_('Teams')}: {teams}" if teams else "", incident.description[:300]]))
    return messaging.send(subject=incident, jurisdiction=incident.jurisdiction, topic=TOPIC, event=kind,
                          title=title, body=text, payload=base, recipients=(), robots=targets)
