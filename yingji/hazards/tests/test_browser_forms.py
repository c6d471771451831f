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


def test_a_patrol_walked_on_the_phone_with_its_position(cast, page_for, screenshot):
    from yingji.hazards.models import CheckIn
    from yingji.hazards.services.patrol import create_plan
    from yingji.hazards.tests.builders import point

    here = point(cast.grid_a1, "RP-A-1", lon=114.0100, lat=22.5100, name="A1老旧小区")
    there = point(cast.grid_a1, "RP-A-2", category="ebike_charging", lon=114.0300, lat=22.5150, name="A1车棚")
    plan = create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name="A1 日常巡查", points=[here, there],
                       worker=cast.grid_worker_a, tolerance_m=50)
    phone = page_for(cast.grid_worker_a, mobile=True)
    phone.set_default_timeout(60_000)
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"longitude": 114.01002, "latitude": 22.51001, "accuracy": 8})
    phone.goto("/hazards/grid/")
    phone.get_by_test_id("patrol-link").click()
    phone.wait_for_selector("[data-testid=check-in-RP-A-1]")
    fits(phone)
    screenshot(phone, "hazards-patrol-walk-phone")
    form = phone.get_by_test_id("check-in-RP-A-1")
    form.locator("input[name=problem]").first.check()
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("[data-testid=stop-RP-A-1] >> text=已打卡")
    assert phone.get_by_test_id("progress").inner_text() == "1/2"
    # The second point is 2 km away: refused with the distance, nothing recorded.
    phone.get_by_test_id("check-in-RP-A-2").locator("button[type=submit]").click()
    phone.wait_for_selector("text=请在 50 米范围内打卡")
    fits(phone)
    screenshot(phone, "hazards-patrol-refused-phone")
    [check_in] = CheckIn.objects.filter(record__plan=plan)
    assert check_in.risk_point == here and check_in.accuracy_m == 8 and not check_in.answers[0]["ok"]

    # Offline at the second point: the check-in waits on the phone (the hazard reports' outbox), then goes
    # once when the network is back; a second flush (as the service worker's sync would) makes no duplicate.
    phone.context.set_geolocation({"longitude": 114.03001, "latitude": 22.51502, "accuracy": 9})
    phone.context.set_offline(True)
    second = phone.get_by_test_id("check-in-RP-A-2")
    second.locator("input[name=hazard]").fill("充电线私拉乱接")
    second.locator("button[type=submit]").click()
    phone.wait_for_function("document.body.dataset.outbox === '1'")
    assert "已保存在手机上" in second.inner_text()
    fits(phone)
    screenshot(phone, "hazards-patrol-queued-phone")
    assert CheckIn.objects.filter(record__plan=plan).count() == 1
    phone.context.set_offline(False)
    phone.evaluate("window.YingjiOutbox.flush()")
    phone.wait_for_selector("[data-testid=stop-RP-A-2] >> text=已打卡")
    assert phone.get_by_test_id("progress").inner_text() == "2/2"
    phone.evaluate("window.YingjiOutbox.flush()")
    queued = CheckIn.objects.get(record__plan=plan, risk_point=there)
    assert queued.idempotency_key and queued.checked_by == cast.grid_worker_a and queued.accuracy_m == 9
    assert CheckIn.objects.filter(record__plan=plan).count() == 2
    assert queued.hazards.get().title == "充电线私拉乱接"
