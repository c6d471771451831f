"""The catalogue and the warehouse register: create and change materials and warehouses."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.core.services import refuse_unknown_fields
from yingji.core.validators import check_phone, check_point, clean_into
from yingji.jurisdictions.locate import area_bounds
from yingji.jurisdictions.models import Jurisdiction
from yingji.supplies.models import Category, Material, Warehouse, WarehouseLevel
from yingji.supplies.services import invalidation

MATERIAL_FIELDS = ("name", "aliases", "category", "spec", "unit", "shelf_life_days", "maintenance_days",
                   "min_reserve", "is_active")
WAREHOUSE_FIELDS = ("name", "level", "station", "keeper", "keeper_name", "phone", "address", "lon", "lat", "area_m2",
                    "open_24h", "hours", "access_notes", "is_active")


def clean_aliases(value: Any) -> list[str]:
    """A list of distinct non-empty names from a list or a text separated by 、,;| or newlines."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        for separator in ("、", "，", ";", "；", "|", "\n"):
            value = value.replace(separator, ",")
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({"aliases": _("Give the aliases as a list of names.")})
    out: list[str] = []
    for item in value:
        name = str(item).strip()
        if name and name not in out:
            if len(name) > 60:
                raise ValidationError({"aliases": _("An alias has at most 60 characters.")})
            out.append(name)
    return out


def clean_min_reserve(value: Any) -> dict[str, int]:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValidationError({"min_reserve": _("Give the minimum reserve per warehouse level.")})
    out = {}
    for level, quantity in value.items():
        if level not in WarehouseLevel.values:
            raise ValidationError({"min_reserve": _("Unknown warehouse level %(level)s.") % {"level": level}})
        if quantity in (None, ""):
            continue
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise ValidationError({"min_reserve": _("Minimum reserves are whole numbers, zero or more.")})
        if quantity:
            out[level] = quantity
    return out


def _validate_material(material: Material) -> None:
    errors = {}
    if not material.name.strip():
        errors["name"] = _("This field is required.")
    if not material.unit.strip():
        errors["unit"] = _("This field is required.")
    if material.category not in Category.values:
        errors["category"] = _("Choose a valid category.")
    if errors:
        raise ValidationError(errors)
    material.aliases = clean_aliases(material.aliases)
    material.min_reserve = clean_min_reserve(material.min_reserve)


@transaction.atomic
def create_material(*, actor: Any, jurisdiction: Jurisdiction, code: str, **fields: Any) -> Material:
    ensure_in(actor, "supplies.add_material", jurisdiction.path)
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("This field is required.")})
    if Material.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A material with code %(code)s already exists.") % {"code": code}})
    refuse_unknown_fields(fields, MATERIAL_FIELDS, creating=True)
    material = Material(jurisdiction=jurisdiction, code=code, **fields)
    _validate_material(material)
    material.save()
    invalidation.warehouses_changed()
    return material


@transaction.atomic
def update_material(material: Material, *, actor: Any, **fields: Any) -> Material:
    ensure(actor, "change", material)
    refuse_unknown_fields(fields, MATERIAL_FIELDS)
    for key, value in fields.items():
        setattr(material, key, value)
    _validate_material(material)
    material.save()
    invalidation.warehouses_changed()
    return material


def _validate_warehouse(warehouse: Warehouse) -> None:
    errors = {}
    if not warehouse.name.strip():
        errors["name"] = _("This field is required.")
    if warehouse.level not in WarehouseLevel.values:
        errors["level"] = _("Choose a valid level.")
    if warehouse.lon is None or not -180 <= warehouse.lon <= 180:
        errors["lon"] = _("Enter a longitude between -180 and 180.")
    elif warehouse.lat is None or not -90 <= warehouse.lat <= 90:
        errors["lat"] = _("Enter a latitude between -90 and 90.")
    else:
        try:
            check_point(warehouse.lon, warehouse.lat, bounds=area_bounds())
        except ValidationError as error:
            errors["lon"] = error.messages[0]
    phone_errors: dict[str, list[str]] = {}
    clean_into(warehouse, {"phone": check_phone}, phone_errors)
    errors.update({field: messages[0] for field, messages in phone_errors.items()})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_warehouse(*, actor: Any, jurisdiction: Jurisdiction, code: str, **fields: Any) -> Warehouse:
    ensure_in(actor, "supplies.add_warehouse", jurisdiction.path)
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("This field is required.")})
    if Warehouse.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A warehouse with code %(code)s already exists.") % {"code": code}})
    refuse_unknown_fields(fields, WAREHOUSE_FIELDS, creating=True)
    warehouse = Warehouse(jurisdiction=jurisdiction, code=code, **fields)
    _validate_warehouse(warehouse)
    warehouse.save()
    invalidation.warehouses_changed()
    return warehouse


@transaction.atomic
def update_warehouse(warehouse: Warehouse, *, actor: Any, **fields: Any) -> Warehouse:
    ensure(actor, "change", warehouse)
    refuse_unknown_fields(fields, WAREHOUSE_FIELDS)
    for key, value in fields.items():
        setattr(warehouse, key, value)
    _validate_warehouse(warehouse)
    warehouse.save()
    invalidation.warehouses_changed()
    return warehouse
