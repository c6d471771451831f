"""Handover (交接班): the outgoing shift's notes, carried to the next shift, acknowledged by its leader.

The people of a shift write its handover notes while it is under way or after it ended, until
the next shift takes them over. The next regular shift's leader takes over (接班): that
acknowledges the notes waiting for them. A regular shift that ended without notes is flagged —
on the roster, the shift's page, the API and the daily report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure
from yingji.duty.models import Handover, Shift, ShiftKind
from yingji.duty.services import now as duty_now

MAX_NOTES = 4000
# How long before its start a shift may be taken over, and how far apart two shifts still hand over.
TAKE_OVER_EARLY = datetime.timedelta(hours=1)
HANDOVER_GAP = datetime.timedelta(hours=24)


def is_on(shift: Shift, user: Any) -> bool:
    return shift.leader_id == user.pk or shift.staff.filter(user_id=user.pk).exists()


def previous_shift(shift: Shift) -> Shift | None:
    """The regular shift that hands over to this one: the last to end before it starts."""
    if shift.kind != ShiftKind.REGULAR:
        return None
    return (Shift.objects.filter(jurisdiction_id=shift.jurisdiction_id, kind=ShiftKind.REGULAR,
                                 ends_at__lte=shift.starts_at, ends_at__gt=shift.starts_at - HANDOVER_GAP)
            .select_related("leader").order_by("-ends_at").first())


def next_shift(shift: Shift) -> Shift | None:
    if shift.kind != ShiftKind.REGULAR:
        return None
    return (Shift.objects.filter(jurisdiction_id=shift.jurisdiction_id, kind=ShiftKind.REGULAR,
                                 starts_at__gte=shift.ends_at, starts_at__lt=shift.ends_at + HANDOVER_GAP)
            .select_related("leader").order_by("starts_at").first())


def handover_of(shift: Shift | None) -> Handover | None:
    if shift is None:
        return None
    return Handover.objects.filter(shift=shift).select_related("written_by", "acknowledged_by").first()


def missing_handovers(queryset: models.QuerySet[Shift], now: datetime.datetime) -> models.QuerySet[Shift]:
    """The regular shifts among `queryset` that ended without handover notes."""
    return queryset.filter(kind=ShiftKind.REGULAR, ends_at__lte=now, handover__isnull=True)


def handover_missing(shift: Shift, now: datetime.datetime) -> bool:
    return shift.kind == ShiftKind.REGULAR and shift.ends_at <= now and handover_of(shift) is None


@transaction.atomic
def write_handover(shift: Shift, *, actor: Any, notes: str, now: datetime.datetime | None = None) -> Handover:
    """Write (or correct, until taken over) the handover notes of a shift the actor stands."""
    ensure(actor, "view", shift)
    now = now or timezone.now()
    if not is_on(shift, actor):
        raise PermissionDenied
    if shift.starts_at > now:
        raise ValidationError({"notes": _("This shift has not started yet.")})
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"notes": _("This field is required.")})
    if len(notes) > MAX_NOTES:
        raise ValidationError({"notes": _("At most %(n)s characters.") % {"n": MAX_NOTES}})
    handover = Handover.objects.select_for_update().filter(shift=shift).first()
    if handover is not None and handover.acknowledged_at is not None:
        raise ValidationError({"notes": _("The next shift has taken these notes over; they cannot change now.")})
    handover = handover or Handover(shift=shift)
    handover.notes, handover.written_by, handover.written_at = notes, actor, now
    handover.save()
    return handover


@dataclass
class TakeOver:
    shift: Shift
    previous: Shift | None
    handover: Handover | None

    @property
    def previous_left_no_handover(self) -> bool:
        return self.previous is not None and self.handover is None


@transaction.atomic
def take_over(shift: Shift, *, actor: Any, now: datetime.datetime | None = None) -> TakeOver:
    """The leader takes over (接班) the shift and acknowledges the previous shift's handover notes."""
    ensure(actor, "view", shift)
    now = now or timezone.now()
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if shift.leader_id != actor.pk:
        raise PermissionDenied
    if shift.taken_over_at is not None:
        raise ValidationError({"shift": _("This shift was taken over at %(time)s.") % {
            "time": f"{timezone.localtime(shift.taken_over_at):%H:%M}"}})
    if now < shift.starts_at - TAKE_OVER_EARLY:
        raise ValidationError({"shift": _("A shift is taken over at most an hour before it starts.")})
    if now >= shift.ends_at:
        raise ValidationError({"shift": _("This shift has ended.")})
    previous = previous_shift(shift)
    handover = Handover.objects.select_for_update().filter(shift=previous).first() if previous else None
    if handover is not None and handover.acknowledged_at is None:
        handover.acknowledged_by, handover.acknowledged_at, handover.acknowledged_in = actor, now, shift
        handover.save()
    shift.taken_over_at, shift.taken_over_by = now, actor
    shift.save()
    duty_now.roster_changed()
    return TakeOver(shift=shift, previous=previous, handover=handover)
