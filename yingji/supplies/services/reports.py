"""Operational lists: lots about to expire, overdue maintenance, warehouses below their minimum reserve."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from yingji.core.tabular import safe_row
from yingji.supplies.models import Material, StockBalance, StockLot, Warehouse


def expiring_lots(lots: QuerySet[StockLot], days: int) -> QuerySet[StockLot]:
    """Lots with stock whose expiry date falls within `days` from today (or has passed)."""
    limit = timezone.localdate() + datetime.timedelta(days=days)
    return (lots.filter(quantity__gt=0, expiry_date__isnull=False, expiry_date__lte=limit)
            .select_related("warehouse__jurisdiction", "material").order_by("expiry_date", "warehouse__code"))


@dataclass(frozen=True)
class MaintenanceDue:
    lot: StockLot
    due_on: datetime.date
    days_overdue: int


def overdue_maintenance(lots: QuerySet[StockLot], today: datetime.date | None = None) -> list[MaintenanceDue]:
    """Lots of materials with a maintenance interval whose last service (or receipt) is older than it."""
    return overdue_maintenance_page(lots, None, today)[0]


def overdue_maintenance_page(lots: QuerySet[StockLot], first: int | None,
                             today: datetime.date | None = None) -> tuple[list[MaintenanceDue], int]:
    """The `first` lots most overdue for maintenance (all when None) and how many are overdue.

    Which lots are due is worked out on plain rows (a district holds thousands of lots with a
    maintenance interval); only the lots shown are read as models, with their warehouse and material."""
    today = today or timezone.localdate()
    due: list[tuple[int, str, int, datetime.date]] = []
    rows = (lots.filter(quantity__gt=0, material__maintenance_days__isnull=False)
            .values_list("pk", "last_maintained_on", "received_on", "material__maintenance_days", "warehouse__code"))
    for pk, maintained, received, interval, code in rows.iterator(chunk_size=5000):
        on = (maintained or received) + datetime.timedelta(days=interval or 0)
        if on <= today:
            due.append(((today - on).days, code, pk, on))
    due.sort(key=lambda row: (-row[0], row[1]))
    shown = due if first is None else due[:first]
    loaded = StockLot.objects.select_related("warehouse__jurisdiction", "material").in_bulk([row[2] for row in shown])
    return [MaintenanceDue(loaded[pk], on, days) for days, _code, pk, on in shown], len(due)


@dataclass(frozen=True)
class ReserveGap:
    warehouse: Warehouse
    material: Material
    held: int
    minimum: int

    @property
    def missing(self) -> int:
        return self.minimum - self.held


def below_minimum(warehouses: QuerySet[Warehouse]) -> list[ReserveGap]:
    """Every (warehouse, material) whose stock is under the catalogue's minimum for the warehouse's level."""
    return below_minimum_page(warehouses, None)[0]


def below_minimum_page(warehouses: QuerySet[Warehouse], first: int | None) -> tuple[list[ReserveGap], int, int]:
    """The first `first` reserve gaps (all when None) by warehouse and material code, how many gaps
    there are and in how many warehouses. Worked out on plain rows (a district's hundreds of
    warehouses times the catalogue); only the gaps shown are read as models."""
    minimums = [(pk, code, reserve) for pk, code, reserve in Material.objects.filter(is_active=True)
                .exclude(min_reserve={}).order_by("code").values_list("pk", "code", "min_reserve") if reserve]
    if not minimums:
        return [], 0, 0
    listed = list(warehouses.filter(is_active=True).order_by("code").values_list("pk", "level"))
    held = {(w, m): q for w, m, q in StockBalance.objects.filter(warehouse__in=[pk for pk, _level in listed])
            .values_list("warehouse_id", "material_id", "quantity")}
    gaps: list[tuple[int, int, int, int]] = []
    for warehouse, level in listed:
        for material, _code, reserve in minimums:
            minimum = int(reserve.get(level, 0) or 0)
            quantity = held.get((warehouse, material), 0)
            if minimum and quantity < minimum:
                gaps.append((warehouse, material, quantity, minimum))
    shown = gaps if first is None else gaps[:first]
    houses = Warehouse.objects.select_related("jurisdiction").in_bulk({row[0] for row in shown})
    materials = Material.objects.in_bulk({row[1] for row in shown})
    return ([ReserveGap(houses[w], materials[m], quantity, minimum) for w, m, quantity, minimum in shown],
            len(gaps), len({row[0] for row in gaps}))


def workbook(expiring: list[StockLot], maintenance: list[MaintenanceDue], gaps: list[ReserveGap],
             days: int) -> bytes:
    """The three lists as one Excel workbook, one sheet each."""
    book = openpyxl.Workbook()
    sheets: list[tuple[str, list[Any], list[list[Any]]]] = [
        (_("Expiring within %(n)s days") % {"n": days},
         [_("Warehouse code"), _("Warehouse"), _("Jurisdiction"), _("Material code"), _("Material"), _("Batch"),
          _("Quantity"), _("Unit"), _("Expiry date")],
         [[lot.warehouse.code, lot.warehouse.name, lot.warehouse.jurisdiction.name, lot.material.code,
           lot.material.name, lot.batch, lot.quantity, lot.material.unit, lot.expiry_date] for lot in expiring]),
        (_("Maintenance overdue"),
         [_("Warehouse code"), _("Warehouse"), _("Jurisdiction"), _("Material code"), _("Material"), _("Batch"),
          _("Quantity"), _("Last maintained on"), _("Due on"), _("Days overdue")],
         [[r.lot.warehouse.code, r.lot.warehouse.name, r.lot.warehouse.jurisdiction.name, r.lot.material.code,
           r.lot.material.name, r.lot.batch, r.lot.quantity, r.lot.last_maintained_on, r.due_on, r.days_overdue]
          for r in maintenance]),
        (_("Below minimum reserve"),
         [_("Warehouse code"), _("Warehouse"), _("Jurisdiction"), _("Material code"), _("Material"), _("Held"),
          _("Minimum"), _("Missing"), _("Unit")],
         [[g.warehouse.code, g.warehouse.name, g.warehouse.jurisdiction.name, g.material.code, g.material.name,
           g.held, g.minimum, g.missing, g.material.unit] for g in gaps]),
    ]
    first = True
    for title, header, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = str(title)[:31]
        sheet.append([str(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append(safe_row(sheet, row))
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
