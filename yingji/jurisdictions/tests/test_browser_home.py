"""The home page in a real browser: log in, see the boundaries drawn, switch language."""

from __future__ import annotations

import pytest

from yingji.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_draws_the_district_and_switches_language(cast, page_for, screenshot):
    page = page_for(None)
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "commander")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    # The map has drawn the three communities of the cast as SVG/canvas paths.
    page.wait_for_function("document.getElementById('home-map').dataset.loaded === '3'")
    assert page.locator("[data-testid=dash-figures] tbody tr").count() == 2
    assert "南园街道" in page.inner_text("[data-testid=dash-figures]")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot(page, "home-zh")
    # The browser shifts to GCJ-02 with the same formula as the server.
    from yingji.core.geo import wgs84_to_gcj02

    shifted = page.evaluate("Yingji.wgs84ToGcj02(114.0579, 22.5431)")
    assert shifted == pytest.approx(list(wgs84_to_gcj02(114.0579, 22.5431)), abs=1e-9)
    with page.expect_navigation():
        page.select_option("[data-testid=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Home" in page.inner_text("nav.mainnav")
    page.wait_for_function("document.getElementById('home-map').dataset.loaded === '3'")
    screenshot(page, "home-en")


def test_a_grid_worker_uses_it_on_a_phone(cast, page_for, screenshot):
    page = page_for(cast.grid_worker_a, mobile=True)
    page.goto("/")
    page.wait_for_selector("[data-testid=report-incident]")
    assert "A社区第1网格" in page.inner_text("[data-testid=breadcrumb]")
    # The menu is folded behind the toggle on a phone.
    assert not page.locator("nav.mainnav").is_visible()
    page.click("label.nav-toggle-label")
    assert page.locator("nav.mainnav").is_visible()
    screenshot(page, "home-phone")
