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
    today = today or timezone.localdate()
    rows = []
    candidates = (lots.filter(quantity__gt=0, material__maintenance_days__isnull=False)
                  .select_related("warehouse__jurisdiction", "material"))
    for lot in candidates.iterator(chunk_size=2000):
        last = lot.last_maintained_on or lot.received_on
        due = last + datetime.timedelta(days=lot.material.maintenance_days or 0)
        if due <= today:
            rows.append(MaintenanceDue(lot, due, (today - due).days))
    rows.sort(key=lambda r: (-r.days_overdue, r.lot.warehouse.code))
    return rows


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
    materials = [m for m in Material.objects.filter(is_active=True).exclude(min_reserve={}) if m.min_reserve]
    if not materials:
        return []
    listed = list(warehouses.filter(is_active=True).select_related("jurisdiction"))
    held = {(w, m): q for w, m, q in StockBalance.objects.filter(warehouse__in=[w.pk for w in listed])
            .values_list("warehouse_id", "material_id", "quantity")}
    gaps = []
    for warehouse in listed:
        for material in materials:
            minimum = material.minimum_for(warehouse.level)
            quantity = held.get((warehouse.pk, material.pk), 0)
            if minimum and quantity < minimum:
                gaps.append(ReserveGap(warehouse, material, quantity, minimum))
    gaps.sort(key=lambda g: (g.warehouse.code, g.material.code))
    return gaps


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
