"""What responders do with a call-out: acknowledge, depart, arrive, handle, report what they sent.

A responder acts on the call-outs of their own teams (Member.user), wherever
the incident lies; an officer who may dispatch the incident may record on
their behalf (a radio message written down at the console).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import can, has_perm_somewhere
from yingji.incidents.models import ACTIVE_DISPATCH, Dispatch, DispatchStatus, EventKind, Incident, Status
from yingji.incidents.services import live
from yingji.incidents.services.timeline import event
from yingji.incidents.workflows import INCIDENT
from yingji.resources.models import Member

# Which states each step may start from. Skipping a step is allowed (a team that
# forgot to tap "departed" can still report "on scene"); going back is not.
STEPS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    # step: (allowed from, new status, timestamp field, event kind)
    "acknowledge": ((DispatchStatus.CALLED,), DispatchStatus.ACKNOWLEDGED, "acknowledged_at", EventKind.ACKNOWLEDGED),
    "depart": ((DispatchStatus.CALLED, DispatchStatus.ACKNOWLEDGED), DispatchStatus.DEPARTED, "departed_at",
               EventKind.DEPARTED),
    "arrive": ((DispatchStatus.CALLED, DispatchStatus.ACKNOWLEDGED, DispatchStatus.DEPARTED),
               DispatchStatus.ON_SCENE, "arrived_at", EventKind.ARRIVED),
    "handled": ((DispatchStatus.ON_SCENE,), DispatchStatus.HANDLED, "handled_at", EventKind.HANDLED),
}


def member_team_ids(user: Any) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    return set(Member.objects.filter(user=user).values_list("team_id", flat=True))


def my_dispatches(user: Any) -> QuerySet[Dispatch]:
    """The call-outs of the user's own teams (the responder's phone page)."""
    return Dispatch.objects.filter(team__members__user=user).distinct()


def dispatches_visible_to(user: Any) -> QuerySet[Dispatch]:
    """Dispatches in the user's scope plus those of the user's own teams."""
    scoped = Dispatch.objects.visible_to(user).values("pk")
    return Dispatch.objects.filter(Q(pk__in=scoped) | Q(team__members__user=user)).distinct() \
        if user.is_authenticated else Dispatch.objects.none()


def incidents_visible_to(user: Any) -> QuerySet[Incident]:
    """Incidents in the user's scope plus those their teams were called to."""
    if not user.is_authenticated:
        return Incident.objects.none()
    teams = member_team_ids(user)
    if not teams:
        return Incident.objects.visible_to(user)
    scoped = Incident.objects.visible_to(user).values("pk")
    return Incident.objects.filter(Q(pk__in=scoped) | Q(dispatches__team_id__in=teams)).distinct()


def may_act_on(user: Any, dispatch: Dispatch) -> bool:
    """A member of the dispatched team holding `incidents.respond`, or an officer who may dispatch it."""
    if user is None or not user.is_authenticated:
        return False
    if dispatch.team_id in member_team_ids(user) and has_perm_somewhere(user, "incidents.respond"):
        return True
    return can(user, "dispatch", dispatch.incident)


def ensure_may_act(user: Any, dispatch: Dispatch) -> None:
    if may_act_on(user, dispatch):
        return
    if not dispatches_visible_to(user).filter(pk=dispatch.pk).exists():
        raise Http404
    raise PermissionDenied(_("This call-out is not yours."))


def advance(dispatch: Dispatch, step: str, *, actor: Any, now: datetime.datetime | None = None,
            people_sent: int | None = None, vehicles_sent: int | None = None, equipment_sent: str | None = None,
            note: str = "") -> Dispatch:
    """Move a call-out one step on (acknowledge, depart, arrive, handled) and the incident's clock with it."""
    if step not in STEPS:
        raise ValidationError({"step": _("Unknown step.")})
    ensure_may_act(actor, dispatch)
    allowed, new_status, stamp, kind = STEPS[step]
    now = now or timezone.now()
    with transaction.atomic():
        current = Dispatch.objects.select_for_update().select_related("incident__jurisdiction", "team").get(
            pk=dispatch.pk)
        if current.status not in allowed:
            raise ValidationError({"step": _refusal(current)})
        # Skipped steps get the same time, so the timeline has no hole.
        for field in ("acknowledged_at", "departed_at", "arrived_at", "handled_at"):
            if getattr(current, field) is None:
                setattr(current, field, now)
            if field == stamp:
                break
        current.status = new_status
        if current.acknowledged_by_id is None:
            current.acknowledged_by = actor
        _apply_report(current, people_sent, vehicles_sent, equipment_sent)
        current.save()
        incident = Incident.objects.select_for_update().get(pk=current.incident_id)
        event(incident, kind, now, actor=actor, dispatch=current, text=(note or "").strip(),
              data={"team": current.team_id, "team_name": current.team.name, **_report_data(current)})
        _update_incident_clock(incident, kind, now, actor)
    live.broadcast(current.incident.jurisdiction.path,
                   {"kind": f"dispatch.{step}", "incident": current.incident_id, "dispatch": current.pk,
                    "team_name": current.team.name}, incident=current.incident)
    return current


def report_sent(dispatch: Dispatch, *, actor: Any, people_sent: int | None = None, vehicles_sent: int | None = None,
                equipment_sent: str | None = None) -> Dispatch:
    """Report (or correct) the people, vehicles and equipment sent, without changing the step."""
    ensure_may_act(actor, dispatch)
    with transaction.atomic():
        current = Dispatch.objects.select_for_update().select_related("incident__jurisdiction", "team").get(
            pk=dispatch.pk)
        if current.status not in ACTIVE_DISPATCH:
            raise ValidationError({"step": _refusal(current)})
        _apply_report(current, people_sent, vehicles_sent, equipment_sent)
        current.save()
        event(current.incident, EventKind.NOTE, timezone.now(), actor=actor, dispatch=current,
              text=_("Sent: %(people)s people, %(vehicles)s vehicles. %(equipment)s") % {
                  "people": current.people_sent, "vehicles": current.vehicles_sent,
                  "equipment": current.equipment_sent},
              data={"team": current.team_id, **_report_data(current)})
    live.broadcast(current.incident.jurisdiction.path,
                   {"kind": "dispatch.report", "incident": current.incident_id, "dispatch": current.pk})
    return current


def _apply_report(dispatch: Dispatch, people: int | None, vehicles: int | None, equipment: str | None) -> None:
    errors = {}
    if people is not None:
        if people < 0 or people > 500:
            errors["people_sent"] = _("Between 0 and 500 people.")
        dispatch.people_sent = people
    if vehicles is not None:
        if vehicles < 0 or vehicles > 100:
            errors["vehicles_sent"] = _("Between 0 and 100 vehicles.")
        dispatch.vehicles_sent = vehicles
    if equipment is not None:
        dispatch.equipment_sent = equipment.strip()[:300]
    if errors:
        raise ValidationError(errors)


def _report_data(dispatch: Dispatch) -> dict[str, Any]:
    if not (dispatch.people_sent or dispatch.vehicles_sent or dispatch.equipment_sent):
        return {}
    return {"people": dispatch.people_sent, "vehicles": dispatch.vehicles_sent, "equipment": dispatch.equipment_sent}


def _refusal(dispatch: Dispatch) -> str:
    if dispatch.status == DispatchStatus.TIMED_OUT:
        return _("This call-out timed out without an answer; the officer decides who goes.")
    if dispatch.status in (DispatchStatus.RELEASED, DispatchStatus.CANCELLED):
        return _("This call-out is over.")
    return _("This call-out is already at the step “%(status)s”.") % {"status": dispatch.get_status_display()}


def _update_incident_clock(incident: Incident, kind: str, now: datetime.datetime, actor: Any) -> None:
    """First arrival puts the incident on scene, first handling marks it initially handled (the
    workflow's automatic steps, incidents/workflows.py); the clock fields are written either way."""
    changed = False
    if kind == EventKind.ARRIVED and incident.arrived_at is None:
        incident.arrived_at, changed = now, True
        if incident.status in (Status.REPORTED, Status.DISPATCHED):
            INCIDENT.transition(incident, "arrive", actor=actor, now=now, locked=True, save=False)
    if kind == EventKind.HANDLED and incident.handled_at is None:
        incident.handled_at, changed = now, True
        if incident.status in (Status.REPORTED, Status.DISPATCHED, Status.ON_SCENE):
            INCIDENT.transition(incident, "handle", actor=actor, now=now, locked=True, save=False)
    if changed:
        incident.save()
