"""The compliance view in a browser (Chinese; desktop and a 390 px phone): a street officer sees each
street and community's requirements, the one behind highlighted, and what is due before the year ends."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.drills.tests.builders import district_rules, drill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("mobile", [False, True])
def test_the_street_officer_sees_who_is_behind(cast, page_for, live_server, screenshot, mobile):
    district_rules(cast)
    year = timezone.localdate().year
    drill(cast.street_officer, cast.community_a, datetime.date(year, 1, 2))
    page = page_for(cast.street_officer, mobile=mobile)
    page.goto(f"{live_server.url}/drills/compliance/?year={year - 1}")  # a year gone: all due is behind
    page.wait_for_selector("[data-testid=compliance]")
    assert page.locator(f"[data-testid=behind-{cast.community_b.code}]").count() == 1
    assert page.locator(f"[data-testid=behind-{cast.street_1.code}]").count() == 1
    assert "C社区" not in page.inner_text("[data-testid=compliance]")  # the other street's
    page.goto(f"{live_server.url}/drills/compliance/?year={year}")
    table = page.inner_text("[data-testid=compliance]")
    assert "A社区" in table and "综合演练" in table and "年底前尚需开展" in table
    assert page.locator(f"[data-testid=behind-{cast.community_a.code}]").count() == 0
    assert "截至" in page.inner_text("[data-testid=compliance-summary]")
    screenshot(page, "drills-compliance" + ("-phone" if mobile else ""))
