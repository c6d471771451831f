"""The card becomes the incident's checklist: when an incident of a covered type
opens, the steps of the most specific approved plan over its place are copied
onto it (ChecklistItem), and the people the step names tick them off; each
tick is a line of the incident's timeline.

The incidents app does not know plans (it comes first in settings.YINGJI_APPS):
intake sends `incidents.signals.opened` with the new incidents inside its
transaction — one incident, or a whole batch written with bulk_create (the
external platforms' pushes, the IoT alarms) — and plans copies the cards of
all of them at once (apps.py connects `incidents_opened`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.accounts.models import Membership
from yingji.audit.signals import record_created_in_bulk
from yingji.core.scope import path_allowed
from yingji.incidents.models import EventKind, Incident
from yingji.incidents.services.timeline import event
from yingji.jurisdictions.models import Jurisdiction
from yingji.plans.models import CardStep, ChecklistItem, Plan, PlanStatus, WhoKind
from yingji.resources.models import Member

TICK_PERMISSIONS = ("incidents.change_incident", "incidents.respond")


def ancestor_paths(path: str) -> list[str]:
    """'/a/b/c/' → ['/a/', '/a/b/', '/a/b/c/']: the place and every jurisdiction above it."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def _candidates(paths: Sequence[str]) -> list[Plan]:
    """Approved plans (not an enterprise's: those are for their own site) filed at any of `paths`, the
    deepest first, then the latest approved: one query."""
    return list(Plan.objects.filter(status=PlanStatus.APPROVED, enterprise="", jurisdiction__path__in=list(paths))
                .select_related("jurisdiction").order_by("-jurisdiction__depth", "-approved_at", "pk"))


def _pick(candidates: list[Plan], type_code: str, path: str) -> Plan | None:
    # JSON containment is spelled differently on SQLite and PostgreSQL; the few plans over one place
    # are filtered here.
    return next((p for p in candidates if path.startswith(p.jurisdiction.path) and type_code in p.incident_types),
                None)


def matching_plan(type_code: str, path: str) -> Plan | None:
    """The approved plan covering `type_code` nearest to the place at `path`: the community's before the
    street's before the district's; one query."""
    return _pick(_candidates(ancestor_paths(path)), type_code, path)


def _item(incident: Incident, plan: Plan, step: CardStep) -> ChecklistItem:
    return ChecklistItem(
        incident=incident, plan=plan, plan_version=plan.version, order=step.order, what=step.what,
        who=step.who_label()[:200], who_kind=step.who_kind, who_role=step.who_role,
        who_team_kind=step.who_team_kind, who_team_id=step.who_team_id, how=step.how,
        due_at=incident.received_at + datetime.timedelta(minutes=step.time_limit_minutes)
        if step.time_limit_minutes else None)


def open_checklists(incidents: Sequence[Incident]) -> list[ChecklistItem]:
    """Copy the matching plan's card onto each new incident (in the caller's transaction): one query for
    the places, one for the plans over all of them, one for their cards, one INSERT of the items."""
    if not incidents:
        return []
    paths = dict(Jurisdiction.objects.filter(pk__in={i.jurisdiction_id for i in incidents})
                 .values_list("pk", "path"))
    every = {a for p in paths.values() for a in ancestor_paths(p)}
    candidates = _candidates(sorted(every))
    if not candidates:
        return []
    chosen = {i.pk: _pick(candidates, i.type_code, paths.get(i.jurisdiction_id, "")) for i in incidents}
    plan_ids = {p.pk for p in chosen.values() if p is not None}
    if not plan_ids:
        return []
    steps: dict[int, list[CardStep]] = {pk: [] for pk in plan_ids}
    for step in CardStep.objects.filter(plan_id__in=plan_ids).select_related("who_team").order_by("plan", "order"):
        steps[step.plan_id].append(step)
    rows = [_item(incident, plan, step) for incident in incidents
            if (plan := chosen[incident.pk]) is not None for step in steps[plan.pk]]
    ChecklistItem.objects.bulk_create(rows)
    record_created_in_bulk(rows)
    return rows


def open_checklist(incident: Incident) -> list[ChecklistItem]:
    """The checklist of one incident; nothing when no plan covers it or it has a checklist already."""
    if ChecklistItem.objects.filter(incident=incident).exists():
        return []
    return open_checklists([incident])


def incidents_opened(sender: Any, incidents: Sequence[Incident], **kwargs: Any) -> None:
    """incidents.signals.opened: new incidents get their checklists in the intake's transaction."""
    open_checklists(incidents)


def is_named(item: ChecklistItem, user: Any, path: str) -> bool:
    """Whether `user` is among those the step names: the role held over the incident's place (there or
    above), a member of a team of the type, or of the named team. A superuser is everyone."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if item.who_kind == WhoKind.ROLE:
        return Membership.objects.filter(user=user, role=item.who_role,
                                         jurisdiction__path__in=ancestor_paths(path)).exists()
    members = Member.objects.filter(user=user)
    if item.who_kind == WhoKind.TEAM_KIND:
        return members.filter(team__kind=item.who_team_kind).exists()
    if item.who_kind == WhoKind.TEAM:
        return item.who_team_id is not None and members.filter(team_id=item.who_team_id).exists()
    return True  # an item copied before the card said whom it names


def may_tick(item: ChecklistItem, user: Any, path: str) -> bool:
    return any(path_allowed(user, perm, path) for perm in TICK_PERMISSIONS) and is_named(item, user, path)


def tick(item: ChecklistItem, *, actor: Any, now: datetime.datetime | None = None) -> ChecklistItem:
    """Mark a step done by `actor` now, and say so on the incident's timeline. Only the people the step
    names tick it, among those who work the incident (its officers, the responders); anyone else who sees
    it is refused (403) with whom the step is for, others get 404."""
    path = item.incident.jurisdiction.path
    if not ChecklistItem.objects.visible_to(actor).filter(pk=item.pk).exists():
        raise Http404
    if not any(path_allowed(actor, perm, path) for perm in TICK_PERMISSIONS):
        raise PermissionDenied(_("Only the people working this incident tick its checklist."))
    if not is_named(item, actor, path):
        raise PermissionDenied(_("This step is for %(who)s; only they tick it.") % {"who": item.who_display})
    now = now or timezone.now()
    with transaction.atomic():
        locked = ChecklistItem.objects.select_for_update().select_related("incident").get(pk=item.pk)
        if locked.done_at is not None:
            raise ValidationError({"done_at": _("This step was ticked at %(time)s.")
                                   % {"time": timezone.localtime(locked.done_at).strftime("%H:%M:%S")}})
        locked.done_at, locked.done_by = now, actor
        locked.save(update_fields=["done_at", "done_by", "updated_at"])
        event(locked.incident, EventKind.NOTE, now, actor=actor,
              text=_("Plan step %(n)s done: %(what)s") % {"n": locked.order, "what": locked.what},
              data={"checklist_item": locked.pk, "plan": locked.plan_id})
    return locked
