"""Issue 11: on a phone the intake map (drawn on the imported roads, offline) comes before the button."""

from __future__ import annotations

import pytest

from yingji.coverage.services.networks import install_file
from yingji.incidents.tests.builders import world
from yingji.routing.demo import FUTIAN_NPZ

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_phone_intake_draws_the_roads_and_puts_the_map_before_the_button(cast, page_for, live_server,
                                                                          settings, tmp_path, screenshot):
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "roads.npz")
    install_file(FUTIAN_NPZ, settings.YINGJI_ROAD_NETWORK)
    world(cast)
    page = page_for(cast.street_officer, mobile=True)
    page.goto(live_server.url + "/incidents/new/")
    page.wait_for_selector("body[data-roads]", timeout=60_000)
    assert int(page.get_attribute("body", "data-roads")) > 5_000
    map_box = page.locator("[data-testid=pick-map]").bounding_box()
    button_box = page.locator("[data-testid=save-incident]").bounding_box()
    assert map_box["y"] + map_box["height"] <= button_box["y"]
    assert map_box["x"] >= 0 and map_box["x"] + map_box["width"] <= 390
    page.locator("[data-testid=pick-map]").scroll_into_view_if_needed()
    screenshot(page, "incidents-intake-phone-390")
