"""The allocation workflow (调拨) on yingji.workflows: who may take which step, from which state.

    requested ──approve──▶ approved ──dispatch──▶ dispatched ──receive──▶ received
        │                     │
        ├──reject─────────────┴──▶ rejected
        └──cancel─────────────┴──▶ cancelled

The steps' side effects (reserving, moving and booking in stock) are in
services/allocations.py; this says who may take them: approve, reject and
dispatch need the permission over every source warehouse, receive over the
destination warehouse (or the requesting jurisdiction for an incident) and
never by whoever dispatched, cancel the requester or the requesting side.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yingji.supplies.models import REQUEST_PERM, Allocation, AllocationStatus
from yingji.workflows.machine import Place, Transition, Workflow

__all__ = ["ALLOCATION", "APPROVE_PERM", "DISPATCH_PERM", "RECEIVE_PERM", "REQUEST_PERM"]

APPROVE_PERM = "supplies.approve_allocation"
DISPATCH_PERM = "supplies.dispatch_allocation"
RECEIVE_PERM = "supplies.receive_allocation"

S = AllocationStatus
OPEN = (S.REQUESTED, S.APPROVED)


def sources(allocation: Allocation) -> list[Place]:
    """Every source warehouse of the allocation (its lines, read once per object)."""
    cached = getattr(allocation, "_source_places", None)
    if cached is None:
        lines = allocation.lines.select_related("warehouse__jurisdiction").order_by("pk")
        cached = [(line.warehouse.jurisdiction.path, line.warehouse.name) for line in lines]
        allocation._source_places = cached  # type: ignore[attr-defined]
    return cached


def receiving_side(allocation: Allocation) -> list[Place]:
    if allocation.destination_id:
        return [(allocation.destination.jurisdiction.path, allocation.destination.name)]
    return [(allocation.jurisdiction.path, allocation.jurisdiction.name)]


def requesting_side(allocation: Allocation) -> list[Place]:
    return [(allocation.jurisdiction.path, allocation.jurisdiction.name)]


def is_requester(user: Any, allocation: Allocation) -> bool:
    return getattr(user, "pk", None) is not None and allocation.requested_by_id == user.pk


ALLOCATION = Workflow(
    "supplies.allocation", Allocation, states=AllocationStatus,
    wrong_state=_("This allocation is %(status)s; it cannot be changed that way."),
    transitions=[
        Transition("approve", source=[S.REQUESTED], target=S.APPROVED, permission=APPROVE_PERM, where=sources,
                   label=_("Approve")),
        Transition("dispatch", source=[S.APPROVED], target=S.DISPATCHED, permission=DISPATCH_PERM, where=sources,
                   label=_("Dispatch")),
        # Separation of duties (issue 13): whoever dispatched never confirms the receipt, even
        # when they also hold the permission over the receiving side (a street officer, the district).
        Transition("receive", source=[S.DISPATCHED], target=S.RECEIVED, permission=RECEIVE_PERM,
                   where=receiving_side, denied=_("Only the receiving side may confirm receipt."),
                   not_after=("dispatch",), not_after_denied=_(
                       "You sent this transfer: someone else at the receiving side confirms its receipt."),
                   label=_("Confirm receipt")),
        Transition("reject", source=OPEN, target=S.REJECTED, permission=APPROVE_PERM, where=sources,
                   label=_("Reject"), style="secondary"),
        Transition("cancel", source=OPEN, target=S.CANCELLED, permission=REQUEST_PERM, where=requesting_side,
                   also=is_requester, denied=_("Only the requesting side may cancel an allocation."),
                   label=_("Cancel request"), style="secondary"),
    ],
)
