"""Hazards: reporting (from every source), and what the workflow's steps record.

Reporting is where a hazard begins (status "reported"); the steps after it
(assign, rectify, recheck, close) are transitions of the hazard workflow
(hazards/workflow.py) and record their facts on the hazard here.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure_in
from yingji.core.validators import check_phone, clean_into
from yingji.hazards.models import (
    CheckIn,
    Hazard,
    HazardSeverity,
    HazardSource,
    Inspection,
    RiskCategory,
    RiskPoint,
)
from yingji.hazards.models.hazard import new_reference
from yingji.hazards.services.photos import check_photos, store
from yingji.hazards.workflows import HAZARD
from yingji.jurisdictions.models import Jurisdiction

# A receipt number is random (models.hazard.new_reference); a collision takes another.
REFERENCE_ATTEMPTS = 5


def deadline_for(severity: str, start: datetime.datetime | None = None) -> datetime.datetime:
    """When a hazard of this severity must be rectified, counted from `start` (now)."""
    days = settings.YINGJI_HAZARD_DEADLINE_DAYS[severity]
    return (start or timezone.now()) + datetime.timedelta(days=days)


def _validate(hazard: Hazard) -> None:
    errors: dict[str, str] = {}
    if not hazard.title.strip():
        errors["title"] = _("Say in a few words what the hazard is.")
    if hazard.category not in RiskCategory.values:
        errors["category"] = _("Unknown category.")
    if hazard.severity not in HazardSeverity.values:
        errors["severity"] = _("Unknown severity.")
    if hazard.source not in HazardSource.values:
        errors["source"] = _("Unknown source.")
    if hazard.lon is None or hazard.lat is None:
        errors["lon"] = _("Give the place of the hazard (pick it on the map or use the phone's position).")
    elif not (-180 <= hazard.lon <= 180 and -90 <= hazard.lat <= 90):
        errors["lon"] = _("Coordinates must be longitude, latitude in WGS-84 degrees.")
    # The one phone rule (core.validators): a mobile or a landline with its area code, saying which is wrong.
    phone_errors: dict[str, list[str]] = {}
    clean_into(hazard, {"reporter_phone": check_phone}, phone_errors)
    errors.update({field: messages[0] for field, messages in phone_errors.items()})
    if errors:
        raise ValidationError(errors)


def report_hazard(*, actor: Any, source: str, title: str, lon: float | None, lat: float | None,
                  jurisdiction: Jurisdiction, description: str = "", category: str = RiskCategory.OTHER,
                  severity: str = HazardSeverity.GENERAL, address: str = "", risk_point: RiskPoint | None = None,
                  check_in: CheckIn | None = None, inspection: Inspection | None = None,
                  reporter_name: str = "", reporter_phone: str = "", idempotency_key: str = "",
                  photos: Sequence[Any] = (), reported_at: datetime.datetime | None = None) -> Hazard:
    """Record a found hazard in `jurisdiction`; the same (reporter, idempotency key) twice answers the first.

    `actor` is None only for the public form (its view rate-limits) and IoT alarms. Photos are
    checked before anything is written, so a bad photo refuses the report.
    """
    return report_hazard_once(
        actor=actor, source=source, title=title, lon=lon, lat=lat, jurisdiction=jurisdiction,
        description=description, category=category, severity=severity, address=address, risk_point=risk_point,
        check_in=check_in, inspection=inspection, reporter_name=reporter_name, reporter_phone=reporter_phone,
        idempotency_key=idempotency_key, photos=photos, reported_at=reported_at)[0]


def report_hazard_once(*, actor: Any, source: str, jurisdiction: Jurisdiction, idempotency_key: str = "",
                       photos: Sequence[Any] = (), **fields: Any) -> tuple[Hazard, bool]:
    """report_hazard, also telling whether the hazard is new (False: a retry of an earlier submission)."""
    if actor is not None:
        ensure_in(actor, "hazards.report", jurisdiction.path)
    elif source not in (HazardSource.PUBLIC, HazardSource.IOT):  # the IoT listener reports as the system
        raise ValidationError({"source": _("Only the public form reports without an account.")})
    key = (idempotency_key or "").strip()[:64]
    if key and actor is not None:
        found = Hazard.objects.filter(reported_by=actor, idempotency_key=key).first()
        if found is not None:
            return found, False
    fields = {k: v for k, v in fields.items() if v is not None or k in ("lon", "lat")}
    fields["title"] = (fields.get("title") or "").strip()
    fields["reported_at"] = fields.get("reported_at") or timezone.now()
    hazard = Hazard(jurisdiction=jurisdiction, source=source, reported_by=actor,
                    idempotency_key=key if actor is not None else "", **fields)
    if actor is not None and not hazard.reporter_name:
        hazard.reporter_name = str(actor)[:50]
    _validate(hazard)
    images = check_photos(list(photos))
    for attempt in range(REFERENCE_ATTEMPTS):
        hazard.reference = new_reference(timezone.localdate(hazard.reported_at))
        try:
            with transaction.atomic():
                hazard.save()
                store(images, owner=hazard, actor=actor)
                HAZARD.start(hazard, actor=actor, note=hazard.get_source_display())
            return hazard, True
        except IntegrityError:
            hazard.pk = None
            # The same key arrived twice at once: the other request's hazard stands.
            found = Hazard.objects.filter(reported_by=actor, idempotency_key=key).first() if key else None
            if found is not None:
                return found, False
            if attempt == REFERENCE_ATTEMPTS - 1 or not Hazard.objects.filter(reference=hazard.reference).exists():
                raise
    raise AssertionError("unreachable")
