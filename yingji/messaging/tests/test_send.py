"""send(): one delivery per recipient and channel, robots by topic and place; read, acknowledge, progress."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.messaging import services
from yingji.messaging.models import Message, PushSubscription
from yingji.messaging.services import Person
from yingji.messaging.signals import acknowledged
from yingji.messaging.tests.builders import key_people, message, robot

pytestmark = pytest.mark.django_db


def rows(m: Message) -> list[tuple]:
    return sorted(m.deliveries.values_list("channel", "user_id", "contact_id", "robot_id", "name", "address"),
                  key=lambda r: (r[0], r[5], r[1] or 0))


def test_it_queues_one_delivery_per_recipient_and_channel_where_they_can_be_reached(cast):
    PushSubscription.objects.create(user=cast.responder_a, endpoint="https://push.example.org/1", p256dh="k",
                                    auth="a")
    people = key_people(cast, 2)
    m = message(cast, recipients=[cast.responder_a, cast.officer_a.pk, people,
                                  Person(name="队员", phone="13911112222"),
                                  (None, "13800001111", "")],  # officer_a's phone again: one SMS only
                channels=("in_app", "push", "sms", "email"))
    a, o = cast.responder_a, cast.officer_a
    c0, c1 = people.contacts.order_by("pk")
    assert rows(m) == sorted([
        ("email", None, c0.pk, None, "联系人0", "c0@example.org"),
        ("email", None, c1.pk, None, "联系人1", "c1@example.org"),
        ("in_app", a.pk, None, None, "responder_a", ""),
        ("in_app", o.pk, None, None, "officer_a", ""),
        ("push", a.pk, None, None, "responder_a", ""),  # officer_a's phone never agreed to notifications
        ("sms", a.pk, None, None, "responder_a", "13812345678"),
        ("sms", o.pk, None, None, "officer_a", "13800001111"),
        ("sms", None, c0.pk, None, "联系人0", "13900000000"),
        ("sms", None, c1.pk, None, "联系人1", "13900000001"),
        ("sms", None, None, None, "队员", "13911112222"),
    ], key=lambda r: (r[0], r[5], r[1] or 0))
    assert m.queued == 10
    assert set(m.deliveries.values_list("status", "attempts")) == {("queued", 0)}
    assert m.jurisdiction == cast.community_a and m.topic == "warnings"


def test_robots_hear_their_topics_over_their_subtree_only(cast):
    street = robot(cast, "https://robot.example.org/s", where=cast.street_1, topics=("warnings", "incidents"))
    robot(cast, "https://robot.example.org/d", where=cast.district, topics=("incidents",))  # another topic
    robot(cast, "https://robot.example.org/c", where=cast.community_c, topics=("warnings",))  # another street
    robot(cast, "https://robot.example.org/p", where=cast.district, topics=("warnings",), is_active=False)
    m = message(cast, robots=True)
    assert list(m.deliveries.filter(channel="robot").values_list("robot_id", "address")) == [
        (street.pk, "https://robot.example.org/s")]
    assert message(cast, robots=False).deliveries.filter(channel="robot").count() == 0


def test_a_robot_url_is_stored_on_the_delivery_without_its_key(cast):
    target = robot(cast, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret", topics=("warnings",))
    m = message(cast, robots=[target], recipients=[])
    assert m.deliveries.get().address == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"


def test_it_refuses_unknown_topics_channels_and_empty_titles(cast):
    for fields, field in (({"topic": "gossip"}, "topic"), ({"channels": ("pigeon",)}, "channels"),
                          ({"title": "  "}, "title")):
        with pytest.raises(ValidationError) as refused:
            message(cast, **fields)
        assert field in refused.value.message_dict
    assert not Message.objects.exists()


def test_the_subject_is_any_row(cast):
    m = message(cast, subject=cast.community_b)
    assert Message.objects.get(pk=m.pk).subject == cast.community_b
    assert message(cast).subject is None


def test_reading_marks_every_copy_of_the_person_and_nobody_elses(cast):
    m = message(cast, recipients=[cast.responder_a, cast.officer_a], channels=("in_app", "sms"))
    mine = m.deliveries.get(user=cast.responder_a, channel="in_app")
    at = timezone.now()
    assert services.mark_read(mine, cast.responder_a, now=at) == 2
    assert set(m.deliveries.filter(user=cast.responder_a).values_list("read_at", flat=True)) == {at}
    assert m.deliveries.get(user=cast.responder_a, channel="in_app").delivered_at == at
    assert not m.deliveries.filter(user=cast.officer_a).exclude(read_at=None).exists()
    with pytest.raises(Http404):
        services.mark_read(mine, cast.officer_a)  # someone else's copy
    with pytest.raises(Http404):
        services.mark_read(m, cast.officer_b)  # received nothing of it


def test_acknowledging_is_once_raises_the_signal_after_commit_and_needs_a_message_that_asks(
        cast, django_capture_on_commit_callbacks):
    heard: list[tuple] = []

    def listener(sender, message, user, at, **kwargs):  # type: ignore[no-untyped-def]
        heard.append((message.pk, user.pk, at))

    acknowledged.connect(listener)
    try:
        m = message(cast, ask_ack=True)
        row = m.deliveries.get()
        first = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            assert services.acknowledge(row, cast.responder_a, now=first) == first
        with django_capture_on_commit_callbacks(execute=True):
            assert services.acknowledge(m, cast.responder_a, now=first + datetime.timedelta(minutes=5)) == first
        row.refresh_from_db()
        assert (row.acknowledged_at, row.read_at) == (first, first)
        assert heard == [(m.pk, cast.responder_a.pk, first)]
        with pytest.raises(ValidationError):
            services.acknowledge(message(cast, ask_ack=False).deliveries.get(), cast.responder_a)
    finally:
        acknowledged.disconnect(listener)


def test_progress_counts_by_channel_and_status_and_people_in_two_queries(cast):
    m = message(cast, recipients=[cast.responder_a, cast.officer_a, cast.officer_b], channels=("in_app", "sms"),
                ask_ack=True)
    m.deliveries.filter(channel="sms", user=cast.officer_b).update(status="dead", attempts=5)
    m.deliveries.filter(channel="in_app").exclude(user=cast.officer_b).update(status="sent")
    services.acknowledge(m, cast.responder_a)
    services.mark_read(m, cast.officer_a)
    with CaptureQueriesContext(connection) as queries:
        counts = services.progress(m)
    assert len(queries) == 2
    assert counts["total"] == 6
    assert counts["by_status"] == {"queued": 3, "sending": 0, "sent": 2, "failed": 0, "dead": 1}
    assert counts["by_channel"]["in_app"] == {"queued": 1, "sending": 0, "sent": 2, "failed": 0, "dead": 0,
                                              "total": 3}
    assert counts["by_channel"]["sms"]["dead"] == 1
    assert (counts["users"], counts["read"], counts["acknowledged"]) == (3, 2, 1)


def test_send_hands_the_message_to_the_workers_after_the_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        m = message(cast, recipients=[cast.responder_a, cast.officer_a])
    assert len(callbacks) == 1
    # The task (immediate in tests) delivered the in-app copies.
    assert set(m.deliveries.values_list("status", "attempts")) == {("sent", 1)}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message(cast, recipients=[cast.responder_a], deliver=False)
    assert callbacks == []


def test_send_many_writes_several_messages_at_once_and_queues_their_delivery_together(
        cast, django_capture_on_commit_callbacks):
    from yingji.messaging.services import Draft, send_many

    drafts = [Draft(jurisdiction=cast.community_a, topic="incidents", event="callout", title=f"出警 {i}",
                    recipients=[cast.responder_a, cast.officer_a][: i + 1], robots=False) for i in range(2)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks, \
            CaptureQueriesContext(connection) as queries:
        first, second = send_many(drafts)
    assert (first.queued, second.queued) == (1, 2) and first.title == "出警 0"
    assert [d.user_id for d in first.deliveries.all()] == [cast.responder_a.pk]
    assert len(callbacks) == 1  # one hand-over to the workers for both
    assert len([q for q in queries if "messaging_message" in q["sql"] and "INSERT" in q["sql"]]) == 1


def test_a_big_message_is_handed_to_several_stored_tasks_written_in_one_commit(cast, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with CaptureQueriesContext(connection) as seen:
        services.enqueue([41, 42], count=20_001)
    tasks = list(DBTaskResult.objects.all())
    assert len(tasks) == services.MAX_TASKS  # 11 shares of 2,000, at most 8 tasks
    assert {tuple(t.args_kwargs["args"][0]) for t in tasks} == {(41, 42)}
    # One transaction around the eight INSERTs (a savepoint inside the test's own transaction).
    assert sum("SAVEPOINT" in q["sql"] and "RELEASE" not in q["sql"] and "ROLLBACK" not in q["sql"]
               for q in seen.captured_queries) == 1
    services.enqueue([43], count=10)
    assert DBTaskResult.objects.count() == services.MAX_TASKS + 1
