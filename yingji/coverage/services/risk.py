"""The risk-point list (until the hazards app owns it): create, change, delete with scope checks and audit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.core.services import refuse_unknown_fields
from yingji.coverage.models import RiskGrade, RiskKind, RiskPoint
from yingji.jurisdictions.models import Jurisdiction

EDITABLE = ("name", "kind", "grade", "lon", "lat", "is_active", "jurisdiction")


def _validate(point: RiskPoint) -> None:
    errors = {}
    if not point.name.strip():
        errors["name"] = _("This field is required.")
    if point.grade not in RiskGrade.values:
        errors["grade"] = _("Choose one of: %(choices)s.") % {"choices": "、".join(str(g.label) for g in RiskGrade)}
    if point.kind not in RiskKind.values:
        errors["kind"] = _("Unknown type.")
    if not (-180 <= point.lon <= 180 and -90 <= point.lat <= 90):
        errors["lon"] = _("Coordinates must be longitude, latitude in WGS-84 degrees.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_risk_point(*, actor: Any, jurisdiction: Jurisdiction, code: str, name: str, grade: str,
                      lon: float, lat: float, kind: str = RiskKind.OTHER) -> RiskPoint:
    ensure_in(actor, "coverage.add_riskpoint", jurisdiction.path)
    if RiskPoint.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A risk point with code %(code)s already exists.") % {"code": code}})
    point = RiskPoint(jurisdiction=jurisdiction, code=code, name=name, grade=grade, kind=kind, lon=lon, lat=lat)
    _validate(point)
    point.save()
    return point


@transaction.atomic
def update_risk_point(point: RiskPoint, *, actor: Any, **fields: Any) -> RiskPoint:
    ensure(actor, "change", point)
    refuse_unknown_fields(fields, EDITABLE)
    if "jurisdiction" in fields:
        ensure_in(actor, "coverage.change_riskpoint", fields["jurisdiction"].path)
    for key, value in fields.items():
        setattr(point, key, value)
    _validate(point)
    point.save()
    return point


@transaction.atomic
def delete_risk_point(point: RiskPoint, *, actor: Any) -> None:
    ensure(actor, "delete", point)
    point.delete()
