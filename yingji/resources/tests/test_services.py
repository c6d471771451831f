"""The rules every write of the registry obeys, whoever calls (form, API, import)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from yingji.core.testing import web_client
from yingji.resources import services
from yingji.resources.models import FacilityKind, Member, Station, TeamKind, TeamRole
from yingji.resources.tests import builders as b


@pytest.fixture(autouse=True)
def _in_english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def errors_of(call, *args, **kwargs) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


def station_fields(**extra):  # type: ignore[no-untyped-def]
    return {"code": "ST-1", "name": "服务站", "kind": "community", "lon": 114.02, "lat": 22.52, **extra}


def test_a_station_must_lie_inside_its_jurisdiction(cast):
    errors = errors_of(services.create_station, actor=cast.officer_a, jurisdiction=cast.community_a,
                       **station_fields(lat=22.57))
    assert "lies outside A社区" in errors["lon"][0]
    services.create_station(actor=cast.officer_a, jurisdiction=cast.community_a, **station_fields())


def test_a_station_not_open_around_the_clock_gives_its_hours(cast):
    errors = errors_of(services.create_station, actor=cast.officer_a, jurisdiction=cast.community_a,
                       **station_fields(open_24h=False))
    assert list(errors) == ["hours"]


def test_unknown_services_and_duplicate_codes_are_refused_together(cast):
    b.make_station(cast.community_a, code="ST-1")
    errors = errors_of(services.create_station, actor=cast.officer_a, jurisdiction=cast.community_a,
                       **station_fields(services=["rescue", "karaoke"]))
    assert "karaoke" in errors["services"][0]
    assert errors["code"]


def test_an_officer_cannot_move_a_station_to_the_neighbouring_community(cast):
    station = b.make_station(cast.community_a)
    with pytest.raises(PermissionDenied):
        services.update_station(station, actor=cast.officer_a, jurisdiction=cast.community_b,
                                lon=114.02, lat=22.56)
    assert Station.objects.get(pk=station.pk).jurisdiction == cast.community_a


def test_a_station_team_needs_a_home_station_in_its_area(cast):
    errors = errors_of(services.create_team, actor=cast.officer_a, jurisdiction=cast.community_a, code="T1",
                       name="队", kind=TeamKind.STATION_TEAM)
    assert list(errors) == ["station"]
    elsewhere = b.make_station(cast.community_c)
    errors = errors_of(services.create_team, actor=cast.street_officer, jurisdiction=cast.community_a, code="T1",
                       name="队", kind=TeamKind.STATION_TEAM, station=elsewhere)
    assert "lies outside" in errors["station"][0]


def test_a_team_takes_its_jurisdiction_from_its_station(cast):
    station = b.make_station(cast.community_a)
    team = services.create_team(actor=cast.officer_a, station=station, code="T1", name="队",
                                kind=TeamKind.STATION_TEAM)
    assert team.jurisdiction == cast.community_a


def test_a_team_with_members_cannot_be_deleted(cast):
    team = b.make_team(cast.community_a)
    b.make_member(team)
    with pytest.raises(ValidationError, match="still has members"):
        services.delete_team(team, actor=cast.officer_a)


def test_id_numbers_are_checked(cast):
    team = b.make_team(cast.community_a)
    errors = errors_of(services.create_member, actor=cast.officer_a, team=team, name="甲",
                       id_number="440304199001011234")
    assert list(errors) == ["id_number"]
    member = services.create_member(actor=cast.officer_a, team=team, name="甲", id_number="11010519491231002x")
    assert member.id_number == "11010519491231002X"


def test_a_team_has_one_captain(cast):
    team = b.make_team(cast.community_a)
    b.make_member(team, name="老队长", team_role=TeamRole.CAPTAIN)
    errors = errors_of(services.create_member, actor=cast.officer_a, team=team, name="新队长",
                       team_role=TeamRole.CAPTAIN)
    assert errors == {"team_role": [f"{team.name} already has a captain: 老队长."]}


def test_a_member_is_linked_only_to_an_account_in_the_area(cast):
    team = b.make_team(cast.community_a)
    member = services.create_member(actor=cast.officer_a, team=team, name="甲", user=cast.responder_a)
    assert member.user == cast.responder_a
    errors = errors_of(services.update_member, member, actor=cast.officer_a, user=cast.officer_c)
    assert list(errors) == ["user"]


def test_only_shelters_have_capacity_and_supplies(cast):
    errors = errors_of(services.create_facility, actor=cast.officer_a, jurisdiction=cast.community_a, code="F1",
                       name="消火栓", kind=FacilityKind.HYDRANT, lon=114.02, lat=22.52, capacity=100)
    assert list(errors) == ["capacity"]
    errors = errors_of(services.create_facility, actor=cast.officer_a, jurisdiction=cast.community_a, code="F1",
                       name="避难所", kind=FacilityKind.SHELTER, lon=114.02, lat=22.52)
    assert list(errors) == ["capacity"]


def test_equipment_takes_its_jurisdiction_from_its_station_and_keeps_dates_in_order(cast):
    station = b.make_station(cast.community_a)
    item = services.create_equipment(actor=cast.officer_a, station=station, code="E1", name="车",
                                     kind="patrol_vehicle")
    assert item.jurisdiction == cast.community_a
    errors = errors_of(services.update_equipment, item, actor=cast.officer_a,
                       last_maintained_on="2026-05-01", next_maintenance_on="2026-04-01")
    assert list(errors) == ["next_maintenance_on"]


def test_read_only_roles_cannot_create(cast):
    with pytest.raises(PermissionDenied):
        services.create_expert(actor=cast.auditor, jurisdiction=cast.community_a, code="X", name="专家",
                               field="fire")


def test_the_import_of_members_keeps_certificates_in_step(cast):
    from yingji.resources.imports import MemberTable

    team = b.make_team(cast.community_a, code="TM-A")
    table = MemberTable(cast.officer_a)
    csv = ("Team code,Name,ID number,Certificates (type:expiry)\n"
           f"TM-A,甲,{b.VALID_ID_NUMBERS[0]},First aid:2027-01-01、CPR/AED\n")
    assert table.import_file(csv.encode(), "m.csv").created == 1
    member = Member.objects.get(team=team)
    assert sorted(member.certificates.values_list("kind", flat=True)) == ["cpr_aed", "first_aid"]
    renamed = csv.replace(",甲,", ",甲二,").replace("、CPR/AED", "")
    result = MemberTable(cast.officer_a).import_file(renamed.encode(), "m.csv")
    assert (result.created, result.updated) == (0, 1)
    member.refresh_from_db()
    assert member.name == "甲二"
    assert list(member.certificates.values_list("kind", flat=True)) == ["first_aid"]


def test_an_import_of_another_communitys_rows_is_refused(cast):
    from yingji.resources.imports import StationTable

    b.make_station(cast.community_a, code="ST-A")
    csv = (f"Station code,Station name,Jurisdiction code,Station type,Longitude,Latitude\n"
           f"ST-A,改名,{cast.community_b.code},community,114.02,22.56\n")
    result = StationTable(cast.officer_b).import_file(csv.encode(), "s.csv")
    assert not result.ok
    assert result.errors[0].row == 2
    assert Station.objects.get(code="ST-A").name != "改名"


def test_re_importing_an_unchanged_row_of_another_community_is_refused_not_skipped(cast):
    from yingji.resources.imports import StationTable

    station = b.make_station(cast.community_a, code="ST-A")
    exported = StationTable(cast.officer_a).to_xlsx([station])
    result = StationTable(cast.officer_b).import_file(exported, "s.xlsx")
    assert not result.ok and result.unchanged == 0


def test_the_web_form_reports_service_errors_on_the_fields(cast):
    web = web_client(cast.officer_a, language="en")
    response = web.post("/resources/stations/new/", {
        "jurisdiction": cast.community_a.pk, "code": "ST-9", "name": "站", "kind": "community",
        "lon": "114.02", "lat": "22.59", "open_24h": "on", "is_active": "on"})
    assert response.status_code == 200
    assert "lies outside" in response.content.decode()
    assert not Station.objects.filter(code="ST-9").exists()
    ok = web.post("/resources/stations/new/", {
        "jurisdiction": cast.community_a.pk, "code": "ST-9", "name": "站", "kind": "community",
        "lon": "114.02", "lat": "22.52", "open_24h": "on", "is_active": "on", "services": ["rescue"]})
    assert ok.status_code == 302
    assert Station.objects.get(code="ST-9").services == ["rescue"]


def test_a_patch_cannot_take_the_jurisdiction_away(cast):
    from yingji.core.testing import api_client

    station = b.make_station(cast.community_a)
    response = api_client(cast.officer_a).patch(f"/api/v1/resources/stations/{station.pk}",
                                                {"jurisdiction_code": None}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "jurisdiction_code"
