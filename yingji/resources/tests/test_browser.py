"""The registry in a real browser: station list with its map → a station → its
team → a member; the resources map with station and facility markers."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.resources.models import FacilityKind, Member, StationKind, TeamRole
from yingji.resources.tests import builders as b

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _registry(cast):  # type: ignore[no-untyped-def]
    good = b.staffed_station(cast.community_a, members=12, name="A社区应急管理服务站", lon=114.015, lat=22.515)
    b.staffed_station(cast.community_a, members=6, vehicles=1, name="A社区临街服务站", kind=StationKind.STREET_FRONT,
                      lon=114.035, lat=22.53)
    b.staffed_station(cast.community_b, name="B社区应急管理服务站", lon=114.02, lat=22.56)
    b.make_facility(cast.community_a, name="A社区避难场所", lon=114.025, lat=22.525)
    b.make_facility(cast.community_a, name="A社区消火栓", kind=FacilityKind.HYDRANT, capacity=None, area_m2=None,
                    supplies_on_site="", lon=114.03, lat=22.51)
    captain = Member.objects.get(team__station=good, team_role=TeamRole.CAPTAIN)
    captain.name = "陈队长"
    captain.save()
    b.make_certificate(captain, "first_aid", timezone.localdate() + datetime.timedelta(days=12))
    return good


def test_it_walks_from_the_station_list_to_a_member(cast, page_for, screenshot):
    station = _registry(cast)
    page = page_for(cast.officer_a)
    page.goto("/resources/stations/")
    # Three of the cast's stations are visible to officer A (their own two); B's is not.
    page.wait_for_function("document.getElementById('stations-map').dataset.loaded === '2'")
    assert page.locator("[data-testid=ledger-list] tbody tr").count() == 2
    assert "B社区应急管理服务站" not in page.inner_text("[data-testid=ledger-list]")
    screenshot(page, "resources-station-list")

    page.fill("input[name=q]", "临街")
    page.wait_for_function("document.querySelectorAll('[data-testid=ledger-list] tbody tr').length === 1")

    page.goto("/resources/stations/")
    page.click(f"text={station.name}")
    page.wait_for_url(f"**/resources/stations/{station.pk}/")
    assert page.locator("[data-testid=staffing-verdict]").get_attribute("class") == "badge green"
    page.wait_for_selector("#detail-map .leaflet-tooltip")
    screenshot(page, "resources-station-detail")

    team = station.teams.get()
    page.click(f"[data-testid=station-teams] >> text={team.name}")
    page.wait_for_url(f"**/resources/teams/{team.pk}/")
    assert page.locator("[data-testid=team-members] tbody tr").count() == 12
    screenshot(page, "resources-team-detail")

    page.click("[data-testid=team-members] >> text=陈队长")
    page.wait_for_url("**/resources/members/*/")
    assert "badge orange" in page.inner_html("[data-testid=certificates]")
    screenshot(page, "resources-member-detail")


def test_the_map_shows_station_and_facility_markers(cast, page_for, screenshot):
    _registry(cast)
    page = page_for(cast.street_officer, language="en")
    page.goto("/resources/map/")
    # 3 stations + 2 facilities on the map of the whole street.
    page.wait_for_function("document.getElementById('resources-map').dataset.loaded === '5'")
    # Markers are drawn on a canvas (the offline road layer has one of its own), not as one element each.
    assert page.locator("#resources-map canvas").count() >= 1
    assert page.locator("#resources-map .leaflet-marker-icon").count() == 0
    # Hydrants and AEDs are many: they start switched off and can be switched on.
    assert not page.locator("input[data-layer=hydrant]").is_checked()
    assert page.locator("input[data-layer=shelter]").is_checked()
    page.check("input[data-layer=hydrant]")
    screenshot(page, "resources-map")


def test_the_compliance_and_expiring_pages_on_a_phone(cast, page_for, screenshot):
    _registry(cast)
    page = page_for(cast.officer_a, mobile=True)
    page.goto("/resources/compliance/")
    assert "A社区临街服务站" in page.inner_text("[data-testid=compliance]")
    screenshot(page, "resources-compliance-phone")
    page.goto("/resources/expiring/")
    assert "陈队长" in page.inner_text("[data-testid=expiring-certificates]")
    screenshot(page, "resources-expiring-phone")


def test_a_station_is_created_by_clicking_its_place_on_the_map(cast, page_for, screenshot):
    page = page_for(cast.officer_a, language="en")
    page.goto("/resources/stations/new/")
    page.wait_for_selector("#pick-map .area-label")  # community A's outline has been drawn
    box = page.locator("#pick-map").bounding_box()
    page.locator("#pick-map").click(position={"x": box["width"] / 2 + 40, "y": box["height"] / 2 + 30})
    lon, lat = float(page.input_value("#id_lon")), float(page.input_value("#id_lat"))
    assert 114.00 < lon < 114.045 and 22.50 < lat < 22.54
    page.select_option("#id_jurisdiction", label="A社区 (440304001001)")
    page.fill("#id_code", "ST-NEW")
    page.fill("#id_name", "A社区新服务站")
    page.select_option("#id_kind", "community")
    page.check("input[name=services][value=rescue]")
    screenshot(page, "resources-station-form")
    page.click("[data-testid=ledger-form] button[type=submit]")
    page.wait_for_url("**/resources/stations/*/")
    assert "A社区新服务站" in page.inner_text("h1")
