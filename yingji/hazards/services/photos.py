"""Photos of hazards, check-ins and inspections: checked and re-encoded (core/uploads.py), kept in default_storage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from yingji.core.uploads import CleanImage, clean_image
from yingji.hazards.models import CheckIn, Hazard, Inspection, Photo, PhotoStage

MAX_PHOTOS = 9  # what a phone's picker offers at once; more is a mistake, not evidence


def check_photos(files: Sequence[Any], field: str = "photos") -> list[CleanImage]:
    """Every file checked before any is stored, so one bad photo refuses the whole submission."""
    if len(files) > MAX_PHOTOS:
        raise ValidationError({field: _("At most %(n)s photos at once.") % {"n": MAX_PHOTOS}})
    cleaned = []
    for upload in files:
        try:
            cleaned.append(clean_image(upload, field))
        except ValidationError as exc:
            name = str(getattr(upload, "name", "") or "")[:60]
            message = exc.message_dict[field][0] if hasattr(exc, "error_dict") else exc.messages[0]
            raise ValidationError({field: f"{name}: {message}" if name else message}) from exc
    return cleaned


def _owner_fields(owner: Hazard | CheckIn | Inspection) -> tuple[dict[str, Any], str]:
    if isinstance(owner, Hazard):
        return {"hazard": owner}, PhotoStage.REPORT
    if isinstance(owner, CheckIn):
        return {"check_in": owner}, PhotoStage.PATROL
    return {"inspection": owner}, PhotoStage.INSPECTION


def store(images: Sequence[CleanImage], *, owner: Hazard | CheckIn | Inspection, actor: Any,
          stage: str | None = None) -> list[Photo]:
    """Save already checked images under `owner` (inside the caller's transaction).

    Callers check every photo (check_photos) before writing anything, so a
    refused submission stores no file; a transaction rolled back later for
    another reason can leave an unreferenced file in the storage, never a row
    without its file.
    """
    fields, default_stage = _owner_fields(owner)
    photos = []
    for image in images:
        stem = uuid.uuid4().hex
        photo = Photo(jurisdiction_id=owner.jurisdiction_id, stage=stage or default_stage,
                      width=image.width, height=image.height, size_bytes=len(image.content),
                      uploaded_by=actor if getattr(actor, "pk", None) else None, **fields)
        photo.file.save(f"{stem}.jpg", ContentFile(image.content), save=False)
        photo.thumbnail.save(f"{stem}.jpg", ContentFile(image.thumbnail), save=False)
        photo.save()
        photos.append(photo)
    return photos


def attach_photos(files: Sequence[Any], *, owner: Hazard | CheckIn | Inspection, actor: Any,
                  stage: str | None = None) -> list[Photo]:
    return store(check_photos(files), owner=owner, actor=actor, stage=stage)
