"""The risk-point register: create, change, regrade and delete, with scope checks, audit and grading history."""

from __future__ import annotations

import datetime
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from yingji.core.scope import ensure, ensure_in
from yingji.core.services import refuse_unknown_fields
from yingji.core.validators import check_phone, check_point
from yingji.hazards.models import RiskCategory, RiskGrade, RiskGrading, RiskPoint
from yingji.jurisdictions.locate import area_bounds
from yingji.jurisdictions.models import Jurisdiction

EDITABLE = ("name", "category", "grade", "lon", "lat", "area", "address", "responsible_unit", "responsible_person",
            "responsible_phone", "control_measures", "review_date", "is_active", "jurisdiction")


def _validate(point: RiskPoint) -> None:
    errors: dict[str, str] = {}
    if not point.name.strip():
        errors["name"] = _("This field is required.")
    if point.grade not in RiskGrade.values:
        errors["grade"] = _("Choose one of: %(choices)s.") % {"choices": "、".join(str(g.label) for g in RiskGrade)}
    if point.category not in RiskCategory.values:
        errors["category"] = _("Unknown category.")
    if not (-180 <= point.lon <= 180 and -90 <= point.lat <= 90):
        errors["lon"] = _("Coordinates must be longitude, latitude in WGS-84 degrees.")
    else:
        try:  # the one point rule: inside the district (swapped coordinates named as such)
            check_point(point.lon, point.lat, bounds=area_bounds())
        except ValidationError as error:
            errors["lon"] = error.messages[0]
    try:
        point.responsible_phone = check_phone(point.responsible_phone)
    except ValidationError as error:
        errors["responsible_phone"] = error.messages[0]
    if point.area is not None:
        try:
            polygon = shape(point.area)
            if polygon.geom_type not in ("Polygon", "MultiPolygon") or not polygon.is_valid:
                raise ValueError
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
            errors["area"] = _("The area must be a valid GeoJSON Polygon or MultiPolygon.")
    if errors:
        raise ValidationError(errors)


def _record_grading(point: RiskPoint, grade_from: str, actor: Any, reason: str) -> None:
    RiskGrading.objects.create(risk_point=point, at=timezone.now(), grade_from=grade_from, grade_to=point.grade,
                               actor=actor if getattr(actor, "pk", None) else None,
                               actor_name=str(actor) if getattr(actor, "pk", None) else "", reason=reason[:300])


@transaction.atomic
def create_risk_point(*, actor: Any, jurisdiction: Jurisdiction, code: str, name: str, grade: str,
                      lon: float, lat: float, category: str = RiskCategory.OTHER, reason: str = "",
                      **fields: Any) -> RiskPoint:
    ensure_in(actor, "hazards.add_riskpoint", jurisdiction.path)
    refuse_unknown_fields(fields, EDITABLE, creating=True)
    if RiskPoint.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A risk point with code %(code)s already exists.") % {"code": code}})
    point = RiskPoint(jurisdiction=jurisdiction, code=code, name=name, grade=grade, category=category,
                      lon=lon, lat=lat, **fields)
    _validate(point)
    point.save()
    _record_grading(point, "", actor, reason)
    return point


@transaction.atomic
def update_risk_point(point: RiskPoint, *, actor: Any, reason: str = "", **fields: Any) -> RiskPoint:
    """Change a risk point; a new grade is also recorded in its grading history (with `reason`)."""
    ensure(actor, "change", point)
    refuse_unknown_fields(fields, EDITABLE)
    if "jurisdiction" in fields:
        ensure_in(actor, "hazards.change_riskpoint", fields["jurisdiction"].path)
    grade_before = point.grade
    for key, value in fields.items():
        setattr(point, key, value)
    _validate(point)
    point.save()
    if point.grade != grade_before:
        _record_grading(point, grade_before, actor, reason)
    return point


@transaction.atomic
def delete_risk_point(point: RiskPoint, *, actor: Any) -> None:
    ensure(actor, "delete", point)
    point.delete()


def review_due(queryset: Any, today: datetime.date | None = None) -> Any:
    """Risk points whose review date has come (the register's "to review" filter)."""
    return queryset.filter(is_active=True, review_date__lte=today or timezone.localdate())
