"""Issue 17, in a browser: a community officer ticks a session's register on a 390 px phone (签到表) — two
of three members present, one for half the session — and the hours credited appear (Chinese, under the CSP)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from yingji.resources.tests.builders import make_member, make_team
from yingji.training import services
from yingji.training.models import Attendance
from yingji.training.tests.builders import course, session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_ticks_the_register_on_a_phone(cast, page_for, screenshot):
    team = make_team(cast.community_a, kind="community_rescue", name="A社区应急救援队")
    li, wang, zhao = (make_member(team, name=n) for n in ("李一", "王二", "赵三"))
    year = datetime.date.today().year
    held = session(cast.officer_a, course(cast.officer_a, cast.community_a, title="心肺复苏与AED", hours=8),
                   datetime.date(year, 5, 10), 2)
    page = page_for(cast.officer_a, mobile=True, csp=True)
    page.goto(f"/training/sessions/{held.pk}/", wait_until="domcontentloaded")
    assert "签到表" in page.content() and "计入学时" in page.content()
    page.check(f"#present-{li.pk}")
    page.check(f"#present-{wang.pk}")
    page.fill(f"input[name=days-{wang.pk}]", "1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("[data-testid=save-register]")
    page.wait_for_selector(f"[data-testid=hours-{li.pk}]:has-text('8.0')")
    assert page.locator(f"[data-testid=hours-{wang.pk}]").inner_text() == "4.0"
    assert page.locator(f"[data-testid=hours-{zhao.pk}]").inner_text() == "—"
    assert page.locator("[data-testid=present-count]").inner_text() == "2"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "training-register-phone")
    assert sorted(Attendance.objects.values_list("member__name", "days")) == [("李一", Decimal("2.0")),
                                                                              ("王二", Decimal("1.0"))]
    assert services.coverage(cast.community_a, year).covered == 2
