"""Allocations (调拨): moving materials from warehouses to an incident or another warehouse.

    requested ──approve──▶ approved ──dispatch──▶ dispatched ──receive──▶ received
        │                     │
        ├──reject─────────────┴──▶ rejected
        └──cancel─────────────┴──▶ cancelled

- approve: someone holding `supplies.approve_allocation` over every source
  warehouse; the requested units are reserved there (no longer available to
  searches or other issues), or the approval is refused.
- dispatch: the source side (`supplies.dispatch_allocation`); the reserved
  units leave the warehouses as transfer-out movements (issues when the
  allocation goes to an incident).
- receive: the receiving side (`supplies.receive_allocation` over the
  destination warehouse, or over the requesting jurisdiction for an incident),
  never the person who dispatched, records what arrived; a warehouse destination gets transfer-in movements for
  the received units, and any difference is kept on the line as a discrepancy.
- reject (approver) and cancel (requester side) release any reservation.

Who may take which step from which state is the workflow in
supplies/workflows.py (yingji.workflows): each step below locks the
allocation, lets the workflow check it, does its stock work and lets the
workflow record the new state and a WorkflowEvent, which make the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yingji.core.scope import can, path_allowed
from yingji.jurisdictions.models import Jurisdiction
from yingji.supplies.models import (
    Allocation,
    AllocationLine,
    AllocationStatus,
    Material,
    MovementKind,
    MovementReason,
    Warehouse,
)
from yingji.supplies.services import invalidation
from yingji.supplies.services.stock import (
    StockWriter,
    create_numbered,
    lock_balances,
    receive_stock,
    take_stock,
)
from yingji.supplies.workflows import ALLOCATION, APPROVE_PERM, DISPATCH_PERM, RECEIVE_PERM, REQUEST_PERM

__all__ = ["APPROVE_PERM", "DISPATCH_PERM", "RECEIVE_PERM", "REQUEST_PERM"]


@dataclass(frozen=True)
class LineRequest:
    warehouse: Warehouse
    material: Material
    quantity: int


def _locked(allocation: Allocation) -> Allocation:
    """Re-read the allocation under a row lock (the workflow then checks its state)."""
    # of=self: PostgreSQL cannot lock the nullable side of the outer join to the destination.
    return (Allocation.objects.select_for_update(of=("self",))
            .select_related("jurisdiction", "destination__jurisdiction").get(pk=allocation.pk))


def _lines(allocation: Allocation) -> list[AllocationLine]:
    return list(allocation.lines.select_related("warehouse__jurisdiction", "material").order_by("pk"))


@transaction.atomic
def request_allocation(*, actor: Any, jurisdiction: Jurisdiction, lines: list[LineRequest], purpose: str,
                       destination: Warehouse | None = None, incident_ref: str = "", destination_text: str = "",
                       destination_point: tuple[float, float] | None = None, note: str = "",
                       incident: Any = None) -> Allocation:
    """Ask for materials for an incident or a warehouse in `jurisdiction`.

    `incident` is an incidents.Incident (its reference, place and address fill
    in what is not given); `incident_ref` alone names an incident of another
    platform (a 119 or 12345 case number). The sources are warehouses the
    actor may name (`Warehouse.objects.requestable_sources_for`): their own and
    the street and district depots above them; any other answers 404. The
    sources' owners approve and dispatch (supplies/workflows.py).
    """
    if incident is not None:
        if not can(actor, "view", incident):
            raise Http404
        incident_ref = incident_ref or incident.reference
        destination_text = destination_text or incident.address
        destination_point = destination_point or (incident.lon, incident.lat)
    if not path_allowed(actor, REQUEST_PERM, jurisdiction.path):
        raise PermissionDenied(_("You may not request allocations for %(place)s.") % {"place": jurisdiction.name})
    errors: dict[str, str] = {}
    if not (purpose or "").strip():
        errors["purpose"] = _("Say what the materials are for.")
    if destination is None and not (incident_ref or "").strip():
        errors["destination"] = _("Give a destination warehouse or an incident.")
    if not lines:
        errors["lines"] = _("Add at least one material.")
    seen: set[tuple[int, int]] = set()
    # A source is one the requester may name (issue 13): its own warehouses and the depots above it.
    requestable = set(Warehouse.objects.requestable_sources_for(actor)
                      .filter(pk__in=[line.warehouse.pk for line in lines]).values_list("pk", flat=True))
    for line in lines:
        if line.warehouse.pk not in requestable:
            raise Http404
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            errors["lines"] = _("Quantities must be whole numbers greater than zero.")
        if destination is not None and line.warehouse.pk == destination.pk:
            errors["lines"] = _("A warehouse cannot send materials to itself.")
        if (line.warehouse.pk, line.material.pk) in seen:
            errors["lines"] = _("The same material from the same warehouse appears twice.")
        seen.add((line.warehouse.pk, line.material.pk))
        if not line.warehouse.is_active:
            errors["lines"] = _("%(warehouse)s is not in service.") % {"warehouse": line.warehouse.name}
    if destination_point is not None:
        lon, lat = destination_point
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors["destination_point"] = _("Coordinates must be longitude, latitude in WGS-84 degrees.")
    if errors:
        raise ValidationError(errors)
    if destination is not None and destination_point is None:
        destination_point = (destination.lon, destination.lat)
    allocation = create_numbered(
        Allocation, "DB", jurisdiction=jurisdiction, destination=destination, incident=incident,
        incident_ref=(incident_ref or "").strip()[:64], destination_text=(destination_text or "").strip()[:200],
        destination_lon=destination_point[0] if destination_point else None,
        destination_lat=destination_point[1] if destination_point else None,
        purpose=purpose.strip()[:200], note=note or "", requested_by=actor if getattr(actor, "pk", None) else None)
    AllocationLine.objects.bulk_create([AllocationLine(allocation=allocation, warehouse=line.warehouse,
                                                       material=line.material, quantity=line.quantity)
                                        for line in lines])
    ALLOCATION.start(allocation, actor=actor, note=note)
    return allocation


@transaction.atomic
def approve_allocation(allocation: Allocation, *, actor: Any, note: str = "") -> Allocation:
    """Approve and reserve the requested units at every source warehouse, or refuse."""

    def reserve(allocation: Allocation) -> None:
        lines = _lines(allocation)
        balances = lock_balances([(line.warehouse_id, line.material_id) for line in lines])
        for line in lines:
            balance = balances.get((line.warehouse_id, line.material_id))
            free = 0 if balance is None else balance.quantity - balance.reserved
            if free < line.quantity:
                raise ValidationError({"lines": _(
                    "%(warehouse)s has only %(free)s %(unit)s of %(material)s available; %(wanted)s requested.") % {
                        "warehouse": line.warehouse.name, "free": free, "unit": line.material.unit,
                        "material": line.material.name, "wanted": line.quantity}})
            assert balance is not None
            balance.reserved += line.quantity
        for balance in balances.values():
            balance.save(update_fields=["reserved", "updated_at"])
        invalidation.stock_changed(balances.keys())

    return ALLOCATION.transition(_locked(allocation), "approve", actor=actor, note=note, effect=reserve,
                                 locked=True)


def _release(lines: list[AllocationLine]) -> None:
    balances = lock_balances([(line.warehouse_id, line.material_id) for line in lines])
    for line in lines:
        balance = balances[(line.warehouse_id, line.material_id)]
        balance.reserved -= line.quantity
    for balance in balances.values():
        balance.save(update_fields=["reserved", "updated_at"])
    invalidation.stock_changed(balances.keys())


def _release_if_approved(allocation: Allocation) -> None:
    if allocation.status == AllocationStatus.APPROVED:
        _release(_lines(allocation))


@transaction.atomic
def reject_allocation(allocation: Allocation, *, actor: Any, note: str) -> Allocation:
    def release(allocation: Allocation) -> None:
        if not (note or "").strip():
            raise ValidationError({"note": _("Say why the allocation is rejected.")})
        _release_if_approved(allocation)

    return ALLOCATION.transition(_locked(allocation), "reject", actor=actor, note=note, effect=release, locked=True)


@transaction.atomic
def cancel_allocation(allocation: Allocation, *, actor: Any, note: str = "") -> Allocation:
    return ALLOCATION.transition(_locked(allocation), "cancel", actor=actor, note=note, effect=_release_if_approved,
                                 locked=True)


@transaction.atomic
def dispatch_allocation(allocation: Allocation, *, actor: Any, note: str = "") -> Allocation:
    """The reserved units leave the source warehouses (one movement per lot taken)."""

    def take(allocation: Allocation) -> None:
        lines = _lines(allocation)
        kind = MovementKind.TRANSFER_OUT if allocation.destination_id else MovementKind.ISSUE
        document = allocation.incident_ref or allocation.number
        balances = lock_balances([(line.warehouse_id, line.material_id) for line in lines])
        writer = StockWriter(actor, allocation.purpose[:200], document[:100], allocation,
                             reason_code=MovementReason.ALLOCATION)
        for line in lines:
            balance = balances[(line.warehouse_id, line.material_id)]
            balance.warehouse = line.warehouse
            take_stock(writer, balance, line.quantity, kind, use_reserved=line.quantity)
            line.dispatched = line.quantity
        writer.save()
        AllocationLine.objects.bulk_update(lines, ["dispatched"])

    return ALLOCATION.transition(_locked(allocation), "dispatch", actor=actor, note=note, effect=take, locked=True)


@transaction.atomic
def receive_allocation(allocation: Allocation, *, actor: Any, received: dict[int, int] | None = None,
                       note: str = "") -> Allocation:
    """Record what arrived: `received` maps line id → units (default: everything dispatched).

    A warehouse destination books the received units in as transfer-in lots
    (same batches and dates as they left); differences stay on the lines.
    """

    def book(allocation: Allocation) -> str:
        lines = _lines(allocation)
        wanted = dict(received or {})
        if set(wanted) - {line.pk for line in lines}:
            raise ValidationError({"received": _("Some lines are not part of this allocation.")})
        for line in lines:
            units = wanted.get(line.pk, line.dispatched or 0)
            if not isinstance(units, int) or isinstance(units, bool) or units < 0 or units > (line.dispatched or 0):
                raise ValidationError({f"line_{line.pk}": _(
                    "Received units of %(material)s must be between 0 and the %(n)s dispatched.") % {
                        "material": line.material.name, "n": line.dispatched or 0}})
            line.received = units
            # Only the receiver's own words are stored: the shortfall itself is read from
            # the quantities and worded in the reader's language (lines, timeline).
            line.discrepancy_note = note[:200] if units != line.dispatched else ""
        if allocation.destination_id:
            _book_in(allocation, lines, actor)
        AllocationLine.objects.bulk_update(lines, ["received", "discrepancy_note"])
        return note

    # The workflow refuses whoever dispatched (its `not_after`): the sender never confirms receipt.
    return ALLOCATION.transition(_locked(allocation), "receive", actor=actor, note=note, effect=book, locked=True)


def _book_in(allocation: Allocation, lines: list[AllocationLine], actor: Any) -> None:
    destination = allocation.destination
    assert destination is not None
    reason = MovementReason.ALLOCATION_RECEIVED
    # All destination balances first, in the fixed order (receive_stock re-locks them harmlessly).
    lock_balances([(destination.pk, line.material_id) for line in lines if line.received], create=True)
    for line in lines:
        remaining = line.received or 0
        if remaining == 0:
            continue
        # The same lots that left, first-expiry-first, so dates travel with the stock.
        outgoing = (allocation.movements.filter(warehouse_id=line.warehouse_id, material_id=line.material_id)
                    .select_related("lot").order_by("pk"))
        for movement in outgoing:
            units = min(remaining, -movement.quantity)
            if units <= 0:
                break
            source = movement.lot
            receive_stock(destination, line.material, units, actor=actor, reason=reason, document=allocation.number,
                          batch=source.batch, production_date=source.production_date,
                          expiry_date=source.expiry_date, condition=source.condition,
                          kind=MovementKind.TRANSFER_IN, allocation=allocation, check=False)
            remaining -= units


def shortfalls(allocation: Allocation) -> str:
    """The lines that arrived short, in the reader's language ("" when everything arrived)."""
    short = [_("%(material)s: received %(got)s of %(sent)s") % {
                 "material": line.material.name, "got": line.received, "sent": line.dispatched}
             for line in _lines(allocation) if line.received is not None and line.received != line.dispatched]
    return _("Discrepancies: %(list)s") % {"list": "；".join(short)} if short else ""


def timeline(allocation: Allocation) -> list[dict[str, Any]]:
    """Steps and movements of an allocation, oldest first, for its detail page and API."""
    rows: list[dict[str, Any]] = []
    for event in ALLOCATION.history(allocation):
        note = event.note
        if event.to_state == AllocationStatus.RECEIVED:
            note = "；".join(filter(None, [shortfalls(allocation), note]))
        rows.append({"at": event.at, "kind": "status", "status": event.to_state, "label": event.label,
                     "actor": event.actor_name, "note": note})
    for movement in allocation.movements.select_related("warehouse", "material").order_by("pk"):
        rows.append({"at": movement.occurred_at, "kind": "movement", "status": movement.kind,
                     "label": movement.get_kind_display(), "actor": movement.actor_name,
                     "note": f"{movement.warehouse.name} · {movement.material.name} {movement.quantity:+d} "
                             f"{movement.material.unit}"})
    rows.sort(key=lambda r: (r["at"], 0 if r["kind"] == "status" else 1))
    return rows
