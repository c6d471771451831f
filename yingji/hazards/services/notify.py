"""What the hazards capability tells people and group robots, through the one messaging path (yingji.messaging).

- `assigned`: the responsible person named at assignment (in-app, and the
  channels of settings.YINGJI_HAZARD_CHANNELS), and the robots listening to
  the "hazards" topic over the hazard's place (the responsible unit's or the
  street's group);
- `sent_back`: a failed recheck, to the responsible person and the rectifier;
- `escalations`: one message per jurisdiction that overdue hazards climbed to,
  to the people there who assign hazards (community staff, street officers,
  the district) and its robots, written by one `send_many` in the escalation
  job's transaction, so a hazard is announced exactly when it escalates;
- `remind_missed_patrols`: a patrol period that ended without a finished
  patrol, to the plan's grid worker (the community's staff when it has none),
  once per period (a message about the plan and period is looked for first).

Messages carry no personal data in their payload: robots get the payload.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from yingji.accounts.models import Membership
from yingji.accounts.roles import role_allows
from yingji.hazards.models import Hazard, PatrolPlan
from yingji.hazards.services.patrol import missed_patrols
from yingji.jurisdictions.models import Jurisdiction
from yingji.messaging import services as messaging
from yingji.messaging.models import Channel, Message, Topic
from yingji.messaging.services import Draft

TOPIC = Topic.HAZARDS.value
# An escalation message names at most this many hazards; the list page has them all.
LISTED = 10
# How far back the reminder job looks for missed patrols it has not told anyone about yet.
REMIND_DAYS = 7


def channels() -> list[str]:
    """In-app always, plus settings.YINGJI_HAZARD_CHANNELS (push, sms, email)."""
    return list(dict.fromkeys([Channel.IN_APP.value, *settings.YINGJI_HAZARD_CHANNELS]))


def deciders(jurisdictions: Iterable[Jurisdiction], perm: str = "hazards.assign") -> dict[int, list[int]]:
    """Per jurisdiction id, the active users holding a role there (not below) that grants `perm`."""
    ids = [j.pk for j in jurisdictions]
    found: dict[int, list[int]] = {pk: [] for pk in ids}
    rows = (Membership.objects.filter(jurisdiction_id__in=ids, user__is_active=True)
            .order_by("user_id").values_list("jurisdiction_id", "user_id", "role"))
    for jurisdiction_id, user_id, role in rows:
        if role_allows(role, perm) and user_id not in found[jurisdiction_id]:
            found[jurisdiction_id].append(user_id)
    return found


def _describe(hazard: Hazard) -> dict[str, Any]:
    return {"hazard": hazard.pk, "reference": hazard.reference, "severity": hazard.severity,
            "status": hazard.status, "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
            "url": reverse("hazards:detail", args=[hazard.pk])}


def _when(moment: datetime.datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "—"


def assigned(hazard: Hazard, *, actor: Any) -> Message:
    """The hazard was assigned: tell the responsible person and the groups over its place."""
    recipients = [hazard.assignee_id] if hazard.assignee_id else []
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Hazard to rectify: %(title)s") % {"title": hazard.title}
        body = "\n".join(filter(None, [
            f"{_('Responsible unit')}: {hazard.responsible_unit}",
            f"{_('Deadline')}: {_when(hazard.deadline)}",
            f"{_('Place')}: {hazard.jurisdiction.name} {hazard.address}".strip(),
            f"{_('Receipt number')}: {hazard.reference}"]))
    return messaging.send(subject=hazard, jurisdiction=hazard.jurisdiction, topic=TOPIC, event="hazard.assigned",
                          title=title, body=body, payload=_describe(hazard), recipients=recipients,
                          channels=channels(), actor=actor)


def sent_back(hazard: Hazard, *, actor: Any, note: str) -> Message | None:
    """The recheck failed: the responsible person and the rectifier hear what is still wrong."""
    recipients = list(dict.fromkeys(pk for pk in (hazard.assignee_id, hazard.rectified_by_id) if pk))
    if not recipients:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Recheck failed, rectify again: %(title)s") % {"title": hazard.title}
        body = f"{note.strip()}\n{_('Deadline')}: {_when(hazard.deadline)}"
    return messaging.send(subject=hazard, jurisdiction=hazard.jurisdiction, topic=TOPIC, event="hazard.sent_back",
                          title=title, body=body, payload=_describe(hazard), recipients=recipients,
                          channels=channels(), robots=False, actor=actor)


def escalations(by_target: dict[Jurisdiction, list[int]]) -> list[Message]:
    """One message per jurisdiction that overdue hazards climbed to (in the escalation's transaction)."""
    if not by_target:
        return []
    people = deciders(by_target)
    drafts = []
    for target, ids in by_target.items():
        named = list(Hazard.objects.filter(pk__in=ids[:LISTED]).select_related("jurisdiction")
                     .order_by("deadline", "pk").values_list("reference", "title", "jurisdiction__name", "deadline"))
        with translation.override(settings.LANGUAGE_CODE):
            title = _("%(count)s overdue hazard(s) escalated to %(place)s") % {"count": len(ids), "place": target.name}
            lines = [f"{ref} {where} {text}（{_('Deadline')} {_when(deadline)}）"
                     for ref, text, where, deadline in named]
            if len(ids) > len(named):
                lines.append(_("… and %(count)s more.") % {"count": len(ids) - len(named)})
        drafts.append(Draft(
            subject=target, jurisdiction=target, topic=TOPIC, event="hazard.escalated", title=title,
            body="\n".join(lines), recipients=people.get(target.pk, []), channels=channels(),
            payload={"count": len(ids), "references": [r[0] for r in named], "escalated_to": target.code,
                     "url": reverse("hazards:list") + "?overdue=1"}))
    return messaging.send_many(drafts)


def remind_missed_patrols(now: datetime.datetime) -> dict[str, int]:
    """Tell each missed patrol period (of the last REMIND_DAYS) to its grid worker, once."""
    today = timezone.localdate(now)
    missed = missed_patrols(PatrolPlan.objects.all(), today - datetime.timedelta(days=REMIND_DAYS),
                            until=today - datetime.timedelta(days=1))
    if not missed:
        return {"missed": 0, "reminded": 0}
    plan_type = ContentType.objects.get_for_model(PatrolPlan)
    told = {(subject_id, (payload or {}).get("period_start")) for subject_id, payload in Message.objects.filter(
        subject_type=plan_type, subject_id__in={m.plan.pk for m in missed}, event="patrol.missed",
        created_at__gte=now - datetime.timedelta(days=REMIND_DAYS + 14)).values_list("subject_id", "payload")}
    fresh = [m for m in missed if (m.plan.pk, m.period_start.isoformat()) not in told]
    if not fresh:
        return {"missed": len(missed), "reminded": 0}
    communities = {m.plan.pk: m.plan.jurisdiction.parent_id for m in fresh if m.plan.worker_id is None}
    staff = deciders(Jurisdiction.objects.filter(pk__in={c for c in communities.values() if c}))
    drafts = []
    for m in fresh:
        recipients: Sequence[int] = ([m.plan.worker_id] if m.plan.worker_id
                                     else staff.get(communities[m.plan.pk] or 0, []))
        end = m.period_start + (datetime.timedelta(days=6) if m.plan.frequency == "weekly" else datetime.timedelta())
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Patrol missed: %(plan)s") % {"plan": m.plan.name}
            period = (m.period_start.isoformat() if end == m.period_start
                      else f"{m.period_start.isoformat()} – {end.isoformat()}")
            body = _("%(period)s: %(checked)s of %(stops)s points checked in %(grid)s.") % {
                "period": period, "checked": m.checked, "stops": m.stops, "grid": m.plan.jurisdiction.name}
        drafts.append(Draft(
            subject=m.plan, jurisdiction=m.plan.jurisdiction, topic=TOPIC, event="patrol.missed", title=title,
            body=body, recipients=recipients, channels=channels(),
            payload={"plan": m.plan.pk, "period_start": m.period_start.isoformat(), "checked": m.checked,
                     "stops": m.stops, "url": reverse("hazards:patrols")}))
    messaging.send_many(drafts, now=now)
    return {"missed": len(missed), "reminded": len(drafts)}
