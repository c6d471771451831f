"""The registry's demo step on the small district: proportions, places, people."""

from __future__ import annotations

import io
import time

import pytest
from shapely.geometry import Point, shape

from yingji.accounts.demo import generate_accounts
from yingji.core.demo import DemoContext
from yingji.jurisdictions.demo import generate_jurisdictions
from yingji.resources import rules
from yingji.resources.demo import generate_resources
from yingji.resources.models import (
    Equipment,
    Expert,
    ExpertField,
    Facility,
    FacilityKind,
    Member,
    Station,
    StationKind,
    Team,
    TeamKind,
)
from yingji.resources.services import id_number_is_valid


@pytest.fixture
def demo(db) -> tuple[DemoContext, float]:  # type: ignore[no-untyped-def]
    context = DemoContext(scale="small", seed=7, out=io.StringIO())
    generate_jurisdictions(context)
    generate_accounts(context)
    started = time.perf_counter()
    generate_resources(context)
    return context, time.perf_counter() - started


def test_it_builds_futian_proportions_quickly(demo):
    context, seconds = demo
    assert seconds < 10
    assert Team.objects.count() == round(642 * 12 / 92)
    assert Member.objects.count() == round(8_400 * 12 / 92)
    assert set(Team.objects.values_list("kind", flat=True)) == set(TeamKind.values)
    assert set(Expert.objects.values_list("field", flat=True)) == set(ExpertField.values)
    assert set(Facility.objects.values_list("kind", flat=True)) >= {FacilityKind.SHELTER, FacilityKind.HYDRANT,
                                                                     FacilityKind.AED}
    kinds = set(Station.objects.values_list("kind", flat=True))
    assert {StationKind.STREET_CENTRE, StationKind.COMMUNITY, StationKind.MICRO_FIRE, StationKind.MALL} <= kinds
    assert Equipment.objects.exists()
    assert context.extra["stations"] and context.extra["teams"]


def test_every_station_and_facility_lies_inside_its_jurisdiction(demo):
    for model in (Station, Facility):
        for row in model.objects.select_related("jurisdiction"):
            area = shape(row.jurisdiction.boundary)
            assert area.buffer(1e-6).contains(Point(row.lon, row.lat)), row


def test_people_are_plausible_and_a_few_stations_fall_short(demo):
    assert all(id_number_is_valid(n) for n in Member.objects.values_list("id_number", flat=True)[:500])
    checks = rules.staffing_checks(Station.objects.all())
    failing = [c for c in checks if not c.ok]
    assert 0 < len(failing) < len(checks) / 3


def test_the_demo_responder_receives_call_outs_as_a_member(demo):
    context, _seconds = demo
    responder = context.users["responder"]
    member = Member.objects.select_related("team").get(user=responder)
    assert member.team.jurisdiction == context.communities[0]
    assert member.team.kind == TeamKind.STATION_TEAM
    assert len(context.extra["responders"]) > 1
    for username in context.extra["responders"][1:]:
        assert Member.objects.filter(user__username=username, team_role="captain").exists()
