"""The station staffing standard: captain, vice captain, communicator, safety
officer, 10–30 members and at least 2 vehicles, on constructed stations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from yingji.core.testing import api_client, web_client
from yingji.resources import rules
from yingji.resources.models import EquipmentKind, EquipmentStatus, Station, StationKind, TeamRole
from yingji.resources.tests import builders as b


@pytest.fixture(autouse=True)
def _in_english():  # type: ignore[no-untyped-def]
    # The reasons are read as English sentences here; the UI shows them in the user's language.
    with translation.override("en"):
        yield


def problems(station: Station) -> list[str]:
    return rules.station_check(station).problems


def test_it_accepts_a_fully_staffed_station(cast):
    station = b.staffed_station(cast.community_a, members=12, vehicles=2)
    check = rules.station_check(station)
    assert check.ok
    assert (check.members, check.vehicles, check.teams) == (12, 2, 1)


def test_it_names_each_missing_role(cast):
    station = b.staffed_station(cast.community_a, roles=(TeamRole.CAPTAIN, TeamRole.VICE_CAPTAIN))
    assert problems(station) == ["no communicator", "no safety officer"]


def test_it_wants_between_10_and_30_members(cast):
    assert problems(b.staffed_station(cast.community_a, members=9)) == ["9 members, fewer than 10"]
    assert problems(b.staffed_station(cast.community_a, members=10)) == []
    assert problems(b.staffed_station(cast.community_a, members=30)) == []
    assert problems(b.staffed_station(cast.community_a, members=31)) == ["31 members, more than 30"]


def test_it_counts_only_vehicles_in_service(cast):
    station = b.staffed_station(cast.community_a, vehicles=1)
    assert problems(station) == ["1 vehicle in service, fewer than 2"]
    broken = b.make_equipment(cast.community_a, station, status=EquipmentStatus.MAINTENANCE)
    b.make_equipment(cast.community_a, station, kind=EquipmentKind.FIRE_PUMP, count=5)
    assert problems(station) == ["1 vehicle in service, fewer than 2"]
    broken.status = EquipmentStatus.IN_SERVICE
    broken.save()
    assert problems(station) == []


def test_a_row_of_two_vehicles_counts_twice(cast):
    station = b.staffed_station(cast.community_a, vehicles=0)
    b.make_equipment(cast.community_a, station, kind=EquipmentKind.ELECTRIC_BIKE, count=2)
    assert problems(station) == []


def test_a_station_without_a_station_team_falls_short(cast):
    station = b.make_station(cast.community_a)
    b.make_member(b.make_team(cast.community_a, station, kind="volunteer"))
    assert problems(station) == ["no station team", "0 vehicles in service, fewer than 2"]


def test_micro_fire_stations_follow_their_lighter_standard(cast):
    station = b.staffed_station(cast.community_a, members=6, vehicles=1, kind=StationKind.MICRO_FIRE,
                                roles=(TeamRole.CAPTAIN, TeamRole.SAFETY_OFFICER))
    assert problems(station) == []


def test_closed_stations_are_not_checked(cast):
    b.make_station(cast.community_a, is_active=False)
    assert rules.staffing_checks(Station.objects.all()) == []


def test_checking_many_stations_takes_a_fixed_number_of_queries(cast):
    b.staffed_station(cast.community_a)
    with CaptureQueriesContext(connection) as one:
        rules.staffing_checks(Station.objects.all())
    for _ in range(5):
        b.staffed_station(cast.community_b, members=3)
    with CaptureQueriesContext(connection) as six:
        checks = rules.staffing_checks(Station.objects.all())
    assert len(checks) == 6
    assert len(six) == len(one)


def test_the_compliance_page_lists_stations_that_fall_short_and_why(cast):
    good = b.staffed_station(cast.community_a, name="达标服务站")
    short = b.staffed_station(cast.community_a, members=5, name="缺员服务站")
    page = web_client(cast.commander, language="en").get("/resources/compliance/").content.decode()
    assert short.name in page
    assert "5 members, fewer than 10" in page
    assert good.name not in page


def test_the_compliance_page_and_api_are_scoped(cast):
    short = b.staffed_station(cast.community_a, members=5, name="缺员服务站")
    assert short.name not in web_client(cast.officer_b).get("/resources/compliance/").content.decode()
    assert api_client(cast.officer_b).get("/api/v1/resources/compliance").json() == []
    rows = api_client(cast.officer_a, language="en").get("/api/v1/resources/compliance").json()
    assert [(r["station_code"], r["problems"]) for r in rows] == [(short.code, ["5 members, fewer than 10"])]


def test_the_station_page_and_api_show_the_verdict(cast):
    station = b.staffed_station(cast.community_a, vehicles=1)
    page = web_client(cast.officer_a, language="en").get(f"/resources/stations/{station.pk}/").content.decode()
    assert "Falls short of the staffing standard" in page
    assert "1 vehicle in service, fewer than 2" in page
    body = api_client(cast.officer_a).get(f"/api/v1/resources/stations/{station.pk}/staffing").json()
    assert body["ok"] is False and body["vehicles"] == 1
    assert api_client(cast.officer_b).get(f"/api/v1/resources/stations/{station.pk}/staffing").status_code == 404
