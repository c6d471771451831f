"""The card becomes the incident's checklist: when an incident of a covered type
opens, the steps of the most specific approved plan over its place are copied
onto it (ChecklistItem), and the people at work tick them off; each tick is a
line of the incident's timeline.

The incidents app does not know plans (it comes first in settings.YINGJI_APPS):
plans listens to the incident's post_save (apps.py), which every incident
saved one at a time sends (intake, the IoT alarms' incidents). Batch intake
(incidents.services.intake.report_incidents) writes with bulk_create and
sends none: those incidents get no checklist (docs: issue 17, not done).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.audit.signals import record_created_in_bulk
from yingji.core.scope import path_allowed
from yingji.incidents.models import EventKind, Incident
from yingji.incidents.services.timeline import event
from yingji.plans.models import ChecklistItem, Plan, PlanStatus

TICK_PERMISSIONS = ("incidents.change_incident", "incidents.respond")


def ancestor_paths(path: str) -> list[str]:
    """'/a/b/c/' → ['/a/', '/a/b/', '/a/b/c/']: the place and every jurisdiction above it."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def matching_plan(type_code: str, path: str) -> Plan | None:
    """The approved plan (not an enterprise's: those are for their own site) covering `type_code` nearest
    to the place at `path`: the community's before the street's before the district's; one query."""
    candidates = (Plan.objects.filter(status=PlanStatus.APPROVED, enterprise="",
                                      jurisdiction__path__in=ancestor_paths(path))
                  .select_related("jurisdiction").order_by("-jurisdiction__depth", "-approved_at", "pk"))
    # JSON containment is spelled differently on SQLite and PostgreSQL; the few plans over one place
    # are filtered here.
    return next((p for p in candidates if type_code in p.incident_types), None)


def open_checklist(incident: Incident) -> list[ChecklistItem]:
    """Copy the matching plan's card onto `incident` (in the caller's transaction); nothing when no plan
    covers it or it has a checklist already."""
    if ChecklistItem.objects.filter(incident=incident).exists():
        return []
    plan = matching_plan(incident.type_code, incident.jurisdiction.path)
    if plan is None:
        return []
    start = incident.received_at
    rows = [ChecklistItem(incident=incident, plan=plan, plan_version=plan.version, order=step.order,
                          what=step.what, who=step.who_label()[:200], how=step.how,
                          due_at=start + datetime.timedelta(minutes=step.time_limit_minutes)
                          if step.time_limit_minutes else None)
            for step in plan.steps.select_related("who_team").order_by("order")]
    ChecklistItem.objects.bulk_create(rows)
    record_created_in_bulk(rows)
    return rows


def incident_saved(sender: Any, instance: Incident, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """post_save of Incident: a new incident gets its checklist in the intake's transaction."""
    if created and not raw:
        open_checklist(instance)


def tick(item: ChecklistItem, *, actor: Any, now: datetime.datetime | None = None) -> ChecklistItem:
    """Mark a step done by `actor` now, and say so on the incident's timeline. Those who work the incident
    (its officers, the responders) tick; anyone else who sees it is refused (403), others get 404."""
    path = item.incident.jurisdiction.path
    if not ChecklistItem.objects.visible_to(actor).filter(pk=item.pk).exists():
        raise Http404
    if not any(path_allowed(actor, perm, path) for perm in TICK_PERMISSIONS):
        raise PermissionDenied(_("Only the people working this incident tick its checklist."))
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
