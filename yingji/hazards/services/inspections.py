"""Enforcement inspections (执法检查): inspectors, inspection records whose findings open hazards, compliance.

Targets per street: at least half of the active inspectors hold a valid
enforcement certificate, and every inspector inspects at least once a week.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.core.services import refuse_unknown_fields
from yingji.core.validators import check_date_not_future
from yingji.hazards.models import HazardSource, Inspection, InspectionResult, Inspector, RiskPoint
from yingji.jurisdictions.models import Jurisdiction, Level

CERTIFIED_SHARE_TARGET = 0.5
WEEKLY_INSPECTIONS_TARGET = 1
INSPECTOR_FIELDS = ("name", "certificate_number", "certificate_issuer", "certificate_valid_until", "is_active",
                    "jurisdiction", "user")
# An enforcement certificate's number (执法证号, e.g. 粤执4403001234): Chinese characters, letters, digits,
# hyphens and brackets, 4 to 40 of them, starting with a character, letter or digit.
CERTIFICATE_NUMBER = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff()（）〔〕-]{3,39}$")


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _validate_inspector(inspector: Inspector) -> None:
    """A certificate is its number, its issuer and its validity date together, or nothing (not certified)."""
    inspector.name = inspector.name.strip()
    inspector.staff_number = inspector.staff_number.strip()
    inspector.certificate_number = inspector.certificate_number.strip().upper()
    inspector.certificate_issuer = inspector.certificate_issuer.strip()
    errors = {}
    if not inspector.name:
        errors["name"] = _("This field is required.")
    if not inspector.staff_number:
        errors["staff_number"] = _("This field is required.")
    if inspector.jurisdiction.level != Level.STREET:
        errors["jurisdiction"] = _("Inspectors belong to a street.")
    has_certificate = bool(inspector.certificate_number or inspector.certificate_issuer
                           or inspector.certificate_valid_until)
    if has_certificate:
        if not inspector.certificate_number:
            errors["certificate_number"] = _("Give the certificate's number, or leave the certificate empty.")
        elif not CERTIFICATE_NUMBER.match(inspector.certificate_number):
            errors["certificate_number"] = _("A certificate number is 4 to 40 characters, letters, digits, hyphens or brackets.")
        if not inspector.certificate_issuer:
            errors["certificate_issuer"] = _("Give who issued the certificate.")
        if inspector.certificate_valid_until is None:
            errors["certificate_valid_until"] = _("Give the date until which the certificate is valid.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_inspector(*, actor: Any, jurisdiction: Jurisdiction, staff_number: str, name: str,
                     **fields: Any) -> Inspector:
    ensure_in(actor, "hazards.add_inspector", jurisdiction.path)
    refuse_unknown_fields(fields, INSPECTOR_FIELDS, creating=True)
    if Inspector.objects.filter(staff_number=staff_number).exists():
        raise ValidationError({"staff_number": _("An inspector with staff number %(n)s already exists.") % {
            "n": staff_number}})
    inspector = Inspector(jurisdiction=jurisdiction, staff_number=staff_number, name=name, **fields)
    _validate_inspector(inspector)
    inspector.save()
    return inspector


@transaction.atomic
def update_inspector(inspector: Inspector, *, actor: Any, **fields: Any) -> Inspector:
    ensure(actor, "change", inspector)
    refuse_unknown_fields(fields, INSPECTOR_FIELDS)
    if "jurisdiction" in fields:
        ensure_in(actor, "hazards.change_inspector", fields["jurisdiction"].path)
    for key, value in fields.items():
        setattr(inspector, key, value)
    _validate_inspector(inspector)
    inspector.save()
    return inspector


@transaction.atomic
def record_inspection(*, actor: Any, inspector: Inspector, place: str, inspected_on: datetime.date,
                      jurisdiction: Jurisdiction | None = None, risk_point: RiskPoint | None = None,
                      findings: str = "", hazards: list[dict[str, Any]] | tuple[()] = (),
                      photos: list[Any] | tuple[()] = ()) -> Inspection:
    """Record an inspection; each of `hazards` ({title, severity, category, lon, lat, …}) opens a hazard."""
    from yingji.hazards.services.hazards import report_hazard
    from yingji.hazards.services.photos import attach_photos

    where = jurisdiction or (risk_point.jurisdiction if risk_point else inspector.jurisdiction)
    ensure_in(actor, "hazards.add_inspection", where.path)
    if not where.path.startswith(inspector.jurisdiction.path):
        raise ValidationError({"inspector": _("The inspector belongs to another street.")})
    if not place.strip():
        raise ValidationError({"place": _("This field is required.")})
    try:
        check_date_not_future(inspected_on)
    except ValidationError as error:
        raise ValidationError({"inspected_on": error.messages}) from error
    inspection = Inspection.objects.create(
        jurisdiction=where, inspector=inspector, place=place.strip(), risk_point=risk_point,
        inspected_on=inspected_on, findings=findings,
        result=InspectionResult.HAZARDS if hazards else InspectionResult.PASSED)
    attach_photos(photos, owner=inspection, actor=actor)
    for finding in hazards:
        finding = dict(finding)
        finding.setdefault("lon", risk_point.lon if risk_point else None)
        finding.setdefault("lat", risk_point.lat if risk_point else None)
        report_hazard(actor=actor, source=HazardSource.INSPECTION, inspection=inspection, risk_point=risk_point,
                      jurisdiction=where, **finding)
    return inspection


@dataclass
class StreetCompliance:
    """One street's enforcement figures for one week."""

    street: Jurisdiction
    inspectors: int = 0
    certified: int = 0
    inspections: int = 0
    # (inspector, inspections that week) for every active inspector, fewest first.
    per_inspector: list[tuple[Inspector, int]] = field(default_factory=list)

    @property
    def certified_share(self) -> float | None:
        return self.certified / self.inspectors if self.inspectors else None

    @property
    def below_weekly(self) -> list[Inspector]:
        return [i for i, n in self.per_inspector if n < WEEKLY_INSPECTIONS_TARGET]

    @property
    def meets_certified(self) -> bool:
        return self.certified_share is not None and self.certified_share >= CERTIFIED_SHARE_TARGET

    @property
    def meets_weekly(self) -> bool:
        return bool(self.inspectors) and not self.below_weekly


def compliance(user: Any, week: datetime.date | None = None) -> list[StreetCompliance]:
    """Per street the user sees: certified share and inspections per inspector in the week of `week`."""
    start = week_start(week or timezone.localdate())
    end = start + datetime.timedelta(days=7)
    # Certified on the week's last day, or today for the running week.
    checked_on = min(timezone.localdate(), end - datetime.timedelta(days=1))
    streets = {s.pk: StreetCompliance(s) for s in
               Jurisdiction.objects.visible_to(user).filter(level=Level.STREET).order_by("code")}
    inspectors = (Inspector.objects.visible_to(user).filter(is_active=True, jurisdiction_id__in=streets)
                  .annotate(week_count=Count("inspections", filter=Q(inspections__inspected_on__gte=start,
                                                                      inspections__inspected_on__lt=end)))
                  .order_by("week_count", "name"))
    for inspector in inspectors:
        row = streets[inspector.jurisdiction_id]
        row.inspectors += 1
        row.certified += int(inspector.certified_on(checked_on))
        row.inspections += inspector.week_count  # type: ignore[attr-defined]
        row.per_inspector.append((inspector, inspector.week_count))  # type: ignore[attr-defined]
    return list(streets.values())
