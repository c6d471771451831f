"""An officer adds the duty group's robot in a browser and checks it with a test message."""

from __future__ import annotations

import pytest

from yingji.incidents.models import WebhookTarget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_adds_a_robot_and_sends_a_test_message(cast, page_for, live_server, receiver, screenshot):
    url, handler = receiver
    page = page_for(cast.officer_a)
    page.goto(live_server.url + "/")
    page.click("nav.mainnav a[href='/incidents/webhooks/']", force=True)
    page.click("[data-testid=webhook-new]")
    page.fill("#id_name", "A社区值班群")
    page.select_option("#id_jurisdiction", str(cast.community_a.pk))
    page.select_option("#id_format", "wechat_work")
    page.fill("#id_url", url + "/cgi-bin/webhook/send?key=secret-key")
    page.click("[data-testid=webhook-save]")
    page.click("[data-testid=webhook-test]")
    page.wait_for_selector("ul.messages li.success")
    assert len(handler.received) == 1
    assert "badge green" in page.inner_html("[data-testid=webhook-deliveries]")
    screenshot(page, "incidents-webhook-edit")
    page.click("a[href='/incidents/webhooks/']")
    page.wait_for_selector(f"[data-testid=webhook-{WebhookTarget.objects.get().pk}]")
    assert "secret-key" not in page.content()
    screenshot(page, "incidents-webhook-list")
