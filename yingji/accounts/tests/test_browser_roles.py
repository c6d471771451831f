"""Issue 13: every role's home and menu on a 390 px phone, in Chinese, and its main action.

Each test opens the home page as one role of the cast, checks what that role needs is there
(and what it does not use is not), that nothing is wider than the phone, and takes the
screenshot test-artifacts/screenshots/role-<role>-phone.png.
"""

from __future__ import annotations

import pytest

from yingji.incidents.models import Incident
from yingji.resources.tests import builders as rb
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390


def _menu(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in page.locator("nav.mainnav a").all_inner_texts()]


def _fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_the_district_sees_its_streets(cast, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = page_for(cast.commander, mobile=True)
    page.goto("/")
    page.wait_for_selector("[data-testid=dash-figures]")
    assert "各街道关键指标" in page.inner_text("[data-testid=home-figures] h2")
    names = page.locator("[data-testid=dash-figures] tbody td:first-child").all_inner_texts()
    assert names == [cast.street_1.name, cast.street_2.name]
    assert "今日待办" in page.inner_text("[data-testid=home-attention]")
    assert {"调度台", "1-3-5 统计"} <= set(_menu(page))
    _fits_the_phone(page)
    screenshot(page, "role-district-phone")


def test_a_street_sees_its_communities(cast, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = page_for(cast.street_officer, mobile=True)
    page.goto("/")
    page.wait_for_selector("[data-testid=dash-figures]")
    names = page.locator("[data-testid=dash-figures] tbody td:first-child").all_inner_texts()
    assert names == [cast.community_a.name, cast.community_b.name]
    assert "各社区关键指标" in page.inner_text("[data-testid=home-figures] h2")
    page.wait_for_function("document.getElementById('home-map').dataset.loaded === '2'")  # A and B, not C
    _fits_the_phone(page)
    screenshot(page, "role-street-phone")


def test_a_community_sees_its_teams_warehouses_and_open_incidents(cast, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    rb.make_team(cast.community_a, name="A社区应急救援队")
    rb.make_team(cast.community_b, name="B社区应急救援队")
    make_warehouse(cast.community_a, "CK-A", 114.01, name="A社区应急物资仓库")
    from yingji.incidents.tests.builders import fire_in_a

    fire_in_a(cast)
    page = page_for(cast.officer_a, mobile=True)
    page.goto("/")
    page.wait_for_selector("[data-testid=home-teams]")
    teams = page.inner_text("[data-testid=home-teams]")
    assert "A社区应急救援队" in teams and "B社区应急救援队" not in teams
    assert "CK-A" not in page.inner_text("[data-testid=home-warehouses]")  # names, not codes
    assert page.locator("[data-testid=home-warehouses] tbody tr").count() == 1
    assert page.locator("[data-testid=home-incidents] li").count() == Incident.objects.count() == 1
    assert page.locator("[data-testid=home-expiring]").is_visible()
    assert page.inner_text("[data-testid=dash-tiles] li[data-key=open_incidents] b") == "1"
    assert "今日待办" in page.inner_text("[data-testid=home-attention]")
    _fits_the_phone(page)
    screenshot(page, "role-community-phone")


def test_a_keeper_sees_stock_expiry_and_transfers_not_the_console(cast, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    import datetime

    from django.utils import timezone

    warehouse = make_warehouse(cast.community_a, "CK-A", 114.01)
    warehouse.keeper = cast.keeper_a
    warehouse.save()
    jackets = make_material(cast, "SY-001", "救生衣", unit="件")
    stock(warehouse, jackets, 5, expiry_date=timezone.localdate() + datetime.timedelta(days=10))
    page = page_for(cast.keeper_a, mobile=True)
    page.goto("/")
    page.wait_for_selector("[data-testid=home-warehouses]")
    assert "我的仓库" in page.inner_text("[data-testid=home-warehouses]")
    assert "救生衣" in page.inner_text("[data-testid=home-expiring]")
    assert page.locator("[data-testid=home-allocations]").is_visible()
    assert not page.locator("[data-testid=home-figures]").count()
    menu = _menu(page)
    assert "调度台" not in menu and "1-3-5 统计" not in menu
    _fits_the_phone(page)
    screenshot(page, "role-keeper-phone")


def test_a_grid_worker_reports_first_from_the_phone(cast, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = page_for(cast.grid_worker_a, mobile=True)
    page.goto("/")
    page.wait_for_selector("[data-testid=report-incident]")
    # 上报 comes first on the screen (CSS order), the hazard report and patrols beside it.
    boxes = [page.locator(sel).bounding_box() for sel in ("[data-testid=report-incident]",
                                                            "[data-testid=hazard-actions]")]
    assert (boxes[0]["y"], boxes[0]["x"]) < (boxes[1]["y"], boxes[1]["x"])
    menu = _menu(page)
    assert "上报事件" in menu and "调度台" not in menu and "1-3-5 统计" not in menu
    _fits_the_phone(page)
    screenshot(page, "role-grid-worker-phone")
    # The main action: the intake form says where the report comes from and asks for the type.
    page.click("[data-testid=report-incident]")
    page.wait_for_selector("select[name=channel]")
    assert page.input_value("select[name=channel]") == "grid"
    assert page.input_value("select[name=type_code]") == ""
    _fits_the_phone(page)
    screenshot(page, "role-grid-worker-report-phone")


def test_a_responder_finds_their_call_outs(cast, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = page_for(cast.responder_a, mobile=True)
    page.goto("/")
    page.wait_for_selector("[data-testid=incident-actions]")
    assert "我的出警任务" in page.inner_text("[data-testid=incident-actions]")
    assert "调度台" not in _menu(page)
    _fits_the_phone(page)
    screenshot(page, "role-responder-phone")


def test_one_menu_entry_is_highlighted(cast, page_for) -> None:  # type: ignore[no-untyped-def]
    page = page_for(cast.commander)
    page.goto("/incidents/console/")
    assert page.locator("nav.mainnav a.active").all_inner_texts() == ["调度台"]
