"""The way to the scene on the responder's phone: GET /api/v1/incidents/dispatches/{id}/route."""

from __future__ import annotations

import math
from functools import cache

import pytest

from yingji.core import travel
from yingji.core.testing import api_client, make_user
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.tests.builders import A_POINT, fire_in_a, world
from yingji.resources.models import Team
from yingji.routing import Network, TravelTimeEngine, synthetic_city
from yingji.routing.geo import haversine_m

pytestmark = pytest.mark.django_db
BASE = "/api/v1/incidents/dispatches/"


@cache
def roads() -> Network:
    """A street grid over the cast's three communities."""
    return synthetic_city(2_500, seed=3, bbox=(113.995, 22.495, 114.095, 22.585))


@pytest.fixture
def with_roads():  # type: ignore[no-untyped-def]
    engine = TravelTimeEngine(roads())
    travel.use_engine(engine)
    yield engine
    travel.use_engine(None)


def a1_called(cast):  # type: ignore[no-untyped-def]
    """Team A1 (whose member is the cast's responder) called to a fire in A; the team stands by at its station."""
    w = world(cast)
    Team.objects.filter(pk=w["teams"]["a1"].pk).update(lon=None, lat=None)
    incident = fire_in_a(cast)
    [d] = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    return w, incident, d


def test_it_answers_the_road_path_from_the_station_to_the_incident(cast, with_roads):
    w, incident, d = a1_called(cast)
    station = w["stations"]["a"]
    response = api_client(cast.responder_a).get(f"{BASE}{d.pk}/route")
    assert response.status_code == 200
    feature = response.json()
    line = feature["geometry"]["coordinates"]
    assert feature["geometry"]["type"] == "LineString"
    assert line[0] == [station.lon, station.lat] and line[-1] == [incident.lon, incident.lat]
    ends = with_roads.prepare([(station.lon, station.lat), (incident.lon, incident.lat)])
    # Right after the station comes where it joins its road (the gap away); right before the
    # incident, where the incident joins its road.
    assert haversine_m(*line[0], *line[1]) == pytest.approx(ends.distance_m[0], rel=1e-3, abs=0.5)
    assert haversine_m(*line[-1], *line[-2]) == pytest.approx(ends.distance_m[1], rel=1e-3, abs=0.5)
    props = feature["properties"]
    assert props["estimated"] is False and props["origin"] == "team" and props["dispatch"] == d.pk
    expected = with_roads.travel_time((station.lon, station.lat), (incident.lon, incident.lat)).seconds
    assert props["seconds"] == pytest.approx(expected, abs=0.1)
    assert props["minutes"] == pytest.approx(expected / 60, abs=0.1) and props["metres"] > 0


def test_it_starts_at_the_phone_position_when_the_page_sends_it(cast, with_roads):
    _w, incident, d = a1_called(cast)
    here = (114.03, 22.52)
    feature = api_client(cast.responder_a).get(f"{BASE}{d.pk}/route", {"lon": here[0], "lat": here[1]}).json()
    assert feature["geometry"]["coordinates"][0] == list(here)
    assert feature["properties"]["origin"] == "position"
    bad = api_client(cast.responder_a).get(f"{BASE}{d.pk}/route", {"lon": 500, "lat": 22.5})
    assert bad.status_code == 422


def test_without_a_road_network_it_is_a_straight_line_marked_estimated(cast):
    w, incident, d = a1_called(cast)
    station = w["stations"]["a"]
    feature = api_client(cast.responder_a).get(f"{BASE}{d.pk}/route").json()
    assert feature["geometry"]["coordinates"] == [[station.lon, station.lat], [incident.lon, incident.lat]]
    props = feature["properties"]
    assert props["estimated"] is True and props["minutes"] > 0
    assert math.isclose(props["metres"], 1.4 * 157, rel_tol=0.05)  # 0.001° east and north of the incident


def test_only_the_team_and_those_who_see_the_incident_get_the_route(cast):
    w, _incident, d = a1_called(cast)
    url = f"{BASE}{d.pk}/route"
    assert api_client(cast.commander).get(url).status_code == 200
    assert api_client(cast.officer_a).get(url).status_code == 200
    assert api_client(make_user("responder_a2", "responder", cast.community_a)).get(url).status_code == 200
    assert api_client(cast.officer_b).get(url).status_code == 404  # the neighbouring community
    assert api_client(w["responder_c"]).get(url).status_code == 404  # the other street's responder
    assert api_client(cast.officer_a).get(f"{BASE}{d.pk + 999}/route").status_code == 404


def test_a_team_of_another_community_called_in_gets_its_route(cast):
    w = world(cast)
    incident = fire_in_a(cast, lon=A_POINT[0], lat=A_POINT[1])
    [d] = dispatching.activate(incident, actor=cast.commander, team_ids=[w["teams"]["c1"].pk])
    feature = api_client(w["responder_c"]).get(f"{BASE}{d.pk}/route").json()
    assert feature["geometry"]["coordinates"][0] == [114.07, 22.53]
