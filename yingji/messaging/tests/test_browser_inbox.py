"""A grid worker reads and acknowledges a warning from the inbox, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from yingji.messaging.tests.builders import message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("mobile", [False, True], ids=["desktop", "phone"])
def test_read_and_acknowledge_from_the_inbox(cast, page_for, live_server, screenshot, mobile):
    warning = message(cast, recipients=[cast.grid_worker_a], ask_ack=True, title="暴雨黄色预警",
                      body="预计今晚至明天白天有大到暴雨，请加强巡查，及时转移低洼地区人员。")
    message(cast, recipients=[cast.grid_worker_a], title="值班提醒", body="明天 8:00 交接班。")
    row = warning.deliveries.get()
    page = page_for(cast.grid_worker_a, mobile=mobile)
    page.goto(live_server.url + "/")
    assert page.inner_text("[data-testid=inbox-link-count]") == "2"
    page.click("[data-testid=inbox-link]")
    page.wait_for_selector(f"[data-testid=inbox-{row.pk}].unread")
    screenshot(page, f"messaging-inbox-{'phone' if mobile else 'desktop'}")
    page.click(f"[data-testid=inbox-{row.pk}] a")
    page.wait_for_selector("[data-testid=acknowledge]")
    assert "请加强巡查" in page.inner_text("[data-testid=message]")
    assert page.inner_text("[data-testid=inbox-link-count]") == "1"  # opened: read
    row.refresh_from_db()
    assert row.read_at is not None and row.acknowledged_at is None
    page.click("[data-testid=acknowledge]")
    page.wait_for_selector("[data-testid=acknowledged]")
    row.refresh_from_db()
    assert row.acknowledged_at is not None
    screenshot(page, f"messaging-acknowledged-{'phone' if mobile else 'desktop'}")
    page.goto(live_server.url + "/messaging/inbox/")
    assert page.locator(f"[data-testid=inbox-{row.pk}].unread").count() == 0
    assert "已确认" in page.inner_text(f"[data-testid=inbox-{row.pk}]")
    # The phone page offers notifications: its service worker is the inbox's.
    scope = page.evaluate("navigator.serviceWorker.ready.then(function (r) { return r.scope; })")
    assert scope.endswith("/messaging/")
