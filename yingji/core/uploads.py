"""The one check of uploaded photos: size, real type, pixel count; re-encoded without metadata; thumbnails.

A phone photo carries its GPS position, the phone's serial and more in its
EXIF block, and a file named .jpg may be a script. So every photo is opened
by Pillow (the type comes from the bytes, not the name or the header),
refused unless it is a JPEG, PNG or WebP image of sane size, and written anew
as a JPEG from its pixels only (turned upright first): nothing else of the
upload is kept. Used by every app that stores photos (hazards first).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: the JPEG variant some phone cameras write
LONG_SIDE = 2560  # larger photos are scaled down: the detail a hazard needs, a tenth of the bytes
THUMB_SIDE = 320
QUALITY = 85


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    thumbnail: bytes
    width: int
    height: int


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _jpeg(image: Image.Image, quality: int = QUALITY) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)  # no exif= : nothing of the original's metadata
    return out.getvalue()


def read_limited(upload: Any, limit: int, field: str) -> bytes:
    """The upload's bytes, refused as soon as it is known to pass `limit` (never read whole when too big)."""
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(field, _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1_048_576, 1)})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(field, _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1_048_576, 1)})
    return data


def clean_image(upload: Any, field: str = "photo") -> CleanImage:
    """Check an uploaded photo and re-encode it; ValidationError({field: …}) in the user's language if refused."""
    data = read_limited(upload, settings.YINGJI_UPLOAD_MAX_BYTES, field)
    if not data:
        raise _refuse(field, _("The file is empty."))
    not_a_photo = _("This file is not a photo: upload a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise _refuse(field, not_a_photo)
            width, height = probe.size
            if width * height > settings.YINGJI_UPLOAD_MAX_PIXELS:
                raise _refuse(field, _("The photo has too many pixels (at most %(mp)s million).") % {
                    "mp": settings.YINGJI_UPLOAD_MAX_PIXELS // 1_000_000})
            probe.verify()  # structure check; the image must be opened again to read pixels
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, EOFError) as exc:
        raise _refuse(field, not_a_photo) from exc
    image = ImageOps.exif_transpose(image) or image
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    full = _jpeg(image)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return CleanImage(content=full, thumbnail=_jpeg(thumb, 80), width=image.width, height=image.height)
