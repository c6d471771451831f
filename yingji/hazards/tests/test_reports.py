"""Reporting hazards: the grid worker's API with photos and idempotency keys, the public form and its receipt."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.core.testing import api_client, web_client
from yingji.hazards.models import Hazard, HazardSource, HazardStatus, Photo
from yingji.hazards.tests.builders import jpeg

pytestmark = pytest.mark.django_db
API = "/api/v1/hazards/hazards"


def report(client, **fields):  # type: ignore[no-untyped-def]
    data = {"title": "消防通道被占用", "lon": 114.01, "lat": 22.51, "category": "old_residential", **fields}
    return client.post(API, data)


def test_a_grid_worker_reports_with_a_photo_in_their_grid(cast):
    answer = report(api_client(cast.grid_worker_a), photos=[jpeg()], idempotency_key="k-1")
    assert answer.status_code == 201, answer.content
    hazard = Hazard.objects.get(reference=answer.json()["reference"])
    assert (hazard.jurisdiction, hazard.status, hazard.source) == (cast.grid_a1, HazardStatus.REPORTED,
                                                                  HazardSource.GRID_WORKER)
    assert hazard.reported_by == cast.grid_worker_a and hazard.photos.count() == 1
    photo = hazard.photos.get()
    assert photo.file.read()[:2] == b"\xff\xd8" and photo.thumbnail.size < photo.file.size
    # The photo is served after the scope check only.
    assert web_client(cast.officer_a).get(f"/hazards/photos/{photo.pk}/thumb/").status_code == 200
    assert web_client(cast.officer_c).get(f"/hazards/photos/{photo.pk}/").status_code == 404


def test_a_retry_with_the_same_key_makes_no_duplicate(cast):
    client = api_client(cast.grid_worker_a)
    first = report(client, photos=[jpeg()], idempotency_key="phone-7f3a")
    again = report(client, photos=[jpeg()], idempotency_key="phone-7f3a")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Hazard.objects.count() == 1 and Photo.objects.count() == 1
    # Another user's key is theirs: no answer about someone else's report.
    other = report(api_client(cast.officer_a), idempotency_key="phone-7f3a", jurisdiction="440304001001")
    assert other.status_code == 201 and Hazard.objects.count() == 2


def test_a_bad_photo_refuses_the_report_and_stores_nothing(cast):
    script = SimpleUploadedFile("hazard.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    answer = report(api_client(cast.grid_worker_a, "en"), photos=[jpeg(), script])
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "photos" and "not a photo" in answer.json()["errors"][0]["message"]
    assert not Hazard.objects.exists() and not Photo.objects.exists()


def test_wrong_role_and_wrong_jurisdiction_are_refused(cast):
    assert report(api_client(cast.auditor), jurisdiction="440304001001").status_code == 403
    assert report(api_client(cast.keeper_a), jurisdiction="440304001001").status_code == 403
    assert report(api_client(cast.grid_worker_a), jurisdiction="440304002001").status_code == 404
    assert report(api_client(cast.officer_a), jurisdiction="440304002001").status_code == 404
    assert not Hazard.objects.exists()
    missing = report(api_client(cast.grid_worker_a, "en"), title="")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "title"


def test_the_public_reports_without_login_and_follows_the_receipt(cast, settings, client):
    form = {"community": "440304001001", "category": "ebike_charging", "title": "楼道里给电动车充电",
            "address": "3栋2单元", "reporter_phone": "13912345678", "photos": [jpeg()]}
    answer = client.post("/hazards/report/", form)
    assert answer.status_code == 302
    hazard = Hazard.objects.get()
    assert (hazard.jurisdiction, hazard.source, hazard.reported_by) == (cast.community_a, HazardSource.PUBLIC, None)
    assert hazard.photos.count() == 1
    receipt = client.get(answer["Location"])
    assert receipt.status_code == 200 and hazard.reference in receipt.content.decode()
    assert "13912345678" not in receipt.content.decode()
    # It lands in the community's queue, and only there.
    assert Hazard.objects.visible_to(cast.officer_a).filter(pk=hazard.pk).exists()
    assert not Hazard.objects.visible_to(cast.officer_c).filter(pk=hazard.pk).exists()
    # The community staff see the phone; the auditor sees it masked.
    assert api_client(cast.officer_a).get(f"{API}/{hazard.pk}").json()["reporter_phone"] == "13912345678"
    assert api_client(cast.auditor).get(f"{API}/{hazard.pk}").json()["reporter_phone"] == "139****5678"
    # The hazard's page, its change history included, masks it the same way.
    for viewer, shown, hidden in ((cast.officer_a, "13912345678", None), (cast.auditor, "139****5678", "13912345678"),
                                  (cast.responder_a, "139****5678", "13912345678")):
        page = web_client(viewer).get(f"/hazards/{hazard.pk}/").content.decode()
        assert page.count(shown) >= 2, viewer  # the reporter line and the history's creation record
        assert hidden is None or hidden not in page, viewer


def test_the_public_form_is_rate_limited_and_refuses_a_disguised_script(cast, settings, client):
    settings.YINGJI_PUBLIC_RATE_PER_MINUTE = 2
    bad = {"community": "440304001001", "category": "other", "title": "x",
           "photos": [SimpleUploadedFile("a.png", b"<?php echo 1; ?>", content_type="image/png")]}
    refused = client.post("/hazards/report/", bad, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "not a photo" in refused.content.decode()
    assert not Hazard.objects.exists()
    client.post("/hazards/report/", {"community": "440304001001", "category": "other", "title": "y"})
    assert client.post("/hazards/report/", {"community": "440304001001", "category": "other",
                                            "title": "z"}).status_code == 429
    assert Hazard.objects.count() == 1


def test_a_report_lands_where_the_point_lies_when_the_reporter_may_report_there(cast):
    in_grid = report(api_client(cast.officer_a), lon=114.01, lat=22.51)
    assert Hazard.objects.get(pk=in_grid.json()["id"]).jurisdiction == cast.grid_a1
    in_b = report(api_client(cast.officer_a), lon=114.01, lat=22.55)  # community B: not officer A's
    assert Hazard.objects.get(pk=in_b.json()["id"]).jurisdiction == cast.community_a
    worker = report(api_client(cast.grid_worker_a), lon=114.06, lat=22.53)  # community C: their own grid
    assert Hazard.objects.get(pk=worker.json()["id"]).jurisdiction == cast.grid_a1


def test_the_public_point_puts_the_report_in_its_grid_of_the_chosen_community(cast, client):
    client.post("/hazards/report/", {"community": "440304001001", "category": "other", "title": "井盖缺失",
                                     "lon": "114.01", "lat": "22.51"})
    client.post("/hazards/report/", {"community": "440304001001", "category": "other", "title": "树枝断裂",
                                     "lon": "114.06", "lat": "22.53"})  # a point in C: stays with A
    assert Hazard.objects.get(title="井盖缺失").jurisdiction == cast.grid_a1
    assert Hazard.objects.get(title="树枝断裂").jurisdiction == cast.community_a


def test_the_public_form_checks_the_phone_by_the_one_rule(cast, client):
    form = {"community": "440304001001", "category": "ebike_charging", "title": "楼道里给电动车充电"}
    for bad in ("12345", "abc-123", "1380013800"):
        answer = client.post("/hazards/report/", {**form, "reporter_phone": bad})
        assert answer.status_code == 200 and "reporter_phone" in answer.context["form"].errors, bad
    assert not Hazard.objects.exists()
    # A landline with its area code is a phone too (the form's own pattern took mobiles only).
    assert client.post("/hazards/report/", {**form, "reporter_phone": "0755-82828282"}).status_code == 302
    assert Hazard.objects.get().reporter_phone == "0755-82828282"
