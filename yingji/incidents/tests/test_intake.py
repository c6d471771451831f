"""Intake from every channel, places, idempotency and duplicates."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yingji.incidents import catalogue
from yingji.incidents.models import Channel, EventKind, Incident
from yingji.incidents.services.intake import merge_incident, report_incident
from yingji.incidents.tests.builders import A_POINT, B_POINT, fire_in_a, make_station

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("channel", [c for c in Channel.values if c != Channel.PUBLIC])
def test_it_records_an_incident_from_every_channel(cast, channel):
    incident, created = report_incident(actor=cast.street_officer, type_code="91200", channel=channel,
                                        lon=A_POINT[0], lat=A_POINT[1])
    assert created and incident.channel == channel
    assert incident.jurisdiction == cast.grid_a1  # the deepest boundary containing the point
    assert list(incident.events.values_list("kind", flat=True)) == [EventKind.REPORTED]


def test_it_records_the_public_form_without_an_account(cast):
    incident, created = report_incident(actor=None, type_code="91600", channel="public", lon=B_POINT[0],
                                        lat=B_POINT[1], reporter_phone="13900000000")
    assert created and incident.jurisdiction == cast.grid_b1 and incident.reported_by is None


def test_it_refuses_to_report_without_an_account_from_another_channel(cast):
    with pytest.raises(ValidationError):
        report_incident(actor=None, type_code="91600", channel="119", lon=B_POINT[0], lat=B_POINT[1])


def test_it_finds_the_place_of_an_address_in_the_gazetteer(cast):
    make_station(cast.community_b, "ST-X", "梅林一村服务站", 114.03, 22.57)
    incident, _ = report_incident(actor=cast.street_officer, type_code="91100", channel="phone",
                                  address="梅林一村服务站")
    assert (incident.lon, incident.lat) == (114.03, 22.57) and incident.jurisdiction == cast.community_b
    by_community, _ = report_incident(actor=cast.street_officer, type_code="91100", channel="phone",
                                      address="B社区5栋")
    assert by_community.jurisdiction.path.startswith(cast.community_b.path)


def test_it_says_so_when_no_place_matches(cast):
    with pytest.raises(ValidationError) as info:
        report_incident(actor=cast.street_officer, type_code="91100", channel="phone", address="火星基地")
    assert "address" in info.value.message_dict


def test_it_refuses_a_point_outside_every_jurisdiction(cast):
    with pytest.raises(ValidationError) as info:
        report_incident(actor=cast.commander, type_code="91100", channel="phone", lon=120.0, lat=30.0)
    assert "lon" in info.value.message_dict


def test_a_grid_worker_reports_in_their_grid_but_not_elsewhere(cast):
    assert fire_in_a(cast, actor=cast.grid_worker_a, channel="grid").jurisdiction == cast.grid_a1
    with pytest.raises(PermissionDenied):
        report_incident(actor=cast.grid_worker_a, type_code="21100", channel="grid", lon=B_POINT[0], lat=B_POINT[1])


def test_an_officer_cannot_report_into_another_community(cast):
    with pytest.raises(PermissionDenied):
        report_incident(actor=cast.officer_b, type_code="21100", channel="phone", lon=A_POINT[0], lat=A_POINT[1])


def test_the_same_call_pushed_twice_is_one_incident(cast):
    first, created = report_incident(actor=cast.commander, type_code="21100", channel="119", lon=A_POINT[0],
                                     lat=A_POINT[1], idempotency_key="119-20260101-0001")
    again, created_again = report_incident(actor=cast.commander, type_code="21100", channel="119", lon=A_POINT[0],
                                           lat=A_POINT[1], idempotency_key="119-20260101-0001")
    assert created and not created_again and again.pk == first.pk
    assert Incident.objects.count() == 1
    other_platform, created_other = report_incident(actor=cast.commander, type_code="21100", channel="110",
                                                    lon=A_POINT[0], lat=A_POINT[1],
                                                    idempotency_key="119-20260101-0001")
    assert created_other and other_platform.pk != first.pk


def test_it_flags_a_likely_duplicate_and_the_officer_merges_it(cast):
    first = fire_in_a(cast)
    second = fire_in_a(cast, lon=A_POINT[0] + 0.001, channel="110")
    far = fire_in_a(cast, lon=A_POINT[0] + 0.02)
    other_type = fire_in_a(cast, type_code="91100")
    assert second.possible_duplicate_of == first
    assert far.possible_duplicate_of is None and other_type.possible_duplicate_of is None
    merged = merge_incident(second, first, actor=cast.officer_a)
    assert merged.status == "cancelled" and merged.merged_into == first
    assert first.events.filter(kind=EventKind.MERGED).exists()
    with pytest.raises(ValidationError):
        merge_incident(second, first, actor=cast.officer_a)


def test_an_old_report_is_not_a_duplicate(cast):
    old = fire_in_a(cast, received_at=timezone.now() - datetime.timedelta(hours=2))
    assert fire_in_a(cast).possible_duplicate_of is None
    assert old.possible_duplicate_of is None


def test_it_refuses_unknown_types_and_channels(cast):
    with pytest.raises(ValidationError) as info:
        report_incident(actor=cast.officer_a, type_code="00000", channel="pigeon", lon=A_POINT[0], lat=A_POINT[1])
    assert set(info.value.message_dict) == {"type_code", "channel"}


def test_the_catalogue_has_the_four_national_categories_and_service_calls():
    assert {t.category for t in catalogue.TYPES} == {"1", "2", "3", "4", "9"}
    assert all(len(t.code) == 5 and t.code[0] == t.category for t in catalogue.TYPES)
    assert {"door_opening", "elevator_entrapment", "drainage", "fallen_tree", "water_delivery",
            "pest_removal"} <= {t.service for t in catalogue.TYPES}
