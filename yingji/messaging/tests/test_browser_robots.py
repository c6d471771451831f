"""An officer adds the duty group's robot in a browser and checks it with a test message."""

from __future__ import annotations

import pytest

from yingji.messaging.models import RobotTarget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_adds_a_robot_and_sends_a_test_message(cast, page_for, live_server, receiver, screenshot):
    page = page_for(cast.officer_a)
    page.goto(live_server.url + "/")
    page.click("nav.mainnav a[href='/messaging/robots/']", force=True)
    page.click("[data-testid=robot-new]")
    page.fill("#id_name", "A社区值班群")
    page.select_option("#id_jurisdiction", str(cast.community_a.pk))
    page.select_option("#id_format", "wechat_work")
    page.fill("#id_url", receiver.url + "/cgi-bin/webhook/send?key=secret-key")
    page.check("input[name=topics][value=warnings]")  # incidents is ticked already
    page.click("[data-testid=robot-save]")
    page.click("[data-testid=robot-test]")
    page.wait_for_selector("ul.messages li.success")
    assert len(receiver.received) == 1
    assert "badge green" in page.inner_html("[data-testid=robot-deliveries]")
    screenshot(page, "messaging-robot-edit")
    page.click("a[href='/messaging/robots/']")
    target = RobotTarget.objects.get()
    assert target.topics == ["incidents", "warnings"]
    page.wait_for_selector(f"[data-testid=robot-{target.pk}]")
    assert "secret-key" not in page.content()
    screenshot(page, "messaging-robot-list")
