"""Issue 17, in a browser: a resident takes the fire quiz on a 390 px phone without logging in — name and
community, one answer per question kind, hand in, the score and the right answers (Chinese, under the CSP)."""

from __future__ import annotations

import pytest

from yingji.training.models import Attempt, AttemptStatus
from yingji.training.tests.builders import bank_with_questions, open_quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_takes_a_quiz_on_a_phone(cast, page_for, live_server, screenshot):
    bank, (single, multiple, true_false) = bank_with_questions(cast.commander, cast.district)
    quiz = open_quiz(cast.commander, cast.district, bank, title="全民消防安全知识竞答")
    page = page_for(None, mobile=True, csp=True)
    page.goto(f"{live_server.url}/training/learn/", wait_until="domcontentloaded")
    page.click("text=全民消防安全知识竞答")
    page.fill("input[name=name]", "张阿姨")
    page.select_option("select[name=community]", cast.community_b.code)
    page.click("[data-testid=quiz-begin]")
    page.wait_for_selector("[data-testid=quiz-paper]")
    assert "剩余时间" in page.content() and page.locator("[data-testid=quiz-timer]").inner_text().startswith("9:")
    page.check(f"input[name=q{single.pk}][value='0']")
    for option in (0, 2, 3):
        page.check(f"input[name=q{multiple.pk}][value='{option}']")
    page.check(f"input[name=q{true_false.pk}][value='0']")  # wrong: 错 is right
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "training-quiz-phone")
    page.click("[data-testid=quiz-submit]")
    page.wait_for_selector("[data-testid=quiz-result]")
    assert page.locator("[data-testid=quiz-score]").inner_text() == "20.0"
    assert "合格" in page.locator("[data-testid=quiz-result]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    attempt = Attempt.objects.get(quiz=quiz)
    assert (attempt.resident_name, attempt.jurisdiction, attempt.status) == ("张阿姨", cast.community_b,
                                                                             AttemptStatus.SUBMITTED)
