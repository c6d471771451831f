"""The grid worker's phone page in a browser at 390 px: three taps to report, offline queue, no duplicate."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from yingji.hazards.models import Hazard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo_file(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "hazard.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (180, 60, 30)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def phone(page_for, user):  # type: ignore[no-untyped-def]
    page = page_for(user, mobile=True)
    page.set_default_timeout(60_000)  # a loaded 2-core machine; nothing here waits on purpose
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": 114.0102, "latitude": 22.5103, "accuracy": 12})
    return page


def test_a_grid_worker_reports_in_three_taps_and_a_queued_report_is_sent_once(cast, page_for, screenshot, tmp_path):
    page = phone(page_for, cast.grid_worker_a)
    page.goto("/hazards/grid/")
    page.get_by_test_id("report-photo").set_input_files(photo_file(tmp_path))   # tap 1: the camera
    page.get_by_test_id("report-quick").get_by_text("消防通道堵塞").click()        # tap 2: what
    page.get_by_test_id("report-send").click()                                  # tap 3: send
    page.wait_for_function("document.getElementById('report-status').dataset.reference")
    screenshot(page, "hazards-grid-reported")
    hazard = Hazard.objects.get()
    assert (hazard.title, hazard.jurisdiction, hazard.photos.count()) == ("消防通道堵塞", cast.grid_a1, 1)
    assert abs(hazard.lon - 114.0102) < 1e-6
    assert hazard.reference in page.get_by_test_id("report-status").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Offline: the report waits on the phone, then goes once the network is back.
    page.context.set_offline(True)
    page.get_by_test_id("report-photo").set_input_files(photo_file(tmp_path))
    page.get_by_test_id("report-quick").get_by_text("楼道堆放杂物").click()
    page.get_by_test_id("report-send").click()
    page.wait_for_function("document.body.dataset.outbox === '1'")
    assert "已保存在手机上" in page.get_by_test_id("report-status").inner_text()
    screenshot(page, "hazards-grid-queued")
    assert Hazard.objects.count() == 1
    page.context.set_offline(False)
    page.evaluate("window.YingjiOutbox.flush()")
    page.wait_for_function("document.body.dataset.outbox === '0'")
    # A second flush (as the service worker's sync would) makes no duplicate.
    page.evaluate("window.YingjiOutbox.flush()")
    assert Hazard.objects.filter(title="楼道堆放杂物").count() == 1
    page.reload()
    assert "楼道堆放杂物" in page.get_by_test_id("my-reports").inner_text()
    screenshot(page, "hazards-grid-tasks")
