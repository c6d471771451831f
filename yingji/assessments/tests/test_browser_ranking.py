"""In a browser: the commander opens a period's ranking, follows a street's score down to an
indicator and from there to the hazard behind it (Chinese; on a 390 px phone too)."""

from __future__ import annotations

import pytest

from yingji.assessments.models import Scheme
from yingji.assessments.presets import load_presets
from yingji.assessments.tests import builders as b

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("mobile", [False, True])
def test_the_commander_drills_down_from_the_ranking_to_the_hazard(cast, page_for, live_server, screenshot,
                                                                   mobile):
    load_presets(cast.district)
    scheme = Scheme.objects.get(code=f"pingshan-2023-{cast.district.code}")
    late = b.hazard(cast.community_a, b.at(2023, 5, 15), closed=b.at(2023, 5, 20))
    b.stations(cast.community_b, "street_front", 3, registered=b.at(2023, 3, 1))
    page = page_for(cast.commander, mobile=mobile)
    page.goto(f"{live_server.url}/assessments/{scheme.code}/2023/")
    table = page.inner_text("[data-testid=ranking]")
    assert "排名" in table and "南园街道" in table and "园岭街道" in table
    page.click(f"[data-testid=subject-{cast.street_1.code}]")
    page.wait_for_selector("[data-testid=module-prevention]")
    assert "0.2" in page.inner_text("body")   # the bonus: 2 stations beyond the target × 0.1
    page.click("[data-testid=indicator-prevention-hazards]")
    page.wait_for_selector("[data-testid=records]")
    assert "0 / 1" in page.inner_text("[data-testid=measured]").replace("要求 ", "").replace("完成 ", "")
    page.click(f"[data-testid=records] a[href='/hazards/{late.pk}/']")
    page.wait_for_url(f"**/hazards/{late.pk}/")
    screenshot(page, "assessments-drill-down" + ("-phone" if mobile else ""))
