"""Ledger consistency: every balance is the sum of its movements and of its lots."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from yingji.supplies.models import (
    AllocationLine,
    AllocationStatus,
    Material,
    StockBalance,
    StockLot,
    StockMovement,
    Warehouse,
)


@dataclass(frozen=True)
class Mismatch:
    warehouse_code: str
    material_code: str
    what: str
    expected: int
    found: int

    def __str__(self) -> str:
        return f"{self.warehouse_code} / {self.material_code}: {self.what} is {self.found}, expected {self.expected}"


def check_stock(warehouses: QuerySet[Warehouse] | None = None) -> tuple[int, list[Mismatch]]:
    """Compare, per (warehouse, material): balance vs Σ movements, balance vs Σ lots,
    each lot vs Σ its movements, and reserved vs the approved allocation lines.

    Returns (pairs checked, mismatches). Grouped queries, not one per warehouse.
    """
    ids = None if warehouses is None else list(warehouses.values_list("pk", flat=True))

    def scoped(qs: QuerySet) -> QuerySet:
        return qs if ids is None else qs.filter(warehouse_id__in=ids)

    balances = {(w, m): (q, r) for w, m, q, r in scoped(StockBalance.objects.all())
                .values_list("warehouse_id", "material_id", "quantity", "reserved")}
    moved = {(row["warehouse_id"], row["material_id"]): row["s"] for row in scoped(StockMovement.objects.all())
             .values("warehouse_id", "material_id").annotate(s=Sum("quantity")).order_by()}
    in_lots = {(row["warehouse_id"], row["material_id"]): row["s"] for row in scoped(StockLot.objects.all())
               .values("warehouse_id", "material_id").annotate(s=Sum("quantity")).order_by()}
    lot_moves = dict(scoped(StockMovement.objects.all()).values("lot_id").annotate(s=Sum("quantity"))
                     .order_by().values_list("lot_id", "s"))
    reserved = {(row["warehouse_id"], row["material_id"]): row["s"] for row in scoped(
        AllocationLine.objects.filter(allocation__status=AllocationStatus.APPROVED))
        .values("warehouse_id", "material_id").annotate(s=Sum("quantity")).order_by()}
    keys = set(balances) | set(moved) | set(in_lots) | set(reserved)
    codes = dict(Warehouse.objects.values_list("pk", "code"))
    materials = dict(Material.objects.values_list("pk", "code"))
    problems: list[Mismatch] = []
    for key in sorted(keys):
        quantity, held_reserved = balances.get(key, (0, 0))
        names = (codes.get(key[0], str(key[0])), materials.get(key[1], str(key[1])))
        if moved.get(key, 0) != quantity:
            problems.append(Mismatch(*names, "balance vs movements", moved.get(key, 0), quantity))
        if in_lots.get(key, 0) != quantity:
            problems.append(Mismatch(*names, "balance vs lots", in_lots.get(key, 0), quantity))
        if reserved.get(key, 0) != held_reserved:
            problems.append(Mismatch(*names, "reserved vs approved allocations", reserved.get(key, 0), held_reserved))
    for lot_id, wid, mid, batch, quantity in scoped(StockLot.objects.all()).values_list(
            "pk", "warehouse_id", "material_id", "batch", "quantity"):
        if lot_moves.get(lot_id, 0) != quantity:
            problems.append(Mismatch(codes.get(wid, str(wid)), materials.get(mid, str(mid)),
                                     f"lot {batch or lot_id} vs its movements", lot_moves.get(lot_id, 0), quantity))
    return len(keys), problems
