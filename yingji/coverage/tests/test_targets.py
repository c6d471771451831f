"""The "1+3+1" construction targets per street."""

from __future__ import annotations

import pytest

from yingji.coverage.services.targets import construction_targets
from yingji.coverage.tests.builders import make_station
from yingji.resources.models import StationKind

pytestmark = pytest.mark.django_db


def build(cast):  # type: ignore[no-untyped-def]
    make_station(cast.community_a, "S1-C", StationKind.COMMUNITY, 114.01, 22.51)
    make_station(cast.community_a, "S1-P1", StationKind.INDUSTRIAL_PARK, 114.01, 22.52)
    make_station(cast.grid_b1, "S1-P2", StationKind.INDUSTRIAL_PARK, 114.01, 22.55)
    make_station(cast.community_b, "S1-P3", StationKind.INDUSTRIAL_PARK, 114.01, 22.56, is_active=False)
    make_station(cast.community_b, "S1-F", StationKind.STREET_FRONT, 114.01, 22.57)
    make_station(cast.community_c, "S2-M", StationKind.MALL, 114.06, 22.55)


def test_it_counts_in_service_stations_per_street_and_says_what_is_missing(cast):
    build(cast)
    rows = {r.street.code: r for r in construction_targets(cast.commander)}
    s1, s2 = rows["440304001000"], rows["440304002000"]
    assert s1.have == {"community": 1, "industrial_park": 2, "street_front": 1}
    assert s1.missing == {"community": 0, "industrial_park": 1, "street_front": 0} and not s1.met
    assert s2.missing == {"community": 1, "industrial_park": 3, "street_front": 1}


def test_a_street_with_all_five_meets_the_rule(cast):
    build(cast)
    make_station(cast.community_b, "S1-P4", StationKind.INDUSTRIAL_PARK, 114.02, 22.56)
    [s1] = [r for r in construction_targets(cast.street_officer)]
    assert s1.met and s1.street == cast.street_1


def test_community_staff_see_no_street_rows(cast):
    build(cast)
    assert construction_targets(cast.officer_a) == []
