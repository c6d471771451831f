"""The steps of the hazard closed loop: each checks its inputs and records its facts in the step's transaction.

Every step goes through the hazard workflow (hazards/workflows.py): the row is
locked, the actor's permission over the hazard's jurisdiction checked (404
when they cannot see it, 403 when they may not), the state checked, and a
WorkflowEvent written (who, when, from, to, note); the field changes are in
the audit log too.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.accounts.models import Membership, User
from yingji.hazards.models import Hazard, HazardSeverity, PhotoStage
from yingji.hazards.services import notify
from yingji.hazards.services.escalation import COMMUNITY_DEPTH, ancestor_path
from yingji.hazards.services.hazards import deadline_for
from yingji.hazards.services.photos import check_photos, store
from yingji.hazards.workflows import HAZARD


def _community_path(hazard: Hazard) -> str:
    path = hazard.jurisdiction.path
    return ancestor_path(path, min(COMMUNITY_DEPTH, path.count("/") - 2))


def assignable_people(hazard: Hazard) -> Any:
    """Who may be named responsible: people holding a role in the hazard's community (its grids included)."""
    community = _community_path(hazard)
    ids = Membership.objects.filter(jurisdiction__path__startswith=community).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


def _save(hazard: Hazard, *fields: str) -> None:
    hazard.save(update_fields=[*fields, "status", "updated_at"])


def assign(hazard: Hazard, *, actor: Any, responsible_unit: str, assignee: User | None = None,
           severity: str | None = None, note: str = "", now: datetime.datetime | None = None) -> Hazard:
    """Name the responsible unit (and person); the deadline follows the severity."""
    now = now or timezone.now()

    def effect(h: Hazard) -> None:
        errors = {}
        if not responsible_unit.strip():
            errors["responsible_unit"] = _("Name the unit responsible for the rectification.")
        if severity is not None and severity not in HazardSeverity.values:
            errors["severity"] = _("Unknown severity.")
        if assignee is not None and not assignable_people(h).filter(pk=assignee.pk).exists():
            errors["assignee"] = _("The responsible person must hold a role in the hazard's community.")
        if errors:
            raise ValidationError(errors)
        h.severity = severity or h.severity
        h.responsible_unit = responsible_unit.strip()[:120]
        h.assignee = assignee
        h.assigned_at = now
        h.deadline = deadline_for(h.severity, now)
        h.escalate_at = h.deadline

    with transaction.atomic():
        HAZARD.transition(hazard, "assign", actor=actor, note=note, effect=effect, now=now, save=False)
        _save(hazard, "severity", "responsible_unit", "assignee", "assigned_at", "deadline", "escalate_at")
        notify.assigned(hazard, actor=actor)
    return hazard


def start(hazard: Hazard, *, actor: Any, note: str = "", now: datetime.datetime | None = None) -> Hazard:
    """The unit has begun (the deadline keeps running)."""
    return HAZARD.transition(hazard, "start", actor=actor, note=note, now=now)


def submit(hazard: Hazard, *, actor: Any, rectification: str, photos: Sequence[Any] = (),
           now: datetime.datetime | None = None) -> Hazard:
    """The unit says it is done, with what it did and evidence photos; the hazard waits for a recheck."""
    now = now or timezone.now()
    images = check_photos(list(photos))

    def effect(h: Hazard) -> str:
        if not rectification.strip():
            raise ValidationError({"rectification": _("Say what was done.")})
        store(images, owner=h, actor=actor, stage=PhotoStage.EVIDENCE)
        if not h.photos.filter(stage=PhotoStage.EVIDENCE).exists():
            raise ValidationError({"photos": _("Add at least one photo of the rectified place.")})
        h.rectification = rectification.strip()
        h.rectified_by = actor
        h.rectified_at = now
        h.escalate_at = None  # the unit owes nothing while the recheck is pending
        return rectification.strip()[:300]

    with transaction.atomic():
        HAZARD.transition(hazard, "submit", actor=actor, effect=effect, now=now, save=False)
        _save(hazard, "rectification", "rectified_by", "rectified_at", "escalate_at")
    return hazard


def recheck(hazard: Hazard, *, actor: Any, passed: bool, note: str = "", photos: Sequence[Any] = (),
            now: datetime.datetime | None = None) -> Hazard:
    """Someone other than the rectifier checks on site: close, or send back to rectifying."""
    now = now or timezone.now()
    images = check_photos(list(photos))

    def effect(h: Hazard) -> None:
        if h.rectified_by_id is not None and h.rectified_by_id == getattr(actor, "pk", None):
            raise PermissionDenied(_("The person who rectified a hazard cannot recheck it: ask someone else."))
        if not passed and not note.strip():
            raise ValidationError({"note": _("Say what is still wrong.")})
        store(images, owner=h, actor=actor, stage=PhotoStage.RECHECK)
        h.rechecked_by = actor
        if passed:
            h.closed_at = now
            h.escalate_at = None
        else:  # owed again: escalation resumes from the deadline (or now, when it has passed)
            h.escalate_at = max(h.deadline, now) if h.deadline else None

    with transaction.atomic():
        HAZARD.transition(hazard, "pass" if passed else "fail", actor=actor, note=note, effect=effect, now=now,
                          save=False)
        _save(hazard, "rechecked_by", "closed_at", "escalate_at")
        if not passed:
            notify.sent_back(hazard, actor=actor, note=note)
    return hazard


def dismiss(hazard: Hazard, *, actor: Any, note: str, now: datetime.datetime | None = None) -> Hazard:
    """Not a hazard, or a duplicate of another: closed without rectification, with the reason."""
    now = now or timezone.now()

    def effect(h: Hazard) -> None:
        if not note.strip():
            raise ValidationError({"note": _("Say why the report is dismissed.")})
        h.closed_at = now

    with transaction.atomic():
        HAZARD.transition(hazard, "dismiss", actor=actor, note=note, effect=effect, now=now, save=False)
        _save(hazard, "closed_at")
    return hazard
