"""The new-event page takes the event's photos too: checked by the one upload check (core/uploads.py) through
services.create_event, as the API's photos are; one bad photo or too many refuse the whole event, by field."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yingji.core.testing import web_client
from yingji.publicity.models import EventPhoto, PublicityEvent
from yingji.publicity.services import MAX_PHOTOS

pytestmark = pytest.mark.django_db


def _jpeg(name: str = "a.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _fields(cast, **more):  # type: ignore[no-untyped-def]
    values = {"jurisdiction": cast.community_a.pk, "title": "防灾减灾日进社区", "held_on": "2026-05-12",
              "venue": "community", "campaign": "disaster_day", "place": "A社区广场", "audience": "150"}
    values.update(more)
    return values


def test_an_event_is_created_with_its_photos(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    web = web_client(cast.officer_a)
    page = web.get("/publicity/new/").content.decode()
    assert 'type="file"' in page and 'name="photos"' in page and "multiple" in page and "multipart/form-data" in page
    assert 'data-testid="new-event"' in web.get("/publicity/").content.decode()
    made = web.post("/publicity/new/", _fields(cast, photos=[_jpeg("a.jpg"), _jpeg("b.jpg")]))
    assert made.status_code == 302, made.content.decode()
    event = PublicityEvent.objects.get()
    assert made["Location"] == f"/publicity/{event.pk}/"
    assert (event.jurisdiction, event.title, event.audience, event.campaign) == (
        cast.community_a, "防灾减灾日进社区", 150, "disaster_day")
    photos = list(EventPhoto.objects.filter(event=event))
    assert len(photos) == 2 and {(p.width, p.height) for p in photos} == {(800, 600)}
    assert all(p.thumbnail.name for p in photos)
    without = web.post("/publicity/new/", _fields(cast, title="没有照片的活动"))
    assert without.status_code == 302 and PublicityEvent.objects.count() == 2 and EventPhoto.objects.count() == 2


def test_a_bad_photo_or_too_many_refuse_the_event_naming_the_field(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    web = web_client(cast.officer_a)
    fake = SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    refused = web.post("/publicity/new/", _fields(cast, photos=[_jpeg(), fake]))
    text = refused.content.decode()
    assert refused.status_code == 422 and 'data-testid="error-photos"' in text and "evil.jpg" in text
    assert "<script>alert(1)" not in text
    too_many = web.post("/publicity/new/", _fields(cast, photos=[_jpeg(f"{n}.jpg") for n in range(MAX_PHOTOS + 1)]))
    assert too_many.status_code == 422 and 'data-testid="error-photos"' in too_many.content.decode()
    assert str(MAX_PHOTOS) in too_many.content.decode()
    wrong_month = web.post("/publicity/new/", _fields(cast, held_on="2026-07-01", photos=[_jpeg()]))
    assert wrong_month.status_code == 422 and 'data-testid="error-held_on"' in wrong_month.content.decode()
    assert not PublicityEvent.objects.exists() and not EventPhoto.objects.exists()


def test_another_communitys_jurisdiction_is_not_offered_and_a_reader_cannot_add(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    refused = web_client(cast.officer_b).post("/publicity/new/", _fields(cast, photos=[_jpeg()]))
    assert refused.status_code == 422 and 'data-testid="error-jurisdiction"' in refused.content.decode()
    assert web_client(cast.grid_worker_a).get("/publicity/new/").status_code == 403
    assert web_client(cast.grid_worker_a).post("/publicity/new/", _fields(cast)).status_code == 403
    assert not PublicityEvent.objects.exists() and not EventPhoto.objects.exists()
