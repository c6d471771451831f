"""Lookups and related objects obey the scope rule: out of sight is "does not exist" (issue 12).

The gazetteer lists only the stations, facilities and jurisdictions the caller may
see; calling out a team out of the caller's sight answers 404 without its name,
like an id that does not exist.
"""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client
from yingji.incidents.models import Dispatch
from yingji.incidents.tests.builders import fire_in_a, make_station, world

pytestmark = pytest.mark.django_db
BASE = "/api/v1/incidents/"


def test_the_places_search_lists_only_the_callers_stations(cast):
    make_station(cast.community_a, "ST-A9", "梅林服务站甲", 114.021, 22.511)
    make_station(cast.community_c, "ST-C9", "梅林服务站丙", 114.07, 22.53)
    mine = {p["label"] for p in api_client(cast.officer_a).get(BASE + "places?q=梅林服务站").json()}
    assert mine == {"梅林服务站甲"}
    everything = {p["label"] for p in api_client(cast.commander).get(BASE + "places?q=梅林服务站").json()}
    assert everything == {"梅林服务站甲", "梅林服务站丙"}
    # Nor is a station of the other community found inside a longer address.
    assert api_client(cast.officer_a).get(BASE + "places?q=梅林服务站丙东门").json() == []


def test_calling_out_a_team_out_of_sight_answers_404_without_its_name(cast):
    other = world(cast)["teams"]["c1"]
    incident = fire_in_a(cast)
    officer = api_client(cast.officer_a)
    for url in (f"{BASE}{incident.pk}/activate", f"{BASE}{incident.pk}/teams"):
        body = {"team_ids": [other.pk]} if url.endswith("activate") else {"team_id": other.pk}
        answer = officer.post(url, json.dumps(body), content_type="application/json")
        assert answer.status_code == 404, (url, answer.content)
        assert other.name not in answer.content.decode() and answer.json()["code"] == "not_found"
        # An id that does not exist answers the same.
        body = {"team_ids": [10**9]} if url.endswith("activate") else {"team_id": 10**9}
        assert officer.post(url, json.dumps(body), content_type="application/json").status_code == 404
    assert not Dispatch.objects.exists()
