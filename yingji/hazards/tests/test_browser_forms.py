"""The ledger forms on a 390 px phone: a community officer registers a risk point, regrades it, and
makes a patrol plan through it; nothing is wider than the screen."""

from __future__ import annotations

import pytest

from yingji.hazards.models import PatrolPlan, RiskPoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_risk_point_and_a_patrol_plan_from_the_phone(cast, page_for, screenshot):
    phone = page_for(cast.officer_a, mobile=True)
    phone.set_default_timeout(60_000)  # a loaded 2-core machine; nothing here waits on purpose
    phone.goto("/hazards/points/")
    phone.get_by_test_id("new-point").click()
    phone.wait_for_selector("[data-testid=hazards-form]")
    phone.select_option("#id_jurisdiction", label=f"　　{cast.grid_a1.name} ({cast.grid_a1.code})")
    phone.fill("#id_code", "RP-A-77")
    phone.fill("#id_name", "A社区3栋电动车棚")
    phone.select_option("#id_category", "ebike_charging")
    phone.select_option("#id_grade", "orange")
    phone.fill("#id_lon", "114.012")
    phone.fill("#id_lat", "22.512")
    phone.fill("#id_responsible_phone", "1390000")  # a mistake: the form says which field, keeps the rest
    phone.get_by_test_id("save").click()
    phone.wait_for_selector("[data-testid=error-responsible_phone]")
    fits(phone)
    screenshot(phone, "hazards-point-form-error-phone")
    assert not RiskPoint.objects.exists()
    assert phone.input_value("#id_name") == "A社区3栋电动车棚"
    assert phone.input_value("#id_area") == ""
    phone.fill("#id_responsible_phone", "13900001111")
    phone.fill("#id_reason", "车棚内充电，无喷淋")
    phone.get_by_test_id("save").click()
    phone.wait_for_selector("[data-testid=grade]")
    assert phone.get_by_test_id("grade").inner_text() == "较大风险（橙）"
    assert "车棚内充电，无喷淋" in phone.get_by_test_id("gradings").inner_text()
    fits(phone)
    screenshot(phone, "hazards-point-detail-phone")

    phone.goto("/hazards/patrols/")
    phone.get_by_test_id("new-plan").click()
    phone.wait_for_selector("[data-testid=hazards-form]")
    phone.fill("#id_name", "A1 车棚巡查")
    phone.select_option("#id_worker", label=str(cast.grid_worker_a))
    phone.fill("#id_route", "RP-A-77")
    fits(phone)
    screenshot(phone, "hazards-plan-form-phone")
    phone.get_by_test_id("save").click()
    phone.wait_for_selector("[data-testid=plans] >> text=A1 车棚巡查")
    fits(phone)
    plan = PatrolPlan.objects.get()
    assert (plan.jurisdiction, plan.worker) == (cast.grid_a1, cast.grid_worker_a)
    assert [s.risk_point.code for s in plan.stops.all()] == ["RP-A-77"]
