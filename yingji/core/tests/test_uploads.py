"""The one photo check: size, real type from the bytes, pixel count; re-encoded without metadata; thumbnails."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from yingji.core.uploads import clean_image


def photo(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    colour = {"RGB": (10, 120, 200), "RGBA": (10, 120, 200, 128), "L": 90}[mode]
    Image.new(mode, size, colour).save(out, format=fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "p.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(data: bytes, name: str = "p.jpg") -> str:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        clean_image(upload(data, name), "photo")
    return caught.value.message_dict["photo"][0]


def test_it_refuses_an_oversize_file_without_reading_it_whole(settings):
    settings.YINGJI_UPLOAD_MAX_BYTES = 50_000
    big = photo(size=(2000, 2000), quality=100)
    assert len(big) > 50_000
    assert "larger than" in refusal(big)


def test_it_refuses_a_script_named_and_sent_as_a_jpeg():
    assert "not a photo" in refusal(b"<script>alert(document.cookie)</script>", "cat.jpg")
    assert "not a photo" in refusal(b"<?php system($_GET['c']); ?>\xff\xd8\xff", "x.jpg")


def test_it_refuses_other_types_by_their_bytes_not_their_name():
    assert "not a photo" in refusal(photo("GIF"), "looks.jpg")
    assert "not a photo" in refusal(photo("BMP"), "looks.png")
    assert "not a photo" in refusal(b"%PDF-1.7\n1 0 obj\n", "scan.jpg")
    assert "not a photo" in refusal(photo()[:400], "truncated.jpg")


def test_it_refuses_a_decompression_bomb(settings):
    settings.YINGJI_UPLOAD_MAX_PIXELS = 10_000_000
    bomb = photo("PNG", size=(6000, 6000), mode="L")  # small file, 36 million pixels
    assert len(bomb) < 1_000_000
    assert "too many pixels" in refusal(bomb, "bomb.png")


def test_it_re_encodes_without_metadata_and_drops_anything_appended():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (22.0, 31.0, 5.0), 4: (114.0, 3.0, 2.0)}  # GPS position
    original = photo(exif=exif.tobytes()) + b"<script>alert(1)</script>"
    assert b"PhoneMaker" in original
    cleaned = clean_image(upload(original))
    assert b"PhoneMaker" not in cleaned.content and b"<script>" not in cleaned.content
    again = Image.open(io.BytesIO(cleaned.content))
    assert again.format == "JPEG" and not again.getexif()
    assert (cleaned.width, cleaned.height) == (800, 600)
    thumb = Image.open(io.BytesIO(cleaned.thumbnail))
    assert max(thumb.size) == 320


def test_it_turns_a_sideways_phone_photo_upright_and_flattens_transparency():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: the camera held upright
    cleaned = clean_image(upload(photo(size=(800, 600), exif=exif.tobytes())))
    assert (cleaned.width, cleaned.height) == (600, 800)
    png = clean_image(upload(photo("PNG", mode="RGBA"), "a.png", "image/png"))
    assert Image.open(io.BytesIO(png.content)).mode == "RGB"
