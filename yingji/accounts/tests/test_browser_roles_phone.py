"""Issue 13: each role on a 390 × 844 phone, in Chinese — logs in with the login form, sees its home,
opens the menu (☰), and does its main action; no page on the way is wider than the phone.

The district follows its 1-3-5 figures, a street opens one of its communities' dashboard, a community its open
incidents and one of them (the home's blocks: dashboard/home.py), a keeper receives stock into their warehouse, a grid worker reports an
incident from the home's 上报 (and sees their grid on the home map), a responder opens their
call-outs, an expert reads a plan, an auditor the assessment ranking. Screenshots:
test-artifacts/screenshots/phone-<role>-*.png. Every other page at 390 px: core/tests/test_browser_phone.py.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from yingji.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390
# The grid worker's home map has drawn every layer (homemap.js counts each on the map element).
DRAWN = "[data-testid=grid-home-map][data-outline][data-risk][data-hazards][data-incidents]"


class Phone:
    """A logged-in phone: every page it opens is checked against the phone's width."""

    def __init__(self, page: Any, screenshot: Any, role: str) -> None:
        self.page, self.screenshot, self.role, self.seen = page, screenshot, role, []

    def fits(self, name: str) -> None:
        self.page.wait_for_load_state("networkidle")
        width = self.page.evaluate("document.documentElement.scrollWidth")
        self.seen.append((self.page.url, width))
        assert width <= PHONE_WIDTH, f"{self.page.url} is {width} px wide on a {PHONE_WIDTH} px phone"
        self.screenshot(self.page, f"phone-{self.role}-{name}")

    def menu(self) -> list[str]:
        """Opens the menu with ☰ and answers its entries (all visible, the page still inside the phone)."""
        nav = self.page.locator("nav.mainnav")
        assert not nav.is_visible()  # folded on a phone
        self.page.click("label.nav-toggle-label")
        assert nav.is_visible()
        entries = [t.strip() for t in nav.locator("a").all_inner_texts()]
        for link in nav.locator("a").all():
            box = link.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH
        self.fits("menu")
        return entries

    def follow(self, text: str) -> None:
        self.page.locator("nav.mainnav a", has_text=text).first.click()
        self.page.wait_for_load_state("load")


def _log_in(page_for: Any, user: Any) -> Any:
    page = page_for(mobile=True)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def _district(cast: Any, phone: Phone) -> None:
    from yingji.incidents.tests.builders import fire_in_a

    fire_in_a(cast)
    phone.page.reload()
    assert phone.page.locator("[data-testid=dash-figures] tbody tr").count() == 2  # its two streets
    assert "1-3-5 统计" in phone.menu()
    phone.follow("1-3-5 统计")
    assert "1-3-5" in phone.page.inner_text("h1")
    phone.fits("action")


def _street(cast: Any, phone: Phone) -> None:
    assert "各社区" in phone.page.inner_text("body")
    phone.menu()
    phone.page.click("label.nav-toggle-label")  # fold it again
    phone.page.click(f"[data-testid=dash-figures] a:text-is('{cast.community_a.name}')")
    phone.page.wait_for_url(f"**/dashboard/?area={cast.community_a.code}")  # the community's dashboard
    assert cast.community_a.name in phone.page.inner_text("body")
    phone.fits("action")


def _community(cast: Any, phone: Phone) -> None:
    from yingji.incidents.tests.builders import fire_in_a

    incident = fire_in_a(cast)
    phone.page.reload()
    assert phone.page.locator("[data-testid=home-incidents] li").count() == 1
    assert "事件" in phone.menu()
    phone.follow("事件")
    phone.page.wait_for_url("**/incidents/")
    phone.fits("incidents")
    phone.page.click(f"a[href='/incidents/{incident.pk}/']")
    phone.page.wait_for_url(f"**/incidents/{incident.pk}/")
    phone.fits("action")


def _keeper(cast: Any, phone: Phone) -> None:
    from yingji.supplies.models import StockBalance
    from yingji.supplies.tests.builders import make_material, make_warehouse, stock

    warehouse = make_warehouse(cast.community_a, "CK-A", 114.01, name="A社区应急物资仓库")
    warehouse.keeper = cast.keeper_a
    warehouse.save()
    jackets = make_material(cast, "SY-001", "救生衣", unit="件")
    stock(warehouse, jackets, 5, expiry_date=timezone.localdate() + datetime.timedelta(days=200))
    phone.page.reload()
    menu = phone.menu()
    assert "调度台" not in menu
    phone.page.click("label.nav-toggle-label")
    phone.page.click("[data-testid=home-warehouses] a:text-is('A社区应急物资仓库')")
    phone.page.wait_for_url("**/supplies/warehouses/CK-A/")
    assert "救生衣" in phone.page.inner_text("body")
    phone.fits("stock")
    phone.page.click("a[href='/supplies/warehouses/CK-A/receive/']")
    phone.fits("receive")
    phone.page.select_option("select[name=material]", label="SY-001 · 救生衣（件）")
    phone.page.fill("input[name=quantity]", "3")
    phone.page.click("form.stacked button[type=submit]")
    phone.page.wait_for_url("**/supplies/warehouses/CK-A/")
    assert sum(StockBalance.objects.filter(warehouse=warehouse).values_list("quantity", flat=True)) == 8
    phone.fits("action")


def _grid_worker(cast: Any, phone: Phone) -> None:
    from yingji.hazards.tests.builders import hazard, point
    from yingji.incidents.models import Incident

    # Their grid A1 (114.00–114.045, 22.50–22.52): a risk point and an open hazard in it, a hazard of B1 not.
    point(cast.grid_a1, "FX-A1-1", grade="red", name="A1老旧小区", lon=114.02, lat=22.51)
    hazard(cast.grid_a1, "消防通道堆放杂物", lon=114.03, lat=22.512)
    hazard(cast.grid_b1, "B1楼道杂物", lon=114.03, lat=22.55)
    phone.page.reload()
    actions = [phone.page.locator(s).bounding_box() for s in ("[data-testid=report-incident]",
                                                              "[data-testid=hazard-actions]")]
    assert (actions[0]["y"], actions[0]["x"]) < (actions[1]["y"], actions[1]["x"])  # 上报 first
    grid_map = phone.page.locator("[data-testid=grid-home-map]")
    phone.page.wait_for_selector(DRAWN)
    # Drawn, not blank: the grid's outline and one marker per risk point and open hazard of the grid.
    assert grid_map.locator("path.grid-outline").count() == 1
    assert grid_map.locator("path.marker-risk").count() == 1
    assert grid_map.locator("path.marker-hazard").count() == 1
    assert phone.page.inner_text("[data-testid=grid-map-legend] [data-count=hazards]") == "1"
    phone.fits("home")
    assert "上报事件" in phone.menu()
    phone.page.click("label.nav-toggle-label")
    phone.page.click("[data-testid=report-incident]")
    phone.page.wait_for_selector("select[name=type_code]")
    assert phone.page.input_value("select[name=channel]") == "grid"
    phone.fits("report")
    phone.page.select_option("select[name=type_code]", "21100")
    phone.page.fill("[name=address]", "A社区1栋")
    # The point, as a tap on the intake map leaves it (hidden fields).
    phone.page.evaluate("document.querySelector('[name=lon]').value = '114.02';"
                        "document.querySelector('[name=lat]').value = '22.51';")
    phone.page.fill("[name=description]", "三楼冒烟")
    phone.page.click("[data-testid=save-incident]")
    phone.page.wait_for_url(lambda url: "/incidents/new/" not in url)
    incident = Incident.objects.get()
    assert (incident.channel, incident.jurisdiction) == ("grid", cast.grid_a1)
    phone.fits("action")
    # Back home, the report is on the grid's map.
    phone.page.goto("/")
    phone.page.wait_for_selector(DRAWN)
    assert grid_map.locator("path.marker-incident").count() == 1


def _responder(cast: Any, phone: Phone) -> None:
    assert "调度台" not in phone.menu()
    phone.page.click("label.nav-toggle-label")
    phone.page.click("[data-testid=incident-actions]")
    phone.page.wait_for_url("**/incidents/me/")
    phone.fits("action")


def _expert(cast: Any, phone: Phone) -> None:
    from yingji.plans.tests.builders import make_plan

    plan = make_plan(cast.commander, cast.district)
    menu = phone.menu()
    assert "预案" in " ".join(menu)
    phone.page.goto("/plans/")
    phone.fits("plans")
    phone.page.click(f"a[href='/plans/{plan.pk}/']")
    phone.page.wait_for_url(f"**/plans/{plan.pk}/")
    phone.fits("action")


def _auditor(cast: Any, phone: Phone) -> None:
    from yingji.assessments.presets import load_presets

    load_presets(cast.district)
    phone.menu()
    phone.page.goto("/assessments/")
    phone.fits("assessments")
    phone.page.locator("a[href^='/assessments/futian-']").first.click()
    phone.page.wait_for_selector("[data-testid=ranking]")
    phone.fits("action")


JOURNEYS = {"district": ("commander", _district), "street": ("street_officer", _street),
            "community": ("officer_a", _community), "keeper": ("keeper_a", _keeper),
            "grid-worker": ("grid_worker_a", _grid_worker), "responder": ("responder_a", _responder),
            "expert": ("expert", _expert), "auditor": ("auditor", _auditor)}


@pytest.mark.parametrize("role", list(JOURNEYS))
def test_each_role_logs_in_and_works_on_a_phone(cast, page_for, screenshot, role) -> None:  # type: ignore[no-untyped-def]
    who, journey = JOURNEYS[role]
    page = _log_in(page_for, getattr(cast, who))
    phone = Phone(page, screenshot, role)
    assert page.locator("[data-testid=home-actions]").count() == 1  # the home page
    phone.fits("home")
    journey(cast, phone)
    assert len(phone.seen) >= 3
