"""Attachments of plans: checked (size, real type from the bytes) and kept through Django's storage API."""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.scope import ensure
from yingji.core.uploads import read_limited
from yingji.plans.models import Plan, PlanAttachment

FIELD = "file"
ZIP = b"PK\x03\x04"
# extension → (content type, test of the first bytes): the type comes from the bytes, not only the name.
KINDS: dict[str, tuple[str, Any]] = {
    ".pdf": ("application/pdf", lambda b: b.startswith(b"%PDF-")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", lambda b: b.startswith(ZIP)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", lambda b: b.startswith(ZIP)),
    ".png": ("image/png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
}


def max_bytes() -> int:
    return int(getattr(settings, "YINGJI_PLAN_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def check(upload: Any) -> tuple[bytes, str, str]:
    """The upload's bytes, its clean name and content type; ValidationError({"file": …}) when refused."""
    name = os.path.basename(str(getattr(upload, "name", "") or "")).strip()[:200]
    extension = os.path.splitext(name)[1].lower()
    if extension not in KINDS:
        raise ValidationError({FIELD: _("Attach a PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file.")})
    data = read_limited(upload, max_bytes(), FIELD)
    if not data:
        raise ValidationError({FIELD: _("The file is empty.")})
    content_type, looks_right = KINDS[extension]
    if not looks_right(data[:16]):
        raise ValidationError({FIELD: _("The file's content is not the %(ext)s its name says.")
                               % {"ext": extension.lstrip(".").upper()}})
    return data, name, content_type


def attach(plan: Plan, upload: Any, *, actor: Any) -> PlanAttachment:
    """Keep `upload` as a file of `plan`: who may change the plan attaches, whatever its approval state."""
    ensure(actor, "change", plan)
    data, name, content_type = check(upload)
    extension = os.path.splitext(name)[1].lower()
    with transaction.atomic():
        row = PlanAttachment(plan=plan, name=name, content_type=content_type, size_bytes=len(data),
                             uploaded_by=actor if getattr(actor, "pk", None) else None)
        row.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(data), save=False)
        row.save()
    return row


def remove(row: PlanAttachment, *, actor: Any) -> None:
    ensure(actor, "change", row.plan)
    stored = row.file.name
    with transaction.atomic():
        row.delete()
        transaction.on_commit(lambda: row.file.storage.delete(stored))
