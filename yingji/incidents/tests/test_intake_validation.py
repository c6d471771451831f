"""Issue 13: an intake's reporter phone is checked by core.validators like every other phone."""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client
from yingji.incidents.models import Incident
from yingji.incidents.tests.builders import A_POINT

pytestmark = pytest.mark.django_db


def _intake(cast, phone):  # type: ignore[no-untyped-def]
    body = {"type_code": "21100", "channel": "phone", "lon": A_POINT[0], "lat": A_POINT[1], "address": "A社区1栋",
            "reporter_phone": phone}
    return api_client(cast.commander).post("/api/v1/incidents/", json.dumps(body), content_type="application/json")


def test_a_reporter_phone_of_letters_is_refused_in_chinese(cast) -> None:  # type: ignore[no-untyped-def]
    answer = _intake(cast, "abc-123")
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "reporter_phone",
                                        "message": "电话号码只能包含数字和短横线，如 13800138000 或 0755-83000000。"}]
    assert not Incident.objects.exists()


def test_a_landline_with_its_area_code_is_kept(cast) -> None:  # type: ignore[no-untyped-def]
    assert _intake(cast, "0755 83001234").status_code == 201
    assert Incident.objects.get().reporter_phone == "0755-83001234"
