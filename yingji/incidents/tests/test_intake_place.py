"""Issue 11: a call whose place cannot be used keeps everything typed and asks for a map pick."""

from __future__ import annotations

import pytest

from yingji.core.testing import web_client
from yingji.incidents.models import Incident
from yingji.incidents.tests.builders import C_POINT, world

pytestmark = pytest.mark.django_db

CALL = {"type_code": "21100", "severity": "iv", "channel": "119", "reporter_name": "王先生",
        "description": "三楼冒烟，有人被困"}


def test_an_unknown_address_keeps_the_call_and_asks_for_a_map_pick(cast):
    world(cast)
    response = web_client(cast.officer_a).post("/incidents/new/", {**CALL, "address": "火星基地七号楼"})
    page = response.content.decode()
    assert response.status_code == 422 and not Incident.objects.exists()
    assert "火星基地七号楼" in page and "三楼冒烟，有人被困" in page and "王先生" in page  # nothing typed is lost
    assert "请在地图上选点" in page or "在地图上" in page


def test_a_place_outside_the_officer_s_jurisdiction_is_a_form_error_not_a_bare_403(cast):
    world(cast)
    response = web_client(cast.officer_a).post("/incidents/new/", {**CALL, "address": "C站",
                                                                   "lon": C_POINT[0], "lat": C_POINT[1]})
    page = response.content.decode()
    assert response.status_code == 422 and not Incident.objects.exists()
    assert "超出您的辖区" in page and "三楼冒烟，有人被困" in page and 'value="C站"' in page
