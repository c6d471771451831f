"""Issue 11: typed Chinese addresses match roads and crossings of the road network in use."""

from __future__ import annotations

import numpy as np
import pytest

from yingji.core import travel
from yingji.coverage.services.networks import install_file
from yingji.resources import gazetteer as module
from yingji.resources.gazetteer import SYSTEM, gazetteer
from yingji.routing.demo import FUTIAN_NPZ

pytestmark = pytest.mark.django_db


@pytest.fixture
def roads(settings, tmp_path, cast):  # type: ignore[no-untyped-def]
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "roads.npz")
    install_file(FUTIAN_NPZ, settings.YINGJI_ROAD_NETWORK)
    module._roads_index = None
    return travel.engine()


def _gap(engine, place) -> float:  # type: ignore[no-untyped-def]
    return float(engine.prepare(np.array([[place.lon, place.lat]])).distance_m[0])


def test_a_road_name_finds_the_road_and_its_kind_may_differ(roads):
    [road] = gazetteer("深南大道", user=SYSTEM)
    assert (road.label, road.kind, road.approximate) == ("深南大道", "road", False)
    assert _gap(roads, road) < 20
    [by_stem] = gazetteer("深南路", user=SYSTEM)  # 路/街/大道 are told apart by nobody on the phone
    assert by_stem.label == "深南大道" and by_stem.approximate


def test_a_crossing_is_where_the_two_roads_meet(roads):
    [crossing] = gazetteer("深南大道与华富路交叉口", user=SYSTEM)
    assert crossing.kind == "crossing" and crossing.label == "华富路与深南大道交叉口"
    assert _gap(roads, crossing) < 5
    assert gazetteer("华富路和深南大道路口", user=SYSTEM)[0].label == crossing.label


def test_a_house_number_the_data_lacks_still_finds_the_road_flagged_approximate_near_the_named_place(roads, cast):
    [road] = gazetteer("深圳市福田区深南大道1001号", user=SYSTEM)  # city and district prefixes the data does not hold
    assert road.label == "深南大道" and road.approximate
    near_a = gazetteer(f"{cast.community_a.name}深南大道88号", user=SYSTEM)
    near_c = gazetteer(f"{cast.community_c.name}深南大道88号", user=SYSTEM)
    assert near_a[0].label == near_c[0].label == "深南大道"

    def distance(place, community):  # type: ignore[no-untyped-def]
        return (place.lon - community.centroid_lon) ** 2 + (place.lat - community.centroid_lat) ** 2

    assert distance(near_a[0], cast.community_a) <= distance(near_c[0], cast.community_a)
    assert distance(near_c[0], cast.community_c) <= distance(near_a[0], cast.community_c)


def test_an_unknown_place_finds_nothing_and_the_api_says_approximate(roads, cast):
    from yingji.core.testing import api_client

    assert gazetteer("火星基地七号楼", user=SYSTEM) == []
    body = api_client(cast.officer_a).get("/api/v1/incidents/places?q=深南路").json()
    assert body[0]["label"] == "深南大道" and body[0]["approximate"] is True


def test_a_facility_is_a_place_by_its_name(cast):
    from yingji.resources.models import Facility

    Facility.objects.bulk_create([Facility(jurisdiction=cast.community_a, code="FA1", name="A社区应急避难场所1",
                                           kind="shelter", lon=114.02, lat=22.51)])
    [place] = gazetteer("A社区应急避难场所1", user=SYSTEM)
    assert (place.kind, place.lon, place.lat) == ("facility", 114.02, 22.51)
    assert gazetteer("福田区A社区应急避难场所1东门", user=SYSTEM)[0].label == "A社区应急避难场所1"
