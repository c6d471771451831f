"""Operational lists: lots about to expire, overdue maintenance, warehouses below their minimum reserve."""

from __future__ import annotations

import datetime
import functools
import io
import operator
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
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

    A lot is due once its last service (or receipt) is its material's interval old. The catalogue has
    a few intervals (90, 180, 365 days): SQL picks the lots serviced on or before today minus their
    interval, so only the due lots are read (the district's 1,019 of its 6,840 lots with an interval
    were all read and dated in Python, issue 13); only the lots shown are read as models, with their
    warehouse and material."""
    today = today or timezone.localdate()
    intervals = set(Material.objects.filter(maintenance_days__isnull=False).values_list("maintenance_days", flat=True))
    if not intervals:
        return [], 0
    due_now = functools.reduce(operator.or_, (
        Q(material__maintenance_days=interval, serviced__lte=today - datetime.timedelta(days=interval))
        for interval in intervals))
    rows = (lots.filter(quantity__gt=0, material__maintenance_days__isnull=False)
            .annotate(serviced=Coalesce("last_maintained_on", "received_on")).filter(due_now).order_by()
            .values_list("pk", "serviced", "material__maintenance_days", "warehouse__code"))
    due: list[tuple[int, str, int, datetime.date]] = []
    for pk, serviced, interval, code in rows.iterator(chunk_size=5000):
        on = serviced + datetime.timedelta(days=interval)
        due.append(((today - on).days, code, pk, on))
    due.sort(key=lambda row: (-row[0], row[1], row[2]))
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
    # Per warehouse level, the materials with a minimum for it, by material code: most warehouses
    # (the stations') have none, and a district's 412 warehouses × 189 materials were 78,000 lookups.
    by_level: dict[str, list[tuple[int, int]]] = {}
    for material, _code, reserve in minimums:
        for level, value in reserve.items():
            if int(value or 0):
                by_level.setdefault(level, []).append((material, int(value)))
    if not by_level:
        return [], 0, 0
    listed = warehouses.filter(is_active=True, level__in=list(by_level)).order_by("code")
    held: dict[int, dict[int, int]] = defaultdict(dict)
    for w, m, q in (StockBalance.objects.filter(warehouse__in=listed.values("pk")).order_by()  # unsorted: no joins
                    .values_list("warehouse_id", "material_id", "quantity")):
        held[w][m] = q
    gaps: list[tuple[int, int, int, int]] = []
    for warehouse, level in listed.values_list("pk", "level"):
        have = held.get(warehouse, {})
        for material, minimum in by_level[level]:
            quantity = have.get(material, 0)
            if quantity < minimum:
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
