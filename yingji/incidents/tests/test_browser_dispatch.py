"""The moment the platform exists for, in a browser: call in, one click, acknowledged, on scene, live."""

from __future__ import annotations

import pytest

from yingji.incidents.models import Incident
from yingji.incidents.tests.builders import world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_activates_responder_arrives_console_follows_live(cast, page_for, asgi_server, screenshot):
    world(cast)
    console = page_for(cast.officer_a)
    console.goto(asgi_server + "/incidents/console/")
    console.wait_for_selector("body[data-live]")

    officer = console.context.new_page()
    officer.goto(asgi_server + "/incidents/new/")
    officer.select_option("#id_type_code", "21100")
    officer.select_option("#id_severity", "iii")
    officer.select_option("#id_channel", "119")
    officer.fill("#id_address", "A社区1栋")
    officer.fill("#id_reporter_name", "王先生")
    officer.fill("#id_description", "3楼厨房冒烟，有人被困")
    screenshot(officer, "incidents-intake")
    officer.click("[data-testid=save-incident]")
    officer.wait_for_selector("[data-testid=one-click]")
    incident = Incident.objects.get()
    # The new call shows on the console without a reload.
    console.wait_for_selector(f"[data-testid=status-{incident.pk}]")
    console.wait_for_selector("#feed li[data-kind='incident.new']")
    screenshot(officer, "incidents-detail-candidates")
    officer.click("[data-testid=one-click]")
    officer.wait_for_selector("[data-testid=dispatches] .badge.d-called")
    console.wait_for_selector("#feed li[data-kind='incident.dispatched']")
    console.wait_for_selector(f"[data-testid=status-{incident.pk}].status-dispatched")

    phone = page_for(cast.responder_a, mobile=True)
    phone.goto(asgi_server + "/incidents/me/")
    card = phone.wait_for_selector("[data-testid^=callout-]")
    assert "A社区1栋" in card.inner_text()
    phone.wait_for_selector("body[data-live]")
    phone.click("[data-testid=step-acknowledge]")
    phone.wait_for_selector("[data-testid=step-acknowledge][disabled]")
    console.wait_for_selector("#feed li[data-kind='dispatch.acknowledge']")
    phone.fill("[data-testid=people]", "6")
    phone.click("[data-testid=step-arrive]")
    phone.wait_for_selector("[data-testid=step-handled]:not([disabled])")
    screenshot(phone, "incidents-responder-phone")
    console.wait_for_selector("#feed li[data-kind='dispatch.arrive']")
    console.wait_for_selector(f"[data-testid=status-{incident.pk}].status-on_scene")
    console.wait_for_timeout(500)
    screenshot(console, "incidents-console")

    officer.reload()
    timeline = officer.inner_text("[data-testid=timeline]")
    assert timeline.count("\n") >= 4
    screenshot(officer, "incidents-detail-after")
    incident.refresh_from_db()
    assert incident.status == "on_scene" and incident.arrived_at is not None
    assert incident.dispatches.filter(people_sent=6).exists()
    # Close the pages while the database is still open to the server's threads (their disconnect handlers use it).
    for page in (phone, console):
        page.context.close()
    import time

    time.sleep(0.5)
