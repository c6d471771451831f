"""Dispatch (处警): candidates, one-click activation, escalation, release and close-out."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import bulk
from yingji.core.prepared import Prepared, partial_instance
from yingji.core.scope import can, ensure, path_allowed
from yingji.incidents.catalogue import material_label
from yingji.incidents.models import (
    ACTIVE_DISPATCH,
    Dispatch,
    DispatchStatus,
    EventKind,
    Incident,
    IncidentEvent,
    Outcome,
    Status,
)
from yingji.incidents.services import live, notify
from yingji.incidents.services.ranking import Candidate, dispatch_scope, team_index
from yingji.incidents.services.timeline import event
from yingji.incidents.workflows import INCIDENT
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources import services as resource_services
from yingji.resources.models import Team, TeamStatus
from yingji.supplies import services as supplies

log = logging.getLogger(__name__)


def ack_timeout_s() -> float:
    """Seconds a called team has to acknowledge before the next candidate is called."""
    return float(getattr(settings, "YINGJI_DISPATCH_ACK_TIMEOUT_S", 90))


# ------------------------------------------------------------------ team status
def set_team_status(teams: list[Team], status: str, *, actor: Any) -> None:
    """Team status follows the dispatches: on a call when called, available when released.

    Goes through resources.services.set_team_status (validated, audited) when
    the actor may edit the team. Escalation and other system actions act for no
    one, and one-click activation of a whole district calls hundreds of teams
    at once: there the status, which is derived from the dispatch rows, is
    written with one UPDATE, and the timeline records who and why.
    """
    todo = [t for t in teams if t.status != status]
    if not todo:
        return
    if actor is not None and len(todo) <= 20 and all(can(actor, "change", t) for t in todo):
        for team in todo:
            resource_services.set_team_status(team, status, actor=actor)
    else:
        Team.objects.filter(pk__in=[t.pk for t in todo]).update(status=status, updated_at=timezone.now())
        for team in todo:
            team.status = status
    ids = [t.pk for t in todo]
    transaction.on_commit(lambda: team_index.mark_status(ids, status))


# ------------------------------------------------------------------- candidates
TEAMS_CALLED = Prepared(lambda incident_id: Dispatch.objects.filter(incident_id=incident_id).order_by()
                        .values_list("team_id"), 987_654_321_987)


_RANKING_FIELDS = ("id", "lon", "lat", "type_code", "status", "jurisdiction_id")
RANKING_SUBJECT = Prepared(lambda pk: Incident.objects.filter(pk=pk).order_by()
                           .values_list(*_RANKING_FIELDS, "jurisdiction__path"), 987_654_321_987)


def incident_for_ranking(pk: int) -> Incident | None:
    """The incident with what ranking and the scope check need (one small query compiled once).

    The instance holds id, position, type, status and its jurisdiction's path;
    any other field is loaded when read. Refuse with `ensure(user, "dispatch", …)`.
    """
    rows = RANKING_SUBJECT.rows(pk)
    if not rows:
        return None
    incident = partial_instance(Incident, **dict(zip(_RANKING_FIELDS, rows[0], strict=False)))
    incident.jurisdiction = partial_instance(Jurisdiction, id=rows[0][5], path=rows[0][6])
    return incident


def recommend(incident: Incident, *, user: Any, k: int = 10) -> list[Candidate]:
    """Available teams nearest by road that `user` may call out, with the type's specialties."""
    exclude = {row[0] for row in TEAMS_CALLED.rows(incident.pk)}
    return team_index.rank(incident.lon, incident.lat, specialties=incident.type.specialties,
                           scope_paths=dispatch_scope(user), exclude=exclude, k=k)


def find_teams(incident: Incident, *, user: Any, text: str, limit: int = 8) -> list[Candidate]:
    """Available teams the officer may call out whose name (or station's name) contains `text`, any
    specialty and any distance — beyond the ranked candidates; nearest by road first."""
    text = (text or "").strip()
    if not text:
        return []
    paths = dispatch_scope(user) or []
    if not paths:
        return []
    scope = Q()
    for path in paths:
        scope |= Q(jurisdiction__path__startswith=path)
    busy = Dispatch.objects.filter(incident=incident, status__in=ACTIVE_DISPATCH).values("team_id")
    rows = list(Team.objects.filter(scope, Q(name__icontains=text) | Q(station__name__icontains=text),
                                    status=TeamStatus.AVAILABLE)
                .exclude(pk__in=busy).order_by("name").values_list("pk", "name", "station_id", "station__name")[:50])
    times = team_index.times_for(incident.lon, incident.lat, [r[0] for r in rows]) if rows else {}
    found = [Candidate(pk, name, station_id, station_name or "", *times.get(pk, (float("inf"), True)),
                       incident.lon, incident.lat) for pk, name, station_id, station_name in rows]
    return sorted(found, key=lambda c: (c.seconds, c.team_name))[:limit]


def add_team(incident: Incident, team_id: int, *, actor: Any) -> Dispatch:
    """Call one team the officer chose by name (按名称增派), even after initial handling."""
    [dispatch] = dispatch_teams(incident, [team_id], actor=actor)
    return dispatch


def recommended_set(incident: Incident, candidates: list[Candidate]) -> list[Candidate]:
    """The teams one-click activation calls: as many as the type needs, nearest first."""
    return candidates[: max(1, incident.type.teams_needed)]


def warehouses_for(incident: Incident, *, user: Any) -> dict[str, Any]:
    """Nearest warehouses holding the materials the incident type usually needs (the supplies search)."""
    materials = list(incident.type.materials)
    results = []
    for name in materials:
        try:
            found = supplies.nearest_warehouses(name, lon=incident.lon, lat=incident.lat, user=user)
        except Exception:  # the supplies search failing must not break the dispatch page
            log.exception("supplies search failed for %s", name)
            continue
        results.append({"material": name, "label": material_label(name), "warehouses": found})
    return {"available": True, "materials": [material_label(m) for m in materials], "results": results}


# --------------------------------------------------------------------- dispatch
def dispatch_teams(incident: Incident, team_ids: list[int], *, actor: Any, escalated_from: Dispatch | None = None,
                   now: datetime.datetime | None = None) -> list[Dispatch]:
    """Call the given teams out to the incident; every on-duty member is notified at once.

    `actor` None means the system (escalation). Refuses teams that are not
    available, already called to this incident, or outside the actor's reach.
    """
    if actor is not None:
        ensure(actor, "dispatch", incident)
    team_ids = list(dict.fromkeys(int(t) for t in team_ids))
    if not team_ids:
        raise ValidationError({"teams": _("Choose at least one team.")})
    now = now or timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().select_related("jurisdiction").get(pk=incident.pk)
        if not locked.is_open:
            raise ValidationError({"teams": _("This incident is closed; no team can be called to it.")})
        teams = list(Team.objects.select_for_update().select_related("jurisdiction").filter(pk__in=team_ids)
                     .order_by("pk"))
        if len(teams) != len(team_ids):
            raise Http404  # an unknown team, answered like one out of the actor's sight (below)
        if actor is not None:
            for team in teams:
                if not path_allowed(actor, "incidents.dispatch", team.jurisdiction.path):
                    # Out of sight is "does not exist" (the scope rule): naming it would confirm it.
                    if not Team.objects.visible_to(actor).filter(pk=team.pk).exists():
                        raise Http404
                    raise PermissionDenied(_("You may not call out %(team)s.") % {"team": team.name})
        busy = [t.name for t in teams if t.status != TeamStatus.AVAILABLE]
        if busy:
            raise ValidationError({"teams": _("Not available: %(teams)s.") % {"teams": ", ".join(busy)}})
        already = set(Dispatch.objects.filter(incident=locked, team_id__in=team_ids, status__in=ACTIVE_DISPATCH)
                      .values_list("team_id", flat=True))
        if already:
            raise ValidationError({"teams": _("Already called to this incident.")})
        times = team_index.times_for(locked.lon, locked.lat, team_ids)
        dispatches = []
        for team in teams:
            seconds, estimated = times.get(team.pk, (None, True))
            dispatches.append(Dispatch(incident=locked, team=team, called_at=now, called_by=actor if actor else None,
                                       travel_seconds=seconds, travel_estimated=estimated,
                                       escalated_from=escalated_from))
        dispatches = bulk.bulk_insert(dispatches)
        if any(d.pk is None for d in dispatches):  # backends without RETURNING ids
            by_team = dict(Dispatch.objects.filter(incident=locked, called_at=now, team_id__in=team_ids)
                           .values_list("team_id", "id"))
            for d in dispatches:
                d.pk = by_team[d.team_id]

        bulk.bulk_insert([
            event(locked, EventKind.DISPATCHED, now, actor=actor, dispatch=d, save=False,
                  data={"team": d.team_id, "team_name": d.team.name, "travel_s": d.travel_seconds,
                        "estimated": d.travel_estimated, **({"replaces": escalated_from.pk} if escalated_from else {})})
            for d in dispatches])
        set_team_status(teams, TeamStatus.ON_CALL, actor=actor)
        if locked.status == Status.REPORTED:
            INCIDENT.transition(locked, "dispatch", actor=actor, now=now, locked=True, save=False)
        if locked.dispatched_at is None:
            locked.dispatched_at = now
        locked.save()
        notify.queue_callouts(locked, dispatches)
    live.broadcast(locked.jurisdiction.path, {"kind": "incident.dispatched", "incident": locked.pk,
                                              "teams": [t.pk for t in teams]}, incident=locked)
    transaction.on_commit(lambda: notify.notify_webhooks(locked.pk, "incident.dispatched"))
    return dispatches


def may_activate(incident: Incident) -> bool:
    """One-click activation is for an incident still waiting for help: not once initial handling is done."""
    return incident.status in (Status.REPORTED, Status.DISPATCHED, Status.ON_SCENE) and incident.handled_at is None


def activate(incident: Incident, *, actor: Any, team_ids: list[int] | None = None) -> list[Dispatch]:
    """One-click activation (一键调派): call the recommended set, or the officer's choice.

    Refused once initial handling is done (a team can still be added by name: `dispatch_teams`).
    """
    ensure(actor, "dispatch", incident)
    if not may_activate(incident):
        raise ValidationError({"teams": _("Initial handling is done: one-click activation is over. "
                                          "Add a team by name if one is still needed.")})
    if not team_ids:
        candidates = recommend(incident, user=actor)
        team_ids = [c.team_id for c in recommended_set(incident, candidates)]
        if not team_ids:
            raise ValidationError({"teams": _("No available team can be called for this incident.")})
    return dispatch_teams(incident, team_ids, actor=actor)


# ------------------------------------------------------------------- escalation
class Stop:
    """Why escalation calls no one in place of a call-out that timed out (the ESCALATION_STOPPED event's reason)."""

    ANSWERED = "answered"          # a team of the incident reached YINGJI_ESCALATION_STOP_AT
    HANDLED = "handled"            # initial handling is done, or the incident is closed
    ROUNDS = "rounds"              # YINGJI_ESCALATION_MAX_ROUNDS reached
    TEAMS = "teams"                # YINGJI_ESCALATION_MAX_TEAMS called by escalation already
    OTHER_STREET = "other_street"  # the next team is in another street: the officer confirms
    NO_TEAM = "no_team"            # no available team left in reach
    #: The stops that leave the incident short of a team: the officer is alerted (once per incident).
    EXHAUSTED = frozenset({ROUNDS, TEAMS, OTHER_STREET, NO_TEAM})


_STOP_STEP = {"acknowledged": "acknowledged_at", "departed": "departed_at", "on_scene": "arrived_at"}


def escalate_overdue(now: datetime.datetime | None = None, timeout_s: float | None = None) -> list[Dispatch]:
    """Call-outs not acknowledged in time are passed to the next candidate — within the stop rules.

    Run by the scheduled job `incidents.escalate` (incidents/jobs.py) every
    few seconds. A call-out without an answer is marked so and its team freed;
    the next team is called in its place unless escalation has to stop (`Stop`:
    a team answered, initial handling is done, the caps on rounds and teams,
    another street without the officer's word, nobody left), in which case
    the timeline says why and, when the incident is left short, the officer
    who called is alerted. Answers the new dispatches.
    """
    now = now or timezone.now()
    deadline = now - datetime.timedelta(seconds=ack_timeout_s() if timeout_s is None else timeout_s)
    overdue = list(Dispatch.objects.filter(status=DispatchStatus.CALLED, called_at__lte=deadline)
                   .select_related("incident__jurisdiction", "team").order_by("called_at", "pk"))
    created: list[Dispatch] = []
    for dispatch in overdue:
        created += _escalate_one(dispatch, now)
    return created


def _root(dispatch: Dispatch) -> tuple[Dispatch, int]:
    """The call-out a chain of replacements started from, and how many replacements deep `dispatch` is."""
    depth, current = 0, dispatch
    while current.escalated_from_id is not None:
        current = Dispatch.objects.select_related("called_by").get(pk=current.escalated_from_id)
        depth += 1
    return current, depth


def _street_path(incident: Incident) -> str | None:
    """The path of the street the incident lies in (None above street level)."""
    parts = incident.jurisdiction.path.strip("/").split("/")
    prefixes = ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
    return Jurisdiction.objects.filter(path__in=prefixes, level="street").values_list("path", flat=True).first()


def _next_team(incident: Incident, current: Dispatch, root: Dispatch, depth: int) -> tuple[str | None, Any]:
    """(None, candidate) to call next, or (the Stop reason, the candidate it concerns or None)."""
    if not incident.is_open or incident.status == Status.HANDLED or incident.handled_at is not None:
        return Stop.HANDLED, None
    stop_at = _STOP_STEP[settings.YINGJI_ESCALATION_STOP_AT]
    if incident.dispatches.filter(**{f"{stop_at}__isnull": False}).exists():
        return Stop.ANSWERED, None
    if depth + 1 > settings.YINGJI_ESCALATION_MAX_ROUNDS:
        return Stop.ROUNDS, None
    if incident.dispatches.filter(escalated_from__isnull=False).count() >= settings.YINGJI_ESCALATION_MAX_TEAMS:
        return Stop.TEAMS, None
    tried = set(incident.dispatches.values_list("team_id", flat=True))
    scope = dispatch_scope(root.called_by) if root.called_by_id else None
    street = None if settings.YINGJI_ESCALATION_CROSS_STREET else _street_path(incident)
    if street is not None:
        inside = [p for p in (scope or [street]) if p.startswith(street)] or \
                 ([street] if scope is None or any(street.startswith(p) for p in scope) else [])
        found = team_index.rank(incident.lon, incident.lat, specialties=incident.type.specialties,
                                scope_paths=inside, exclude=tried, k=1) if inside else []
        if found:
            return None, found[0]
        beyond = team_index.rank(incident.lon, incident.lat, specialties=incident.type.specialties,
                                 scope_paths=scope, exclude=tried, k=1)
        return (Stop.OTHER_STREET, beyond[0]) if beyond else (Stop.NO_TEAM, None)
    found = team_index.rank(incident.lon, incident.lat, specialties=incident.type.specialties,
                            scope_paths=scope, exclude=tried, k=1)
    return (None, found[0]) if found else (Stop.NO_TEAM, None)


def _escalate_one(dispatch: Dispatch, now: datetime.datetime) -> list[Dispatch]:
    officer: list[int] = []
    with transaction.atomic():
        current = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        if current.status != DispatchStatus.CALLED:
            return []  # acknowledged meanwhile
        incident = Incident.objects.select_for_update().select_related("jurisdiction").get(pk=dispatch.incident_id)
        current.status, current.released_at = DispatchStatus.TIMED_OUT, now
        current.save(update_fields=["status", "released_at", "updated_at"])
        set_team_status([dispatch.team], TeamStatus.AVAILABLE, actor=None)
        root, depth = _root(current)
        officer = [root.called_by_id] if root.called_by_id else []
        reason, candidate = _next_team(incident, current, root, depth)
        new: list[Dispatch] = []
        if reason is None:
            event(incident, EventKind.ESCALATED, now, dispatch=current,
                  data={"team": dispatch.team_id, "team_name": dispatch.team.name, "round": depth + 1,
                        "next": candidate.team_id, "next_name": candidate.team_name})
            new = dispatch_teams(incident, [candidate.team_id], actor=None, escalated_from=current, now=now)
            notify.queue_officer_alert(incident, current, new[0], officer)
        else:
            data = {"team": dispatch.team_id, "team_name": dispatch.team.name, "reason": reason}
            if candidate is not None:
                data.update(next=candidate.team_id, next_name=candidate.team_name)
            alerted = reason in Stop.EXHAUSTED and not incident.events.filter(
                kind=EventKind.ESCALATION_STOPPED, data__alerted=True).exists()
            data["alerted"] = alerted
            event(incident, EventKind.ESCALATION_STOPPED, now, dispatch=current, data=data)
            if alerted:
                notify.queue_escalation_stopped(incident, current, reason, candidate, officer)
    live.broadcast(incident.jurisdiction.path, {"kind": "incident.escalated" if new else "incident.escalation_stopped",
                                                "incident": incident.pk, "dispatch": current.pk},
                   users=officer, incident=incident)
    return new


# ------------------------------------------------------------ release and close
def release_all(incident: Incident, *, actor: Any, now: datetime.datetime) -> None:
    """Release every active dispatch of the incident; teams with no other call become available."""
    active = list(incident.dispatches.filter(status__in=ACTIVE_DISPATCH).select_related("team"))
    if not active:
        return
    Dispatch.objects.filter(pk__in=[d.pk for d in active]).update(
        status=DispatchStatus.RELEASED, released_at=now, updated_at=now)

    IncidentEvent.objects.bulk_create([event(incident, EventKind.RELEASED, now, actor=actor, dispatch=d, save=False,
                                             data={"team": d.team_id}) for d in active])
    team_ids = {d.team_id for d in active}
    still_busy = set(Dispatch.objects.filter(team_id__in=team_ids, status__in=ACTIVE_DISPATCH)
                     .values_list("team_id", flat=True))
    set_team_status([d.team for d in active if d.team_id not in still_busy], TeamStatus.AVAILABLE, actor=actor)


def _whole(value: Any, field: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: _("Enter a whole number.")}) from exc
    if number < 0:
        raise ValidationError({field: _("Must be at least %(n)s.") % {"n": 0}})
    return number


def close_incident(incident: Incident, *, actor: Any, outcome: str, deaths: Any = 0, injuries: Any = 0,
                   rescued: Any = 0, loss_yuan: Any = 0, materials_used: list[dict[str, Any]] | None = None,
                   evaluation: str = "") -> Incident:
    """Close-out: outcome, casualties, losses, materials used, evaluation; every team is released.

    `materials_used` lines are {name, quantity, unit, warehouse, material}:
    a line with a warehouse is issued from its stock in this same transaction (see `_issue_materials`), so one
    refused line leaves the incident open and every balance as it was.
    """
    ensure(actor, "change", incident)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    try:
        # Two places, as stored: the audit log then shows no change from 0.00 to 0.
        loss = Decimal(str(loss_yuan or 0)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValidationError({"loss_yuan": _("Enter a number.")}) from exc
    if loss < 0:
        raise ValidationError({"loss_yuan": _("Must be at least %(n)s.") % {"n": 0}})
    materials = _clean_materials(materials_used or [])
    now = timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().select_related("jurisdiction").get(pk=incident.pk)
        if not locked.is_open:
            raise ValidationError({"outcome": _("This incident is already closed.")})
        release_all(locked, actor=actor, now=now)
        INCIDENT.transition(locked, "close", actor=actor, now=now, locked=True, save=False)
        locked.outcome, locked.closed_at = outcome, now
        locked.deaths, locked.injuries = _whole(deaths, "deaths"), _whole(injuries, "injuries")
        locked.rescued, locked.loss_yuan = _whole(rescued, "rescued"), loss
        locked.materials_used = _issue_materials(locked, materials, actor)
        locked.evaluation = (evaluation or "").strip()
        if locked.handled_at is None and outcome == Outcome.RESOLVED and locked.arrived_at is not None:
            locked.handled_at = now
        locked.save()
        issued = any(line.get("issued") for line in locked.materials_used)
        event(locked, EventKind.CLOSED, now, actor=actor,
              data={"outcome": outcome, "materials": locked.materials_used, "issued_from_stock": issued})
    live.broadcast(locked.jurisdiction.path, {"kind": "incident.closed", "incident": locked.pk}, incident=locked)
    return locked


def _clean_materials(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for n, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        material = row.get("material")
        try:
            quantity = Decimal(str(row.get("quantity", 0)))
        except InvalidOperation as exc:
            raise ValidationError({"materials_used": _("Line %(n)s: enter a quantity.") % {"n": n}}) from exc
        if not (name or material not in (None, "")) or not quantity.is_finite() or quantity <= 0:
            raise ValidationError({"materials_used": _("Line %(n)s: give a material and a positive quantity.")
                                   % {"n": n}})
        line = {"name": name, "quantity": float(quantity), "unit": str(row.get("unit") or "")[:10],
                "warehouse": row.get("warehouse") or None}
        if material not in (None, ""):
            line["material"] = material
        out.append(line)
    return out


def _issue_materials(incident: Incident, materials: list[dict[str, Any]], actor: Any) -> list[dict[str, Any]]:
    """The materials used as the incident keeps them: `supplies.services.issue_for_incident` issues
    the lines with a warehouse from its stock and marks each line `issued`."""
    if not materials:
        return []
    lines: list[dict[str, Any]] = supplies.issue_for_incident(incident=incident, materials=materials, actor=actor)
    return lines
