"""The robot target pages (the incidents' webhook pages, moved): list, create, edit, delete, the test
button, who may open them, and the old addresses."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.audit.services import history_rows
from yingji.core.testing import web_client
from yingji.messaging.models import Delivery, RobotTarget
from yingji.messaging.tests.builders import message

pytestmark = pytest.mark.django_db


def form(cast, url: str, **fields):  # type: ignore[no-untyped-def]
    data = {"name": "A社区值班群", "jurisdiction": cast.community_a.pk, "format": "wechat_work", "url": url,
            "secret": "", "topics": ["incidents", "warnings"], "is_active": "on"}
    data.update(fields)
    return data


def test_it_creates_edits_and_deletes_a_target_through_the_web(cast):
    client = web_client(cast.officer_a)
    assert client.get("/messaging/robots/new/").status_code == 200
    response = client.post("/messaging/robots/new/", form(cast, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"))
    target = RobotTarget.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/messaging/robots/{target.pk}/"
    assert (target.jurisdiction, target.format, target.is_active) == (cast.community_a, "wechat_work", True)
    listed = client.get("/messaging/robots/").content.decode()
    # The robot's key stays out of the list.
    assert "A社区值班群" in listed and "qyapi.weixin.qq.com/cgi-bin/webhook/send?…" in listed and "key=abc" not in listed

    client.post(f"/messaging/robots/{target.pk}/", form(cast, "https://oapi.dingtalk.com/robot/send?access_token=t",
                                                          name="A社区钉钉群", format="dingtalk", secret="SECxyz",
                                                          is_active=""))
    target.refresh_from_db()
    assert (target.name, target.format, target.secret, target.is_active) == ("A社区钉钉群", "dingtalk", "SECxyz", False)
    client.post(f"/messaging/robots/{target.pk}/", form(cast, target.url, name="A社区钉钉群", format="dingtalk"))
    target.refresh_from_db()
    assert target.secret == "SECxyz" and target.is_active  # an empty secret field keeps the stored one
    client.post(f"/messaging/robots/{target.pk}/", form(cast, target.url, format="dingtalk", clear_secret="on"))
    target.refresh_from_db()
    assert target.secret == ""
    page = client.get(f"/messaging/robots/{target.pk}/").content.decode()
    assert 'data-testid="history"' in page and "SECxyz" not in page
    assert len(history_rows(target)) == 4  # created and three changes, each with its actor
    # Nor do the robots' keys: the history keeps a fingerprint of the query, so a new key still shows as a change.
    history = page.split('data-testid="history"', 1)[1]
    assert "key=abc" not in history and "access_token=t" not in history
    assert "oapi.dingtalk.com/robot/send?…(" in history

    response = client.post(f"/messaging/robots/{target.pk}/delete/")
    assert response.status_code == 302 and not RobotTarget.objects.exists()


def test_it_refuses_bad_addresses_and_areas_outside_the_officers(cast):
    client = web_client(cast.officer_a, "en")
    page = client.post("/messaging/robots/new/", form(cast, "ftp://example.org/x")).content.decode()
    assert "Enter a valid URL." in page or "http(s)" in page
    page = client.post("/messaging/robots/new/", form(cast, "https://example.org/x",
                                                        jurisdiction=cast.community_b.pk)).content.decode()
    assert "Select a valid choice" in page
    assert not RobotTarget.objects.exists()


def test_another_communitys_officer_gets_404_and_read_only_roles_403(cast):
    target = RobotTarget.objects.create(jurisdiction=cast.community_a, name="A群", format="generic",
                                          url="http://127.0.0.1:9/a")
    outsider = web_client(cast.officer_b)
    assert outsider.get(f"/messaging/robots/{target.pk}/").status_code == 404
    for action in ("test", "delete"):
        assert outsider.post(f"/messaging/robots/{target.pk}/{action}/").status_code == 404
    assert outsider.post(f"/messaging/robots/{target.pk}/", form(cast, "http://evil.example/")).status_code == 404
    assert "A群" not in outsider.get("/messaging/robots/").content.decode()
    responder = web_client(cast.responder_a)  # sees community A, may not manage its robots
    assert responder.get("/messaging/robots/").status_code == 403
    assert responder.get(f"/messaging/robots/{target.pk}/").status_code == 403
    assert responder.post(f"/messaging/robots/{target.pk}/test/").status_code == 403
    assert responder.post(f"/messaging/robots/{target.pk}/delete/").status_code == 403
    assert responder.get("/messaging/robots/new/").status_code == 403
    assert web_client(cast.grid_worker_a).get(f"/messaging/robots/{target.pk}/").status_code == 404  # below it
    assert RobotTarget.objects.filter(pk=target.pk, url="http://127.0.0.1:9/a").exists()
    # The menu shows the page to those who may manage targets only.
    assert 'href="/messaging/robots/"' in web_client(cast.officer_a).get("/").content.decode()
    assert 'href="/messaging/robots/"' not in web_client(cast.grid_worker_a).get("/").content.decode()


def test_the_test_button_delivers_to_the_robot_and_the_page_shows_it(cast, receiver):
    target = RobotTarget.objects.create(jurisdiction=cast.community_a, name="A群", format="wechat_work",
                                        url=receiver.url + "/wx?key=k", is_active=False)
    client = web_client(cast.officer_a, "en")
    response = client.post(f"/messaging/robots/{target.pk}/test/", follow=True)
    assert "Test message delivered." in response.content.decode()
    [post] = receiver.received
    assert post.path == "/wx?key=k" and post.json["msgtype"] == "markdown" and "A群" in post.json["markdown"]["content"]
    n = Delivery.objects.get(robot=target)
    assert (n.message.event, n.status, n.message.subject, n.attempts) == ("test", "sent", target, 1)

    receiver.answers = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    response = client.post(f"/messaging/robots/{target.pk}/test/", follow=True)
    assert "Could not deliver the test message: The robot refused it (error code 93000)" in response.content.decode()
    assert Delivery.objects.filter(robot=target, status="dead", next_attempt_at=None).count() == 1  # not retried
    page = client.get(f"/messaging/robots/{target.pk}/").content.decode()
    assert page.count("badge green") == 1 and page.count("badge red") == 1
    listed = client.get("/messaging/robots/").content.decode()
    assert "badge red" in listed  # the last message failed


def test_the_list_reads_a_fixed_number_of_queries(cast, receiver):
    for i in range(6):
        RobotTarget.objects.create(jurisdiction=cast.street_1, name=f"群{i}", format="generic",
                                   url=f"{receiver.url}/{i}", topics=["incidents"])
    message(cast, recipients=[], topic="incidents", event="incident.new", robots=True)
    client = web_client(cast.commander)
    client.get("/messaging/robots/")
    with CaptureQueriesContext(connection) as few:
        client.get("/messaging/robots/")
    RobotTarget.objects.create(jurisdiction=cast.street_1, name="群7", format="generic", url=f"{receiver.url}/7")
    with CaptureQueriesContext(connection) as more:
        assert "群7" in client.get("/messaging/robots/").content.decode()
    assert len(more) == len(few)


def test_the_incidents_webhook_pages_redirect_here(cast):
    target = RobotTarget.objects.create(jurisdiction=cast.community_a, name="A群", format="generic",
                                        url="https://example.org/hook")
    client = web_client(cast.officer_a)
    for old, new in (("/incidents/webhooks/", "/messaging/robots/"),
                     ("/incidents/webhooks/new/", "/messaging/robots/new/"),
                     (f"/incidents/webhooks/{target.pk}/", f"/messaging/robots/{target.pk}/")):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new)
    assert web_client(cast.officer_c).get(client.get(f"/incidents/webhooks/{target.pk}/")["Location"]
                                          ).status_code == 404  # the new page keeps the scope


def test_the_migration_redacts_robot_keys_recorded_before(cast):
    """0006 rewrote the history recorded under incidents' webhook targets; it still does for such rows."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from yingji.audit.models import ChangeRecord

    old_type, _created = ContentType.objects.get_or_create(app_label="incidents", model="webhooktarget")
    # As the log wrote it before: the whole URL.
    old = ChangeRecord.objects.create(
        action="update", content_type=old_type, object_id="1", object_repr="旧机器人",
        jurisdiction_path=cast.community_a.path,
        changes={"url": ["https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=old",
                         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=new"], "name": ["a", "b"]})
    import_module("yingji.incidents.migrations.0006_redact_webhook_history").redact(apps, None)
    old.refresh_from_db()
    before, after = old.changes["url"]
    assert "key=" not in before + after and before != after  # still shows that the key changed
    assert before.startswith("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…(")
    assert old.changes["name"] == ["a", "b"]
