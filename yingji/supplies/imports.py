"""The supplies ledgers as tables (Excel/CSV in and out): catalogue, warehouses, opening stock."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.scope import granted_paths
from yingji.core.tabular import Column, TableSpec, boolean, date, integer, number, text
from yingji.jurisdictions.models import Jurisdiction
from yingji.supplies.models import (
    Category,
    Condition,
    Material,
    MovementReason,
    StockLot,
    Warehouse,
    WarehouseLevel,
)
from yingji.supplies.services import registry
from yingji.supplies.services.stock import receive_stock

RESERVE_LEVELS = (WarehouseLevel.COMMUNITY, WarehouseLevel.STREET, WarehouseLevel.DISTRICT, WarehouseLevel.STATION)


def _reserve_column(level: WarehouseLevel, header: Any) -> Column:
    return Column(f"min_{level.value}", header, parse=integer(0), width=12,
                  get=lambda m: m.min_reserve.get(level.value) or "")


class MaterialTable(TableSpec):
    model = Material
    title = gettext_lazy("Material catalogue")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Code"), required=True, parse=text(32), width=12),
        Column("name", gettext_lazy("Name"), required=True, parse=text(100), width=20),
        Column("category", gettext_lazy("Category"), required=True, choices=Category),
        Column("unit", gettext_lazy("Unit"), required=True, parse=text(16), width=8),
        Column("spec", gettext_lazy("Specification"), parse=text(100)),
        Column("aliases", gettext_lazy("Aliases"), parse=text(500), width=30,
               get=lambda m: "、".join(m.aliases)),
        Column("shelf_life_days", gettext_lazy("Shelf life (days)"), parse=integer(1)),
        Column("maintenance_days", gettext_lazy("Maintenance interval (days)"), parse=integer(1)),
        _reserve_column(WarehouseLevel.COMMUNITY, gettext_lazy("Minimum reserve (community)")),
        _reserve_column(WarehouseLevel.STREET, gettext_lazy("Minimum reserve (street)")),
        _reserve_column(WarehouseLevel.DISTRICT, gettext_lazy("Minimum reserve (district)")),
        _reserve_column(WarehouseLevel.STATION, gettext_lazy("Minimum reserve (station)")),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return Material.objects.visible_to(self.user).order_by("code")

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        fields = {key: values.get(key) for key in ("name", "category", "unit", "shelf_life_days",
                                                   "maintenance_days")}
        fields["spec"] = values.get("spec") or ""
        fields["aliases"] = registry.clean_aliases(values.get("aliases") or "")
        fields["min_reserve"] = {level.value: values[f"min_{level.value}"] for level in RESERVE_LEVELS
                                 if values.get(f"min_{level.value}")}
        return fields

    def has_changes(self, existing: Material, values: dict[str, Any]) -> bool:
        fields = self._fields(values)
        return any(getattr(existing, key) != value for key, value in fields.items())

    def save_row(self, values: dict[str, Any], existing: Material | None) -> Material:
        fields = self._fields(values)
        if existing is not None:
            return registry.update_material(existing, actor=self.user, **fields)
        paths = granted_paths(self.user, "supplies.add_material")
        owner = Jurisdiction.objects.filter(path__in=paths).order_by("depth").first() if paths else None
        if owner is None:
            owner = Jurisdiction.objects.filter(parent__isnull=True).order_by("code").first()
        if owner is None:
            raise ValidationError({"code": _("Create the jurisdiction tree first.")})
        return registry.create_material(actor=self.user, jurisdiction=owner, code=values["code"], **fields)


class WarehouseTable(TableSpec):
    model = Warehouse
    title = gettext_lazy("Warehouses")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Code"), required=True, parse=text(32), width=16),
        Column("name", gettext_lazy("Name"), required=True, parse=text(120), width=24),
        Column("level", gettext_lazy("Level"), required=True, choices=WarehouseLevel),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, parse=text(20), width=16,
               get=lambda w: w.jurisdiction.code),
        Column("lon", gettext_lazy("Longitude"), required=True, parse=number(-180, 180)),
        Column("lat", gettext_lazy("Latitude"), required=True, parse=number(-90, 90)),
        Column("address", gettext_lazy("Address"), parse=text(200), width=24),
        Column("keeper_name", gettext_lazy("Keeper"), parse=text(50)),
        Column("phone", gettext_lazy("Phone"), parse=text(30)),
        Column("hours", gettext_lazy("Opening hours"), parse=text(100)),
        Column("open_24h", gettext_lazy("Open 24/7"), parse=boolean()),
        Column("access_notes", gettext_lazy("Access notes"), parse=text(1000), width=30),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return Warehouse.objects.visible_to(self.user).select_related("jurisdiction").order_by("code")

    def has_changes(self, existing: Warehouse, values: dict[str, Any]) -> bool:
        if values.get("jurisdiction") != existing.jurisdiction.code:
            return True
        return super().has_changes(existing, values)

    def save_row(self, values: dict[str, Any], existing: Warehouse | None) -> Warehouse:
        jurisdiction = Jurisdiction.objects.visible_to(self.user).filter(code=values["jurisdiction"]).first()
        if jurisdiction is None:
            raise ValidationError({"jurisdiction": _("No jurisdiction with code %(code)s in your area.") % {
                "code": values["jurisdiction"]}})
        fields = {key: values.get(key) if values.get(key) is not None else "" for key in
                  ("name", "level", "address", "keeper_name", "phone", "hours", "access_notes")}
        fields.update(lon=values["lon"], lat=values["lat"], open_24h=bool(values.get("open_24h")))
        if existing is None:
            return registry.create_warehouse(actor=self.user, jurisdiction=jurisdiction, code=values["code"],
                                             **fields)
        if existing.jurisdiction_id != jurisdiction.pk:
            raise ValidationError({"jurisdiction": _("A warehouse cannot be moved to another jurisdiction by "
                                                     "import.")})
        return registry.update_warehouse(existing, actor=self.user, **fields)


class StockTable(TableSpec):
    """Opening stock: one row per lot. Re-importing the same file changes nothing;
    a lot already on the books with another quantity is refused (use a stock count)."""

    model = StockLot
    title = gettext_lazy("Stock")
    natural_key = ("warehouse", "material", "batch")
    columns = [
        Column("warehouse", gettext_lazy("Warehouse code"), required=True, parse=text(32), width=16,
               get=lambda lot: lot.warehouse.code),
        Column("material", gettext_lazy("Material code"), required=True, parse=text(32), width=12,
               get=lambda lot: lot.material.code),
        Column("material_name", gettext_lazy("Material name"), parse=text(100), width=20,
               get=lambda lot: lot.material.name),
        Column("batch", gettext_lazy("Batch"), parse=text(50)),
        Column("quantity", gettext_lazy("Quantity"), required=True, parse=integer(1)),
        Column("production_date", gettext_lazy("Production date"), parse=date()),
        Column("expiry_date", gettext_lazy("Expiry date"), parse=date()),
        Column("condition", gettext_lazy("Condition"), choices=Condition),
    ]

    export_fields = ("warehouse__code", "material__code", "material__name", "batch", "quantity", "production_date",
                     "expiry_date", "condition")

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return (StockLot.objects.visible_to(self.user).filter(quantity__gt=0)
                .select_related("warehouse", "material").order_by("warehouse__code", "material__code", "batch"))

    def _resolve(self, values: dict[str, Any]) -> tuple[Warehouse, Material]:
        errors = {}
        warehouse = Warehouse.objects.visible_to(self.user).filter(code=values["warehouse"]).first()
        if warehouse is None:
            errors["warehouse"] = _("No warehouse with code %(code)s in your area.") % {"code": values["warehouse"]}
        material = Material.objects.filter(code=values["material"]).first()
        if material is None:
            errors["material"] = _("No material with code %(code)s in the catalogue.") % {"code": values["material"]}
        if errors:
            raise ValidationError(errors)
        assert warehouse is not None and material is not None
        return warehouse, material

    def find_existing(self, values: dict[str, Any]) -> StockLot | None:
        return (StockLot.objects.visible_to(self.user).filter(warehouse__code=values["warehouse"],
                                                              material__code=values["material"],
                                        batch=values.get("batch") or "").select_related("warehouse", "material")
                .first())

    def has_changes(self, existing: StockLot, values: dict[str, Any]) -> bool:
        return existing.quantity != values["quantity"]

    def save_row(self, values: dict[str, Any], existing: StockLot | None) -> StockLot:
        if existing is not None:
            raise ValidationError({"quantity": _(
                "This batch is already on the books with %(n)s; change quantities with a stock count.") % {
                    "n": existing.quantity}})
        warehouse, material = self._resolve(values)
        movement = receive_stock(warehouse, material, values["quantity"], actor=self.user,
                                 reason=MovementReason.OPENING, document=_("import"),
                                 batch=values.get("batch") or "", production_date=values.get("production_date"),
                                 expiry_date=values.get("expiry_date"),
                                 condition=values.get("condition") or Condition.GOOD)
        return movement.lot
