"""The closed loop in a browser on a phone: a grid worker reports with a photo, the community assigns it,
the unit rectifies with evidence, another user rechecks and closes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from yingji.accounts.roles import Role
from yingji.core.testing import make_user
from yingji.hazards.models import Hazard
from yingji.hazards.workflows import HAZARD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo(tmp_path, name: str, colour: tuple[int, int, int]) -> str:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    Image.new("RGB", (1000, 750), colour).save(out, format="JPEG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return str(path)


def test_report_assign_rectify_recheck_close_on_phones(cast, page_for, screenshot, tmp_path):
    def page_for_phone(user):  # type: ignore[no-untyped-def]
        page = page_for(user, mobile=True)
        page.set_default_timeout(60_000)  # a loaded 2-core machine; nothing here waits on purpose
        return page

    unit = make_user("unit_a", Role.UNIT_CONTACT, cast.community_a, display_name="A小区物业")

    worker = page_for_phone(cast.grid_worker_a)
    worker.context.grant_permissions(["geolocation"])
    worker.context.set_geolocation({"longitude": 114.0102, "latitude": 22.5103, "accuracy": 10})
    worker.goto("/hazards/grid/")
    worker.get_by_test_id("report-photo").set_input_files(photo(tmp_path, "found.jpg", (200, 40, 40)))
    worker.get_by_test_id("report-quick").get_by_text("电动车入户充电").click()
    worker.get_by_test_id("report-send").click()
    worker.wait_for_function("document.getElementById('report-status').dataset.reference")
    hazard = Hazard.objects.get()
    screenshot(worker, "hazards-loop-1-reported")

    community = page_for_phone(cast.officer_a)
    community.goto(f"/hazards/{hazard.pk}/")
    community.get_by_test_id("responsible-unit").fill("A小区物业服务中心")
    community.get_by_test_id("assignee").select_option("unit_a")
    screenshot(community, "hazards-loop-2-assign")
    community.get_by_test_id("step-assign").click()
    assert community.get_by_test_id("status").inner_text() == "已交办"
    assert "A小区物业服务中心" in community.get_by_test_id("unit").inner_text()

    rectifier = page_for_phone(unit)
    rectifier.goto("/hazards/grid/")
    rectifier.get_by_test_id("to-rectify").get_by_text("电动车入户充电").click()
    rectifier.get_by_test_id("step-start").click()
    rectifier.get_by_test_id("rectification").fill("已劝离电动车，加装充电桩")
    rectifier.get_by_test_id("evidence").set_input_files(photo(tmp_path, "fixed.jpg", (40, 160, 60)))
    rectifier.get_by_test_id("step-submit").click()
    assert rectifier.get_by_test_id("status").inner_text() == "待复查"
    # The rectifier is offered no recheck of their own work.
    assert rectifier.get_by_test_id("recheck-form").count() == 0
    screenshot(rectifier, "hazards-loop-3-rectified")

    worker.goto(f"/hazards/{hazard.pk}/")
    worker.get_by_test_id("recheck-note").fill("现场复查，已整改到位")
    worker.get_by_test_id("step-pass").click()
    assert worker.get_by_test_id("status").inner_text() == "已办结"
    assert len(worker.get_by_test_id("photos").locator("img").all()) == 2
    screenshot(worker, "hazards-loop-4-closed")
    assert worker.evaluate("document.documentElement.scrollWidth") <= 390

    hazard.refresh_from_db()
    assert (hazard.status, hazard.rectified_by, hazard.rechecked_by) == ("closed", unit, cast.grid_worker_a)
    assert [e.transition for e in HAZARD.history(hazard)] == ["start", "assign", "start", "submit", "pass"]
