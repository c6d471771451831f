"""Business rules of the jurisdiction tree: placement, codes, boundaries."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from yingji.core.scope import ensure, ensure_in, path_allowed, perm_name
from yingji.core.services import refuse_unknown_fields
from yingji.jurisdictions.models import PARENT_LEVEL, Jurisdiction, Level

# Level -> (pattern of its code, the rule in words for error messages).
CODE_RULES = {
    Level.CITY: (r"^\d{6}$", gettext_lazy("six digits (GB/T 2260)")),
    Level.DISTRICT: (r"^\d{6}$", gettext_lazy("six digits (GB/T 2260)")),
    Level.STREET: (r"^\d{12}$", gettext_lazy("twelve digits (statistical code)")),
    Level.COMMUNITY: (r"^\d{12}$", gettext_lazy("twelve digits (statistical code)")),
    Level.GRID: (r"^[0-9A-Za-z-]{4,20}$", gettext_lazy("4-20 letters or digits")),
}

EDITABLE_FIELDS = ("name", "population", "households", "centroid_lon", "centroid_lat", "boundary")


def validate_placement(*, level: str, code: str, parent: Jurisdiction | None) -> None:
    """Check that a jurisdiction of `level` with `code` may hang under `parent`."""
    errors: dict[str, str] = {}
    pattern, rule = CODE_RULES[Level(level)]
    if not re.match(pattern, code or ""):
        errors["code"] = _("The code of a %(level)s must be %(rule)s.") % {"level": Level(level).label, "rule": rule}
    expected_parent = PARENT_LEVEL.get(Level(level))
    if expected_parent is None:
        if parent is not None:
            errors["parent"] = _("A city has no parent.")
    elif parent is None:
        errors["parent"] = _("A %(level)s needs a parent %(parent)s.") % {
            "level": Level(level).label, "parent": expected_parent.label}
    elif parent.level != expected_parent:
        errors["parent"] = _("The parent of a %(level)s must be a %(parent)s, not a %(actual)s.") % {
            "level": Level(level).label, "parent": expected_parent.label, "actual": Level(parent.level).label}
    elif "code" not in errors and level in (Level.STREET, Level.COMMUNITY):
        # Statistical codes nest: a street starts with its district's six digits,
        # a community with its street's first nine.
        prefix = parent.code[:6] if level == Level.STREET else parent.code[:9]
        if not code.startswith(prefix):
            errors["code"] = _("The code must start with %(prefix)s, the code of %(parent)s.") % {
                "prefix": prefix, "parent": parent.name}
    if errors:
        raise ValidationError(errors)


def validate_boundary(geometry: Any) -> dict[str, Any]:
    """A GeoJSON Polygon/MultiPolygon in WGS-84, valid and with sane coordinates."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError({"boundary": _("The boundary must be a GeoJSON Polygon or MultiPolygon.")})
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValidationError({"boundary": _("The boundary coordinates are malformed.")}) from exc
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError({"boundary": _("Coordinates must be longitude, latitude in WGS-84 degrees.")})
    if not geom.is_valid:
        raise ValidationError({"boundary": _("The boundary is not a valid polygon: %(why)s") % {
            "why": explain_validity(geom)}})
    return mapping(geom)  # type: ignore[return-value]


def _apply_boundary(jurisdiction: Jurisdiction, geometry: dict[str, Any] | None) -> None:
    if geometry is None:
        jurisdiction.boundary = None
        return
    clean = validate_boundary(geometry)
    jurisdiction.boundary = {"type": clean["type"], "coordinates": _as_lists(clean["coordinates"])}
    point = shape(clean).representative_point() if not shape(clean).centroid.within(shape(clean)) else shape(clean).centroid
    jurisdiction.centroid_lon = round(point.x, 6)
    jurisdiction.centroid_lat = round(point.y, 6)


def _as_lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_as_lists(v) for v in value]
    return value


@transaction.atomic
def create_jurisdiction(*, actor: Any, level: str, code: str, name: str, parent: Jurisdiction | None,
                        **fields: Any) -> Jurisdiction:
    if parent is None:
        # Only a superuser creates a root (the bypass lives in the scope rule).
        ensure_in(actor, "jurisdictions.add_jurisdiction", "/")
    else:
        ensure_in(actor, "jurisdictions.add_jurisdiction", parent.path)
    validate_placement(level=level, code=code, parent=parent)
    if Jurisdiction.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A jurisdiction with code %(code)s already exists.") % {"code": code}})
    jurisdiction = Jurisdiction(level=level, code=code, name=name, parent=parent)
    boundary = fields.pop("boundary", None)
    for key, value in fields.items():
        setattr(jurisdiction, key, value)
    if boundary is not None:
        _apply_boundary(jurisdiction, boundary)
    jurisdiction.save()
    return jurisdiction


@transaction.atomic
def update_jurisdiction(jurisdiction: Jurisdiction, *, actor: Any, **fields: Any) -> Jurisdiction:
    ensure(actor, "change", jurisdiction)
    refuse_unknown_fields(fields, EDITABLE_FIELDS)
    if "boundary" in fields:
        _apply_boundary(jurisdiction, fields.pop("boundary"))
    for key, value in fields.items():
        setattr(jurisdiction, key, value)
    if not jurisdiction.name.strip():
        raise ValidationError({"name": _("This field is required.")})
    jurisdiction.save()
    return jurisdiction


@transaction.atomic
def delete_jurisdiction(jurisdiction: Jurisdiction, *, actor: Any) -> None:
    ensure(actor, "delete", jurisdiction)
    if jurisdiction.children.exists():
        raise ValidationError(_("%(name)s still has sub-jurisdictions; delete or move them first.") % {
            "name": jurisdiction.name})
    try:
        jurisdiction.delete()
    except models.ProtectedError as exc:
        raise ValidationError(_("%(name)s is still referenced by other records.") % {
            "name": jurisdiction.name}) from exc


def set_boundaries(features: list[dict[str, Any]], *, actor: Any) -> tuple[int, list[tuple[int, str, str]]]:
    """Attach GeoJSON boundaries to jurisdictions by code; all or nothing.

    Returns (updated count, errors as (feature number, field, message)).
    """
    errors: list[tuple[int, str, str]] = []
    updates: list[tuple[Jurisdiction, dict[str, Any]]] = []
    visible = Jurisdiction.objects.restrict(actor, "change")
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code = str(props.get("code") or props.get("adcode") or props.get("编码") or "").strip()
        if not code:
            errors.append((number, "properties.code", _("The feature has no code property.")))
            continue
        jurisdiction = visible.filter(code=code).first()
        if jurisdiction is None:
            errors.append((number, "properties.code", _("No jurisdiction with code %(code)s in your area.") % {
                "code": code}))
            continue
        try:
            validate_boundary(feature.get("geometry"))
        except ValidationError as exc:
            errors.append((number, "geometry", exc.message_dict["boundary"][0]))
            continue
        updates.append((jurisdiction, feature["geometry"]))
    if errors:
        return 0, errors
    with transaction.atomic():
        for jurisdiction, geometry in updates:
            update_jurisdiction(jurisdiction, actor=actor, boundary=geometry)
    return len(updates), []


def feature_collection(queryset: models.QuerySet[Jurisdiction]) -> dict[str, Any]:
    """Boundaries as GeoJSON for the map (Leaflet reads it as is)."""
    features = []
    for j in queryset.only("code", "name", "level", "boundary", "centroid_lon", "centroid_lat", "population", "path"):
        geometry = j.boundary
        if geometry is None and j.centroid_lon is not None:
            geometry = {"type": "Point", "coordinates": [j.centroid_lon, j.centroid_lat]}
        if geometry is None:
            continue
        features.append({
            "type": "Feature",
            "geometry": geometry,
            "properties": {"code": j.code, "name": j.name, "level": j.level, "population": j.population,
                           "centroid": [j.centroid_lon, j.centroid_lat]},
        })
    return {"type": "FeatureCollection", "features": features}


def can_add_under(user: Any, parent: Jurisdiction) -> bool:

    return path_allowed(user, perm_name(Jurisdiction, "add"), parent.path)
