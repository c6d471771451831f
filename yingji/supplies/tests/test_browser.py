"""The one map in a real browser: type a material, see ranked warehouses, open one, request an allocation."""

from __future__ import annotations

import pytest

from yingji.supplies.models import Allocation, AllocationStatus
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(cast):  # type: ignore[no-untyped-def]
    powder = make_material(cast, "XF-001", "干粉灭火器", aliases=["灭火器", "fire extinguisher"],
                           min_reserve={"community": 4})
    make_material(cast, "XF-003", "二氧化碳灭火器", aliases=["CO2 fire extinguisher"])
    jackets = make_material(cast, "SY-001", "救生衣", unit="件", category="water_rescue")
    wa = make_warehouse(cast.community_a, "WA", 114.012, lat=22.515, name="A社区应急物资仓库", keeper_name="张仓管")
    wb = make_warehouse(cast.community_b, "WB", 114.030, lat=22.555, name="B社区应急物资仓库", keeper_name="李仓管")
    ws = make_warehouse(cast.street_1, "WS", 114.022, lat=22.535, name="南园街道应急物资仓库", level="street")
    stock(wa, powder, 2)
    stock(wb, powder, 12)
    stock(ws, powder, 40)
    stock(ws, jackets, 30)
    return cast


def test_it_finds_the_nearest_stock_and_requests_an_allocation(district, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    cast = district
    page = page_for(cast.street_officer)
    page.goto("/supplies/")
    page.wait_for_selector("#onemap[data-warehouses='3']")  # the street's three warehouses are drawn
    page.fill("[data-testid=material-input]", "灭火器")
    page.fill("[data-testid=quantity-input]", "5")
    # Click the map a little south-west of its centre: the point the materials are needed at.
    box = page.locator("#onemap").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.42, box["y"] + box["height"] * 0.62)
    page.wait_for_selector("[data-testid=ranked] li")
    ranked = page.locator("[data-testid=ranked] li")
    assert ranked.count() == 2  # WA holds only 2
    assert ranked.nth(0).get_attribute("data-code") in {"WS", "WB"}
    assert "干粉灭火器 × 5" in page.inner_text("[data-testid=results]")
    page.wait_for_function("document.querySelectorAll('#onemap .rank-marker').length === 2")
    page.wait_for_selector("#onemap[data-material='XF-001']")
    assert page.locator("#onemap path.wh-below_minimum").count() == 1  # WA: 2 held, 4 required
    page.wait_for_timeout(700)  # let the zoom animation to the answer finish before the picture
    screenshot(page, "supplies-search")
    # Open the first warehouse: its stock appears beside the map.
    ranked.nth(0).locator("[data-panel]").click()
    page.wait_for_selector("[data-testid=panel-stock]")
    assert "干粉灭火器" in page.inner_text("[data-testid=panel]")
    screenshot(page, "supplies-panel")
    first = ranked.nth(0).get_attribute("data-code")
    with page.expect_navigation():
        page.click(f"[data-testid=request-{first}]")
    page.fill("#id_incident_ref", "JJ-2026-0815")
    page.fill("#id_destination_text", "福田路口积水点")
    with page.expect_navigation():
        page.click("[data-testid=submit-allocation]")
    assert page.inner_text("[data-testid=status]").strip() in {"Requested", "已申请", "待审批"} or \
        Allocation.objects.get().status == AllocationStatus.REQUESTED
    allocation = Allocation.objects.get()
    assert allocation.incident_ref == "JJ-2026-0815" and allocation.lines.get().quantity == 5
    assert allocation.lines.get().warehouse.code == first
    # The street officer may approve right there.
    with page.expect_navigation():
        page.click("[data-testid=approve]")
    assert Allocation.objects.get().status == AllocationStatus.APPROVED
    screenshot(page, "supplies-allocation")


def test_partial_fulfilment_is_proposed_on_a_phone(district, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = page_for(district.street_officer, mobile=True)
    page.goto("/supplies/?q=fire+extinguisher&quantity=50&near=440304001001")
    page.wait_for_selector("[data-testid=plan] li")
    assert page.locator("[data-testid=plan] li").count() == 3
    screenshot(page, "supplies-plan-mobile")


def test_a_keeper_counts_stock_and_reads_the_operations_page(district, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    cast = district
    page = page_for(cast.keeper_a)
    page.goto("/supplies/warehouses/WA/")
    assert "干粉灭火器" in page.inner_text("[data-testid=stock-table]")
    screenshot(page, "supplies-warehouse")
    page.click("[data-testid=count-link]")
    page.fill("[data-testid=count-table] input", "1")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "PD-" in page.inner_text(".messages")
    assert "-1" in page.inner_text("[data-testid=movements]")
    page.goto("/supplies/operations/?days=4000")
    assert "A社区应急物资仓库" in page.inner_text("[data-testid=gaps]")
    screenshot(page, "supplies-operations")
    page.goto("/supplies/materials/")
    screenshot(page, "supplies-catalogue")


def test_a_community_requests_from_its_streets_depot_on_a_phone(district, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: the street's depot is offered as a source, with what it has of the material picked."""
    cast = district
    page = page_for(cast.officer_a, mobile=True)
    page.goto("/supplies/allocations/new/")
    page.select_option("#id_destination", label="WA · A社区应急物资仓库")
    page.fill("#id_purpose", "汛前补充救生衣")
    page.select_option("#id_lines-0-material", label="SY-001 · 救生衣（件）")
    page.wait_for_selector("[data-testid=sources]")
    sources = page.inner_text("[data-testid=sources]")
    assert "南园街道应急物资仓库" in sources and "30 件" in sources and "B社区" not in sources
    page.select_option("#id_lines-0-warehouse", label="WS · 南园街道应急物资仓库")
    page.fill("#id_lines-0-quantity", "12")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "supplies-request-mobile")
    with page.expect_navigation():
        page.click("[data-testid=submit-allocation]")
    assert page.inner_text("[data-testid=status]").strip() == "已申请"
    allocation = Allocation.objects.get()
    line = allocation.lines.get()
    assert (allocation.jurisdiction, allocation.requested_by, line.warehouse.code, line.quantity) == (
        cast.community_a, cast.officer_a, "WS", 12)
    assert page.locator("[data-testid=lines] a").count() == 0  # the depot is named, its pages not linked
    assert page.locator("[data-testid=approve]").count() == 0 and page.locator("[data-testid=cancel]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "supplies-request-sent-mobile")
