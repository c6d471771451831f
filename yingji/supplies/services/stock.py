"""Stock movements: the only code that changes a balance.

Every function here runs in one transaction and follows the same locking
discipline, which is what keeps balances from going negative under concurrent
requests on PostgreSQL:

1. lock the `StockBalance` rows involved with SELECT … FOR UPDATE, always in
   (warehouse_id, material_id) order, creating missing rows first;
2. lock the lots of those balances in primary-key order;
3. re-read the quantities under the lock, refuse if not enough, write the
   movements and the new quantities.

A second transaction issuing the last units waits at step 1 and then sees the
balance the first one left. `CheckConstraint(quantity >= 0)` on balances and
lots is the backstop should any code path ever skip the discipline.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure_in
from yingji.core.validators import check_date_not_future
from yingji.supplies.models import (
    Allocation,
    Condition,
    Material,
    MovementKind,
    MovementReason,
    StockBalance,
    StockCount,
    StockCountLine,
    StockLot,
    StockMovement,
    Warehouse,
    reason_from_text,
)
from yingji.supplies.services import invalidation

MOVE_PERM = "supplies.move_stock"
COUNT_PERM = "supplies.count_stock"


def actor_name(actor: Any) -> str:
    if actor is None:
        return ""
    return str(getattr(actor, "display_name", "") or actor)[:150]


def _positive(quantity: Any, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ValidationError({field: _("Enter a whole number greater than zero.")})
    return quantity


def _reason(reason: str) -> tuple[str, str]:
    """(code, note): a MovementReason, one's label, or what the keeper typed (OTHER, kept as the note)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the stock changes.")})
    code, note = reason_from_text(reason)
    return code, note[:200]


def lock_balances(pairs: Iterable[tuple[int, int]], *, create: bool = False) -> dict[tuple[int, int], StockBalance]:
    """Lock the balance rows of (warehouse_id, material_id) pairs in a fixed order.

    Must run inside a transaction. With `create`, missing rows are inserted
    first (an insert that races another one is ignored; both then lock the one row).
    """
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    if create:
        StockBalance.objects.bulk_create([StockBalance(warehouse_id=w, material_id=m) for w, m in wanted],
                                         ignore_conflicts=True)
    condition = Q()
    for w, m in wanted:
        condition |= Q(warehouse_id=w, material_id=m)
    rows = StockBalance.objects.select_for_update().filter(condition).order_by("warehouse_id", "material_id")
    return {(b.warehouse_id, b.material_id): b for b in rows}


def _locked_lots(warehouse_id: int, material_id: int) -> list[StockLot]:
    """Lots of one balance, locked in pk order, returned first-expiry-first-out."""
    lots = list(StockLot.objects.select_for_update().filter(warehouse_id=warehouse_id, material_id=material_id)
                .order_by("pk"))
    far = datetime.date.max
    damaged_last = {Condition.GOOD: 0, Condition.NEEDS_MAINTENANCE: 1, Condition.DAMAGED: 2}
    lots.sort(key=lambda lot: (damaged_last.get(lot.condition, 1), lot.expiry_date or far, lot.received_on, lot.pk))
    return lots


@dataclass
class StockWriter:
    """Collects the movements of one operation and saves them with the new quantities."""

    actor: Any
    reason: str  # the note beside the code
    document: str
    allocation: Allocation | None = None
    when: datetime.datetime | None = None
    reason_code: str = MovementReason.OTHER

    def __post_init__(self) -> None:
        self.movements: list[StockMovement] = []
        self.touched_lots: dict[int, StockLot] = {}
        self.touched_balances: dict[tuple[int, int], StockBalance] = {}

    def move(self, balance: StockBalance, lot: StockLot, kind: str, quantity: int) -> StockMovement:
        lot.quantity += quantity
        balance.quantity += quantity
        if lot.quantity < 0 or balance.quantity < 0:
            raise ValidationError({"quantity": _("Stock cannot go below zero.")})
        movement = StockMovement(
            warehouse_id=balance.warehouse_id, material_id=balance.material_id, lot=lot, kind=kind,
            quantity=quantity, balance_after=balance.quantity, occurred_at=self.when or timezone.now(),
            actor=self.actor if getattr(self.actor, "pk", None) else None, actor_name=actor_name(self.actor),
            reason=self.reason, reason_code=self.reason_code, document=self.document, allocation=self.allocation)
        self.movements.append(movement)
        self.touched_lots[lot.pk] = lot
        self.touched_balances[(balance.warehouse_id, balance.material_id)] = balance
        return movement

    def save(self) -> list[StockMovement]:
        for lot in self.touched_lots.values():
            StockLot.objects.filter(pk=lot.pk).update(quantity=lot.quantity)
        for balance in self.touched_balances.values():
            balance.save(update_fields=["quantity", "reserved", "updated_at"])
        saved = StockMovement.objects.bulk_create(self.movements)
        invalidation.stock_changed(self.touched_balances.keys())
        return saved


def take_stock(writer: StockWriter, balance: StockBalance, quantity: int, kind: str, *, use_reserved: int = 0) -> None:
    """Take `quantity` out of a locked balance, first-expiry-first-out across its lots.

    `use_reserved` is how much of it an approved allocation had earmarked; the
    rest must come out of the unreserved stock.
    """
    free = balance.quantity - balance.reserved
    if quantity - use_reserved > free:
        raise ValidationError({"quantity": _(
            "Only %(free)s available in %(warehouse)s (%(held)s held, %(reserved)s reserved for approved "
            "allocations).") % {"free": max(free, 0), "warehouse": balance.warehouse.name,
                                "held": balance.quantity, "reserved": balance.reserved}})
    balance.reserved -= use_reserved
    remaining = quantity
    for lot in _locked_lots(balance.warehouse_id, balance.material_id):
        if remaining == 0:
            break
        step = min(lot.quantity, remaining)
        if step > 0:
            writer.move(balance, lot, kind, -step)
            remaining -= step
    if remaining:
        # The balance said there was enough but the lots do not: the ledger is
        # inconsistent and check_stock will say where. Refuse rather than guess.
        raise ValidationError({"quantity": _("The lots of %(warehouse)s do not add up to its balance; run a stock "
                                             "check.") % {"warehouse": balance.warehouse.name}})


def _check_material(material: Material) -> None:
    if not material.is_active:
        raise ValidationError({"material": _("%(material)s is no longer in use.") % {"material": material.name}})


@transaction.atomic
def receive_stock(warehouse: Warehouse, material: Material, quantity: int, *, actor: Any, reason: str,
                  document: str = "", batch: str = "", production_date: datetime.date | None = None,
                  expiry_date: datetime.date | None = None, condition: str = Condition.GOOD,
                  kind: str = MovementKind.RECEIPT, allocation: Allocation | None = None,
                  check: bool = True) -> StockMovement:
    """Put `quantity` of `material` into `warehouse` as a lot (a new batch, or more of an existing one)."""
    if check:
        ensure_in(actor, MOVE_PERM, warehouse.jurisdiction.path)
    _positive(quantity)
    reason_code, reason = _reason(reason)
    _check_material(material)
    if expiry_date is None and production_date is not None and material.shelf_life_days:
        expiry_date = production_date + datetime.timedelta(days=material.shelf_life_days)
    try:
        check_date_not_future(production_date)
    except ValidationError as error:
        raise ValidationError({"production_date": error.messages}) from error
    if production_date and expiry_date and expiry_date < production_date:
        raise ValidationError({"expiry_date": _("The expiry date is before the production date.")})
    balance = lock_balances([(warehouse.pk, material.pk)], create=True)[(warehouse.pk, material.pk)]
    balance.warehouse = warehouse
    lot = (StockLot.objects.select_for_update()
           .filter(warehouse=warehouse, material=material, batch=batch.strip()).first())
    if lot is None:
        lot = StockLot.objects.create(warehouse=warehouse, material=material, batch=batch.strip(), quantity=0,
                                      production_date=production_date, expiry_date=expiry_date,
                                      condition=condition, received_on=timezone.localdate())
    writer = StockWriter(actor, reason, (document or "")[:100], allocation, reason_code=reason_code)
    writer.move(balance, lot, kind, quantity)
    return writer.save()[0]


@transaction.atomic
def issue_stock(warehouse: Warehouse, material: Material, quantity: int, *, actor: Any, reason: str,
                document: str | None = None, kind: str = MovementKind.ISSUE, allocation: Allocation | None = None,
                use_reserved: int = 0, check: bool = True) -> list[StockMovement]:
    """Take `quantity` of `material` out of `warehouse` (first expiry first out); one movement per lot.

    Refuses (ValidationError on "quantity") when fewer than `quantity` units are
    available, i.e. held and not reserved for approved allocations. This is the
    function the incidents app calls at close-out for the materials used.
    """
    if check:
        ensure_in(actor, MOVE_PERM, warehouse.jurisdiction.path)
    _positive(quantity)
    reason_code, reason = _reason(reason)
    balances = lock_balances([(warehouse.pk, material.pk)])
    balance = balances.get((warehouse.pk, material.pk))
    if balance is None:
        raise ValidationError({"quantity": _("%(warehouse)s holds no %(material)s.") % {
            "warehouse": warehouse.name, "material": material.name}})
    balance.warehouse = warehouse
    writer = StockWriter(actor, reason, (document or "")[:100], allocation, reason_code=reason_code)
    take_stock(writer, balance, quantity, kind, use_reserved=use_reserved)
    return writer.save()


@transaction.atomic
def write_off(lot: StockLot, quantity: int, *, actor: Any, reason: str, document: str = "") -> StockMovement:
    """Remove expired or damaged units of one lot from the books."""
    ensure_in(actor, MOVE_PERM, lot.warehouse.jurisdiction.path)
    _positive(quantity)
    reason_code, reason = _reason(reason)
    balance = lock_balances([(lot.warehouse_id, lot.material_id)])[(lot.warehouse_id, lot.material_id)]
    balance.warehouse = lot.warehouse
    locked = StockLot.objects.select_for_update().get(pk=lot.pk)
    if quantity > locked.quantity:
        raise ValidationError({"quantity": _("The lot holds only %(n)s.") % {"n": locked.quantity}})
    if balance.quantity - quantity < balance.reserved:
        raise ValidationError({"quantity": _("These units are reserved for approved allocations; cancel or "
                                             "reject them first.")})
    writer = StockWriter(actor, reason, document[:100], reason_code=reason_code)
    movement = writer.move(balance, locked, MovementKind.WRITE_OFF, -quantity)
    writer.save()
    return movement


@transaction.atomic
def transfer_stock(source: Warehouse, destination: Warehouse, material: Material, quantity: int, *, actor: Any,
                   reason: str, document: str = "") -> list[StockMovement]:
    """Move stock between two warehouses at once (both sides in one transaction).

    Allocations dispatch and receive in two steps instead; this is for a keeper
    who moves stock between two stores they both keep.
    """
    ensure_in(actor, MOVE_PERM, source.jurisdiction.path)
    ensure_in(actor, MOVE_PERM, destination.jurisdiction.path)
    if source.pk == destination.pk:
        raise ValidationError({"destination": _("Choose another warehouse.")})
    _positive(quantity)
    reason_code, reason = _reason(reason)
    balances = lock_balances([(source.pk, material.pk), (destination.pk, material.pk)], create=True)
    out_balance = balances[(source.pk, material.pk)]
    out_balance.warehouse = source
    writer = StockWriter(actor, reason, document[:100], reason_code=reason_code)
    take_stock(writer, out_balance, quantity, MovementKind.TRANSFER_OUT)
    taken = list(writer.movements)
    in_balance = balances[(destination.pk, material.pk)]
    for movement in taken:
        source_lot = movement.lot
        lot, _created = StockLot.objects.get_or_create(
            warehouse=destination, material=material, batch=source_lot.batch,
            defaults={"production_date": source_lot.production_date, "expiry_date": source_lot.expiry_date,
                      "condition": source_lot.condition, "quantity": 0})
        lot = StockLot.objects.select_for_update().get(pk=lot.pk)
        writer.move(in_balance, lot, MovementKind.TRANSFER_IN, -movement.quantity)
    return writer.save()


@transaction.atomic
def record_count(warehouse: Warehouse, counted: dict[int, int], *, actor: Any, note: str = "") -> StockCount:
    """Record a stock count (盘点): `counted` maps lot id → units on the shelf.

    Every lot whose count differs from the books gets an adjustment movement in
    the same transaction; lots not in `counted` are left as they are.
    """
    ensure_in(actor, COUNT_PERM, warehouse.jurisdiction.path)
    if not counted:
        raise ValidationError({"lines": _("Enter at least one counted quantity.")})
    for lot_id, value in counted.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError({f"lot_{lot_id}": _("Enter a whole number, zero or more.")})
    lots_meta = {lot.pk: lot for lot in StockLot.objects.filter(warehouse=warehouse, pk__in=list(counted))}
    unknown = set(counted) - set(lots_meta)
    if unknown:
        raise ValidationError({"lines": _("Some lots are not in this warehouse.")})
    balances = lock_balances({(warehouse.pk, lot.material_id) for lot in lots_meta.values()})
    locked = {lot.pk: lot for lot in StockLot.objects.select_for_update().filter(pk__in=list(lots_meta))
              .order_by("pk")}
    count = create_numbered(StockCount, "PD", warehouse=warehouse, note=note[:200],
                            counted_by=actor if getattr(actor, "pk", None) else None)
    writer = StockWriter(actor, "", count.number, reason_code=MovementReason.STOCK_COUNT)
    lines = []
    for lot_id in sorted(counted):
        lot = locked[lot_id]
        lines.append(StockCountLine(count=count, lot=lot, expected=lot.quantity, counted=counted[lot_id]))
        difference = counted[lot_id] - lot.quantity
        if difference:
            balance = balances[(warehouse.pk, lot.material_id)]
            balance.warehouse = warehouse
            writer.move(balance, lot, MovementKind.ADJUSTMENT, difference)
    for balance in writer.touched_balances.values():
        if balance.reserved > balance.quantity:
            material = Material.objects.get(pk=balance.material_id)
            raise ValidationError({"lines": _(
                "After this count %(material)s would hold %(held)s but %(reserved)s are reserved for approved "
                "allocations; reject or cancel some first.") % {
                    "material": material.name, "held": balance.quantity, "reserved": balance.reserved}})
    StockCountLine.objects.bulk_create(lines)
    if writer.movements:
        writer.save()
    return count


@transaction.atomic
def record_maintenance(lot: StockLot, *, actor: Any, on: datetime.date | None = None,
                       condition: str = Condition.GOOD) -> StockLot:
    """Note that a lot was inspected or serviced (a generator run, a pump tested)."""
    ensure_in(actor, MOVE_PERM, lot.warehouse.jurisdiction.path)
    if condition not in Condition.values:
        raise ValidationError({"condition": _("Choose a valid condition.")})
    day = on or timezone.localdate()
    try:
        check_date_not_future(day)
    except ValidationError as error:
        raise ValidationError({"on": error.messages}) from error
    StockLot.objects.filter(pk=lot.pk).update(last_maintained_on=day, condition=condition)
    lot.last_maintained_on, lot.condition = day, condition
    return lot


def create_numbered(model: Any, prefix: str, **fields: Any) -> Any:
    """Create a row numbered PREFIX-YYYYMMDD-NNN, the next free number today.

    Two requests racing for the same number: the loser's insert fails on the
    unique constraint inside a savepoint and it takes the next number.
    """
    stem = f"{prefix}-{timezone.localdate():%Y%m%d}-"
    for _attempt in range(20):
        last = (model._base_manager.filter(number__startswith=stem).order_by("-number")
                .values_list("number", flat=True).first())
        sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        try:
            with transaction.atomic():
                return model.objects.create(number=f"{stem}{sequence:03d}", **fields)
        except IntegrityError:
            continue
    raise ValidationError(_("Too many documents are being created at once; try again."))
