"""The coverage page in headless Chromium: cells drawn on the map, the per-street chart and table."""

from __future__ import annotations

import pytest

from yingji.core import travel
from yingji.coverage.services.cells import generate_demand_cells
from yingji.coverage.tests.builders import make_station
from yingji.hazards.models import RiskGrade, RiskPoint
from yingji.resources.models import StationKind
from yingji.routing import TravelTimeEngine, synthetic_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def district(cast):  # type: ignore[no-untyped-def]
    network = synthetic_city(4000, seed=5, bbox=(114.00, 22.50, 114.09, 22.58))
    travel.use_engine(TravelTimeEngine(network))
    generate_demand_cells(cast.district, actor=None, network=network)
    for code, kind, lon, lat, where in [("S-1", StationKind.COMMUNITY, 114.02, 22.52, cast.community_a),
                                        ("S-2", StationKind.STREET_FRONT, 114.03, 22.56, cast.community_b),
                                        ("S-3", StationKind.INDUSTRIAL_PARK, 114.07, 22.55, cast.community_c)]:
        make_station(where, code, kind, lon, lat)
    RiskPoint.objects.create(jurisdiction=cast.community_c, code="R-1", name="低洼地", grade=RiskGrade.RED,
                             lon=114.085, lat=22.505)


def test_the_commander_sees_covered_cells_the_chart_and_the_table(cast, page_for, screenshot):
    district(cast)
    page = page_for(cast.commander)
    page.goto("/coverage/?minutes=5")
    page.wait_for_function("document.getElementById('coverage-map').dataset.cells > 0")
    cells = int(page.get_attribute('[data-testid="coverage-map"]', "data-cells") or 0)
    assert cells > 300
    assert page.locator("#coverage-map path.leaflet-interactive").count() > 0 or \
        page.locator("#coverage-map canvas").count() > 0
    page.wait_for_function("document.getElementById('coverage-chart').dataset.bars == 2")
    assert page.locator("#coverage-chart canvas").count() == 1
    assert page.locator('[data-testid="row-440304001000"]').is_visible()
    assert page.locator('[data-testid="target-440304002000"]').is_visible()
    share = page.locator('[data-testid="share"]').inner_text()
    assert 0 < float(share.split()[0]) < 100
    page.check("#show-isochrones")
    page.wait_for_timeout(500)
    screenshot(page, "coverage-overview")


def test_a_click_on_the_map_adds_a_what_if_site(cast, page_for, screenshot):
    district(cast)
    page = page_for(cast.commander, language="en")
    page.goto("/coverage/?minutes=3")
    page.wait_for_function("document.getElementById('coverage-map').dataset.cells > 0")
    before = float(page.locator('[data-testid="share"]').inner_text().split()[0])
    box = page.locator("#coverage-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.2)
    assert page.input_value("#added-sites").count(",") == 1
    page.click('[data-testid="compute"]')
    page.wait_for_function("document.getElementById('coverage-map').dataset.cells > 0")
    after = float(page.locator('[data-testid="share"]').inner_text().split()[0])
    assert after > before and "remove 1 added site" in page.content()
    screenshot(page, "coverage-what-if")
