"""Issue 13: a street officer on a 390 px phone creates a user and gives them a second membership;
every page fits the phone. Screenshots: test-artifacts/screenshots/users-*.png."""

from __future__ import annotations

import pytest

from yingji.accounts.models import User
from yingji.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390


def _fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_street_officer_creates_a_user_and_adds_a_membership(cast, page_for, screenshot) -> None:  # type: ignore[no-untyped-def]
    page = page_for(cast.street_officer, mobile=True)
    page.goto("/accounts/users/")
    assert page.inner_text("h1") == "用户管理"
    _fits_the_phone(page)
    screenshot(page, "users-list-phone")
    page.click("[data-testid=user-create]")
    page.fill("#id_username", "zhou9")
    page.fill("#id_display_name", "周九")
    page.fill("#id_phone", "1370000111")  # one digit short: named beside the field, nothing saved
    page.select_option("#id_role", Role.GRID_WORKER.value)
    page.select_option("#id_jurisdiction", str(cast.grid_a1.pk))
    page.click("[data-testid=user-save]")
    assert "11 位" in page.inner_text("[data-testid=user-form]")
    assert not User.objects.filter(username="zhou9").exists()
    _fits_the_phone(page)
    screenshot(page, "users-new-phone")
    page.fill("#id_phone", "13700001111")
    page.click("[data-testid=user-save]")
    page.wait_for_selector("[data-testid=one-time-password]")
    assert len(page.inner_text("[data-testid=one-time-password]")) == 14
    page.select_option("[data-testid=membership-form] select[name=role]", Role.RESPONDER.value)
    page.select_option("[data-testid=membership-form] select[name=jurisdiction]", str(cast.community_b.pk))
    page.click("[data-testid=membership-add]")
    page.wait_for_selector("[data-testid=memberships] >> text=B社区")
    rows = page.locator("[data-testid=memberships] tbody tr").all_inner_texts()
    assert any("救援队员" in r and "B社区" in r for r in rows) and any("网格员" in r for r in rows)
    assert "岗位授权" in page.inner_text("[data-testid=history]")
    _fits_the_phone(page)
    screenshot(page, "users-detail-phone")
    user = User.objects.get(username="zhou9")
    assert user.must_change_password and user.memberships.count() == 2
    page.goto("/accounts/users/?q=zhou9")
    page.click("[data-testid=user-manage]")  # the name opens the person's page
    page.wait_for_url(f"**/accounts/users/{user.pk}/")
