"""Issue 17, in a browser: an officer opens a fire incident, the plan's checklist appears, two steps are
ticked, the timeline shows them (Chinese; and on a 390 px phone)."""

from __future__ import annotations

import pytest

from yingji.incidents.tests.builders import fire_in_a
from yingji.jurisdictions import locate
from yingji.plans import services
from yingji.plans.tests.builders import make_plan, rescue_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("mobile", [False, True])
def test_an_officer_ticks_two_steps_of_the_fire_card_and_the_timeline_shows_them(
        cast, page_for, live_server, screenshot, settings, mobile):
    settings.YINGJI_ROAD_NETWORK = ""
    locate._index = None
    plan = make_plan(cast.officer_a, cast.community_a)
    services.submit(plan, actor=cast.officer_a)
    services.approve(plan, actor=cast.street_officer)
    rescue_member(cast.officer_a, cast.community_a)  # step 2 is the community rescue team's
    incident = fire_in_a(cast)
    page = page_for(cast.officer_a, mobile=mobile)
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    page.wait_for_selector("[data-testid=plan-checklist]")
    for n in (1, 2):
        page.click(f"[data-testid=tick-{n}]")
        page.wait_for_selector(f"[data-testid=ticked-{n}]")
    # Step 3 is the station team's: listed, but no button for the officer.
    assert page.locator("[data-testid=checklist-item-3]").count() == 1
    assert page.locator("[data-testid=tick-3]").count() == 0
    timeline = page.inner_text("[data-testid=timeline]")
    assert "处置卡第 1 步已完成" in timeline and "处置卡第 2 步已完成" in timeline
    screenshot(page, "plans-incident-checklist" + ("-phone" if mobile else ""))
