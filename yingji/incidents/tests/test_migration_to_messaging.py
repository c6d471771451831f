"""Migration 0007: webhook targets and notification rows of an existing installation move to messaging."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("incidents", "0006_redact_webhook_history"), ("messaging", "0001_initial")]
AFTER = [("incidents", "0007_move_notifications_to_messaging")]


def migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest():  # type: ignore[no-untyped-def]
    """Whatever the test does, the database ends fully migrated (the next tests need every table)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_targets_keep_their_id_and_history_and_notifications_become_deliveries(cast, back_to_the_latest):
    old = migrate(BEFORE)
    Jurisdiction = old.get_model("jurisdictions", "Jurisdiction")
    WebhookTarget = old.get_model("incidents", "WebhookTarget")
    Incident = old.get_model("incidents", "Incident")
    Notification = old.get_model("incidents", "Notification")
    ContentType = old.get_model("contenttypes", "ContentType")
    ChangeRecord = old.get_model("audit", "ChangeRecord")
    community = Jurisdiction.objects.get(pk=cast.community_a.pk)
    made = timezone.now() - datetime.timedelta(days=30)
    robot = WebhookTarget.objects.create(jurisdiction=community, name="A社区值班群", format="dingtalk",
                                         url="https://oapi.dingtalk.com/robot/send?access_token=t", secret="SECx",
                                         is_active=False)
    WebhookTarget.objects.filter(pk=robot.pk).update(created_at=made, updated_at=made)
    webhook_type, _created = ContentType.objects.get_or_create(app_label="incidents", model="webhooktarget")
    ChangeRecord.objects.create(action="create", content_type=webhook_type, object_id=str(robot.pk),
                                object_repr="A社区值班群", jurisdiction_path=community.path,
                                changes={"name": [None, "A社区值班群"]})
    incident = Incident.objects.create(jurisdiction=community, type_code="13100", channel="119", lon=114.02,
                                       lat=22.52, received_at=made, address="A社区1栋")
    payload = {"title": "出警：火灾", "text": "A社区1栋", "incident": incident.pk, "team_name": "A一队"}
    sent_at = made + datetime.timedelta(seconds=5)
    Notification.objects.create(incident=incident, channel="in_app", recipient_id=cast.responder_a.pk,
                                kind="callout", payload=payload, status="sent", attempts=1, sent_at=sent_at,
                                read_at=sent_at)
    Notification.objects.create(incident=incident, channel="in_app", recipient_id=cast.officer_a.pk,
                                kind="callout", payload=payload, status="queued")
    Notification.objects.create(incident=incident, channel="webhook", webhook=robot, address=robot.url,
                                kind="incident.new", payload={"title": "新警情", "text": "…"}, status="failed",
                                attempts=5, last_error="HTTP Error 500")
    Notification.objects.create(incident=incident, channel="webhook", webhook=robot, address=robot.url,
                                kind="incident.dispatched", payload={"title": "已派", "text": "…"}, status="queued",
                                attempts=2, next_attempt_at=made + datetime.timedelta(minutes=2))
    Notification.objects.create(channel="webhook", webhook=robot, address=robot.url, kind="test",
                                payload={"title": "测试", "text": "…"}, status="sent", attempts=1, sent_at=made)

    new = migrate(AFTER)
    RobotTarget = new.get_model("messaging", "RobotTarget")
    Message = new.get_model("messaging", "Message")
    Delivery = new.get_model("messaging", "Delivery")
    moved = RobotTarget.objects.get()
    assert (moved.pk, moved.name, moved.format, moved.url, moved.secret, moved.is_active, moved.topics,
            moved.created_at) == (robot.pk, "A社区值班群", "dingtalk", robot.url, "SECx", False, ["incidents"], made)
    robot_type = ContentType.objects.get(app_label="messaging", model="robottarget")
    # The robot's history follows it.
    assert not ChangeRecord.objects.filter(content_type=webhook_type).exists()
    assert ChangeRecord.objects.get(content_type=robot_type, object_id=str(robot.pk)).object_repr == "A社区值班群"
    callout = Message.objects.get(event="callout")
    assert (callout.title, callout.body, callout.topic, callout.jurisdiction_id) == (
        "出警：火灾", "A社区1栋", "incidents", community.pk)
    assert callout.payload == {"incident": incident.pk, "team_name": "A一队"}
    assert sorted(Delivery.objects.filter(message=callout).values_list("user_id", "status", "attempts", "read_at")) \
        == sorted([(cast.responder_a.pk, "sent", 1, sent_at), (cast.officer_a.pk, "queued", 0, None)])
    statuses = dict(Delivery.objects.filter(channel="robot").values_list("message__event", "status"))
    assert statuses == {"incident.new": "dead", "incident.dispatched": "failed", "test": "sent"}
    assert set(Delivery.objects.filter(channel="robot").values_list("address", flat=True)) == {
        "https://oapi.dingtalk.com/robot/send?…"}  # no key in the delivery rows
    test = Message.objects.get(event="test")
    assert (test.subject_type_id, test.subject_id, test.topic) == (robot_type.pk, robot.pk, "system")
    migrate([("incidents", "0008_drop_notifications_and_webhook_targets")])
    # A new robot target continues the ids after the moved ones (the sequence was reset on PostgreSQL).
    from yingji.messaging.models import RobotTarget as Current

    assert Current.objects.create(jurisdiction_id=community.pk, name="新", url="https://example.org/h").pk > robot.pk
