"""The warnings API: compose, steps, CAP in and out, preview; outsiders get 404; bad input 422 in the one shape."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yingji.core.testing import api_client
from yingji.warnings import cap, services
from yingji.warnings.models import EarlyWarning, State
from yingji.warnings.tests.builders import RING_IN_A, draft

pytestmark = pytest.mark.django_db


def payload(cast, **changes):  # type: ignore[no-untyped-def]
    now = timezone.now()
    data = {"jurisdiction": cast.community_a.code, "level": "blue", "hazard": "gale", "headline": "A社区大风蓝色预警",
            "instruction": "收好阳台物品。", "expires": (now + datetime.timedelta(hours=4)).isoformat(),
            "areas": [{"kind": "polygon", "ring": RING_IN_A}], "target_groups": ["grid_workers"], "channels": ["in_app"]}
    data.update(changes)
    return data


def test_it_composes_previews_releases_and_exports_through_the_api(cast):
    client = api_client(cast.officer_a)
    created = client.post("/api/v1/warnings/", payload(cast), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "draft" and body["infos"][0]["event"] == "大风" and "release" in body["steps"]
    pk = body["id"]
    assert client.get(f"/api/v1/warnings/{pk}/preview").json()["by_channel"] == {"in_app": 1}
    released = client.post(f"/api/v1/warnings/{pk}/steps/release", {}, content_type="application/json")
    assert released.status_code == 200 and released.json()["state"] == "released"
    cap.validate(client.get(f"/api/v1/warnings/{pk}/cap").content)
    assert [w["id"] for w in client.get("/api/v1/warnings/", {"state": "released"}).json()["items"]] == [pk]


def test_bad_input_answers_422_in_the_one_error_shape_and_writes_nothing(cast):
    client = api_client(cast.officer_a)
    for change in ({"level": "purple"}, {"areas": []}, {"areas": [{"kind": "polygon", "ring": [[1, 2]]}]},
                   {"channels": ["fax"]}, {"expires": "2001-01-01T00:00:00+08:00"}, {"headline": ""}):
        response = client.post("/api/v1/warnings/", payload(cast, **change), content_type="application/json")
        assert response.status_code == 422, (change, response.content)
        assert {"detail", "code", "errors"} <= set(response.json())
    assert not EarlyWarning.objects.exists()


def test_another_community_gets_404_and_a_viewer_403(cast):
    warning = draft(cast, jurisdiction=cast.community_a, actor=cast.officer_a,
                    areas=[services.AreaInput(kind="jurisdiction", jurisdiction=cast.grid_a1.code)])
    outsider = api_client(cast.officer_b)
    for url in (f"/api/v1/warnings/{warning.pk}", f"/api/v1/warnings/{warning.pk}/cap",
                f"/api/v1/warnings/{warning.pk}/preview"):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/api/v1/warnings/{warning.pk}/steps/release", {},
                         content_type="application/json").status_code == 404
    assert outsider.post("/api/v1/warnings/", payload(cast), content_type="application/json").status_code == 404
    assert api_client(cast.officer_b).get("/api/v1/warnings/").json()["count"] == 0
    viewer = api_client(cast.responder_a)
    assert viewer.post(f"/api/v1/warnings/{warning.pk}/steps/release", {},
                       content_type="application/json").status_code == 403
    warning.refresh_from_db()
    assert warning.state == State.DRAFT


def test_cap_import_through_the_api(cast):
    xml = services.export_xml(draft(cast))
    EarlyWarning.objects.all().delete()
    client = api_client(cast.commander)
    bad = client.post(f"/api/v1/warnings/import?jurisdiction={cast.district.code}",
                      {"file": SimpleUploadedFile("w.xml", xml.replace(b"<scope>Public</scope>", b""))})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("CAP")
    first = client.post(f"/api/v1/warnings/import?jurisdiction={cast.district.code}", {"file": SimpleUploadedFile("w.xml", xml)})
    again = client.post(f"/api/v1/warnings/import?jurisdiction={cast.district.code}", {"file": SimpleUploadedFile("w.xml", xml)})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
