"""Builders for hazards tests: risk points, hazards and plans around the fixed cast (core/testing.py)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yingji.hazards.models import RiskPoint


def point(jurisdiction: Any, code: str, grade: str = "yellow", category: str = "old_residential",
          lon: float = 114.01, lat: float = 22.51, **fields: Any) -> RiskPoint:
    return RiskPoint.objects.create(jurisdiction=jurisdiction, code=code, name=fields.pop("name", code),
                                    grade=grade, category=category, lon=lon, lat=lat, **fields)


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (640, 480), exif: bytes | None = None) -> SimpleUploadedFile:
    """A real JPEG photo (with EXIF when given), as a phone would upload it."""
    image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def hazard(jurisdiction: Any, title: str = "楼道堆放杂物", **fields: Any) -> Any:
    """A hazard row as the services leave it (reported, or assigned when `deadline` is given)."""
    from django.utils import timezone

    from yingji.hazards.models import Hazard, HazardSource, HazardStatus
    from yingji.hazards.models.hazard import new_reference

    if "deadline" in fields:
        fields.setdefault("status", HazardStatus.ASSIGNED)
        fields.setdefault("assigned_at", timezone.now())
        fields.setdefault("escalate_at", fields["deadline"])
    return Hazard.objects.create(jurisdiction=jurisdiction, title=title, source=fields.pop("source", HazardSource.GRID_WORKER),
                                 reference=fields.pop("reference", new_reference()), lon=fields.pop("lon", 114.01),
                                 lat=fields.pop("lat", 22.51), **fields)
