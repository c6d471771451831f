"""Early warnings in a real browser: a street officer draws the area and composes an orange warning,
the district approves, the street releases, a grid worker reads it on a phone (390 px, Chinese) and
acknowledges it, and the officer's release progress page counts the acknowledgement live."""

from __future__ import annotations

import json

import pytest

from yingji.resources.models import Facility, FacilityKind
from yingji.warnings.models import EarlyWarning, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def draw_polygon(page, offsets):  # type: ignore[no-untyped-def]
    """Click Leaflet.draw's polygon tool, then the points (pixels from the map's centre), then the first again."""
    box = page.locator("#compose-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.click(".leaflet-draw-draw-polygon")
    for dx, dy in offsets:
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(150)
    page.mouse.click(cx + offsets[0][0], cy + offsets[0][1])


def fits_the_phone(page) -> bool:  # type: ignore[no-untyped-def]
    """Nothing on the page is wider than the 390 px screen (no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_compose_with_a_drawn_polygon_approve_release_acknowledge_on_a_phone_and_follow_live(
        cast, page_for, asgi_server, screenshot):
    Facility.objects.create(jurisdiction=cast.community_a, code="SH-A", name="南园小学应急避难场所",
                            kind=FacilityKind.SHELTER, lon=114.02, lat=22.515, capacity=1200, address="南园路1号")
    officer = page_for(cast.street_officer)
    officer.goto("/warnings/new/")
    officer.wait_for_selector("#compose-map .leaflet-draw-draw-polygon")
    officer.check("[data-testid=level-orange]")
    officer.select_option("[data-testid=hazard]", "rainstorm")
    # The headline and the advice are suggested from the place, level and hazard.
    assert officer.input_value("[data-testid=headline]") == "南园街道发布暴雨橙色预警"
    assert "低洼" in officer.input_value("[data-testid=instruction]")
    # South of the street's centre: inside community A, over grid A1.
    draw_polygon(officer, [(-80, 60), (80, 60), (0, 170)])
    officer.wait_for_function("JSON.parse(document.getElementById('areas').value).length === 1")
    assert "1 个多边形" in officer.inner_text("[data-testid=areas-summary]")
    ring = json.loads(officer.input_value("[data-testid=areas]"))[0]["ring"]
    assert len(ring) == 4 and all(22.50 < lat < 22.54 for _lon, lat in ring)
    screenshot(officer, "warnings-compose")
    officer.click("[data-testid=save-draft]")
    officer.wait_for_selector("[data-testid=preview]")
    warning = EarlyWarning.objects.get()
    assert officer.inner_text("[data-testid=preview-people]") == "1"  # grid worker A1
    assert "grid_worker_a" in officer.inner_text("[data-testid=preview]")
    officer.click("[data-testid=step-submit]")
    officer.wait_for_selector("[data-testid=awaiting-approval]")
    screenshot(officer, "warnings-submitted")

    commander = page_for(cast.commander)
    commander.goto(f"/warnings/{warning.pk}/")
    commander.fill("form:has([data-testid=step-approve]) input[name=note]", "同意发布")
    commander.click("[data-testid=step-approve]")
    commander.wait_for_selector("text=已审批，可以发布")

    officer.reload()
    officer.click("[data-testid=step-release]")
    officer.wait_for_selector("text=预警已发布")
    assert officer.inner_text("[data-testid=state]") == "已发布"
    history = officer.inner_text("[data-testid=history]")
    assert "同意发布" in history and "commander" in history
    officer.wait_for_function("document.getElementById('areas-map').dataset.loaded === '1'")
    screenshot(officer, "warnings-released")
    warning.refresh_from_db()
    assert warning.state == State.RELEASED and "Severe" in warning.cap_xml

    # The grid worker opens it on the phone: that reads it.
    phone = page_for(cast.grid_worker_a, mobile=True)
    phone.goto(f"{asgi_server}/warnings/{warning.pk}/phone/")
    phone.wait_for_selector("[data-testid=shelter]")
    assert "南园小学应急避难场所" in phone.inner_text("[data-testid=shelters]")
    assert "步行约" in phone.inner_text("[data-testid=shelters]")
    assert "低洼" in phone.inner_text("[data-testid=instruction]")
    colour = phone.eval_on_selector("[data-testid=banner]", "e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(242, 124, 0)"  # orange
    assert phone.inner_text("[data-testid=acknowledge]") == "已收到"
    screenshot(phone, "warnings-phone")
    assert fits_the_phone(phone)

    # The officer follows the release live (websocket on the ASGI server).
    officer.goto(f"{asgi_server}/warnings/{warning.pk}/progress/")
    officer.wait_for_selector("body[data-live]")
    assert officer.inner_text("[data-testid=count-people]") == "1"
    assert officer.inner_text("[data-testid=count-read]") == "1"
    assert officer.inner_text("[data-testid=count-acknowledged]") == "0"
    assert "grid_worker_a" in officer.inner_text("[data-testid=waiting]")

    phone.click("[data-testid=acknowledge]")
    phone.wait_for_selector("[data-testid=acknowledged]")
    screenshot(phone, "warnings-phone-acknowledged")

    # The officer's counts update without a reload.
    officer.wait_for_function(
        "document.querySelector('[data-testid=count-acknowledged]').textContent.trim() === '1'")
    officer.wait_for_function("!document.getElementById('waiting').textContent.includes('grid_worker_a')")
    screenshot(officer, "warnings-progress")
    officer.set_viewport_size({"width": 390, "height": 844})
    officer.reload()
    officer.wait_for_selector("[data-testid=progress-counts]")
    screenshot(officer, "warnings-progress-phone")
    assert fits_the_phone(officer)

    public = page_for(None, mobile=True)
    public.goto("/warnings/public/")
    assert public.locator("[data-testid=public-warning]").count() == 1
    screenshot(public, "warnings-public")
    assert fits_the_phone(public)
