"""Shift swaps (换班): requested by someone on a shift, agreed by the colleague, approved by the roster's manager.

A swap without `counterpart` is a stand-in (替班): the colleague takes the requester's place. With a
counterpart it is an exchange: the requester also takes the colleague's place in that shift. The
roster changes only on approval, through the roster services (so its history says who changed it).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure
from yingji.duty.models import Shift, SwapRequest
from yingji.duty.services import rosters
from yingji.duty.services.handover import is_on
from yingji.duty.workflows import SWAP


@transaction.atomic
def request_swap(shift: Shift, *, actor: Any, replacement: Any, reason: str, counterpart: Shift | None = None,
                 now: datetime.datetime | None = None) -> SwapRequest:
    ensure(actor, "view", shift)
    now = now or timezone.now()
    if not is_on(shift, actor):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if shift.starts_at <= now:
        errors["shift"] = _("The shift has started: it can no longer be swapped.")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        errors["reason"] = _("Say why in 1 to 200 characters.")
    if replacement is None or not rosters.eligible_staff(shift.jurisdiction).filter(pk=replacement.pk).exists():
        errors["replacement"] = _("This person may not stand duty in this jurisdiction.")
    elif is_on(shift, replacement):
        errors["replacement"] = _("This person is already on the shift.")
    if counterpart is not None and replacement is not None:
        if counterpart.jurisdiction_id != shift.jurisdiction_id or counterpart.pk == shift.pk:
            errors["counterpart"] = _("Offer a shift of the same roster.")
        elif not is_on(counterpart, replacement):
            errors["counterpart"] = _("The colleague is not on that shift.")
        elif is_on(counterpart, actor):
            errors["counterpart"] = _("You are already on that shift.")
        elif counterpart.starts_at <= now:
            errors["counterpart"] = _("The shift offered in exchange has started.")
    if errors:
        raise ValidationError(errors)
    if SwapRequest.objects.filter(shift=shift, requester=actor, status__in=["requested", "agreed"]).exists():
        raise ValidationError({"shift": _("You already asked to swap this shift.")})
    swap = SwapRequest.objects.create(shift=shift, requester=actor, replacement=replacement, counterpart=counterpart,
                                      reason=reason)
    SWAP.start(swap, actor=actor, note=reason, now=now)
    return swap


def _place_of(shift: Shift, user: Any) -> str:
    return "leader" if shift.leader_id == user.pk else "member"


def _exchange(shift: Shift, leaving: Any, coming: Any, *, actor: Any, now: datetime.datetime) -> None:
    """`coming` takes `leaving`'s place (the lead or a member's) in `shift`."""
    members = [m for m in shift.staff.values_list("user_id", flat=True) if m != leaving.pk]
    if _place_of(shift, leaving) == "leader":
        rosters.update_shift(shift, actor=actor, now=now, leader=coming, members=members)
    else:
        rosters.update_shift(shift, actor=actor, now=now, members=[*members, coming.pk])


def step(swap: SwapRequest, name: str, *, actor: Any, note: str = "",
         now: datetime.datetime | None = None) -> SwapRequest:
    """Take a step of the swap's workflow; approving changes the roster in the same transaction."""
    now = now or timezone.now()

    def apply(obj: SwapRequest) -> None:
        if getattr(actor, "pk", None) in (obj.requester_id, obj.replacement_id):
            raise PermissionDenied(_("Those who swap do not approve their own swap."))
        shift = Shift.objects.select_for_update().get(pk=obj.shift_id)
        if not is_on(shift, obj.requester):
            raise ValidationError({"status": _("The requester is no longer on the shift.")})
        _exchange(shift, obj.requester, obj.replacement, actor=actor, now=now)
        if obj.counterpart_id:
            counterpart = Shift.objects.select_for_update().get(pk=obj.counterpart_id)
            if not is_on(counterpart, obj.replacement):
                raise ValidationError({"status": _("The colleague is no longer on the shift offered.")})
            _exchange(counterpart, obj.replacement, obj.requester, actor=actor, now=now)

    with transaction.atomic():
        return SWAP.transition(swap, name, actor=actor, note=note, now=now,
                               effect=apply if name == "approve" else None)
