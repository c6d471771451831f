"""The workers: claims, attempts counted right, back-off on a clock, dead letters, retries, rate limits."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.messaging import delivery, services
from yingji.messaging.models import Delivery
from yingji.messaging.tests.builders import message, robot

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 7, 1, 8, 0, tzinfo=datetime.UTC)


def s(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.fixture
def backoff(settings):  # type: ignore[no-untyped-def]
    settings.YINGJI_MESSAGING_MAX_ATTEMPTS = 4
    settings.YINGJI_MESSAGING_RETRY_BASE_S = 30
    settings.YINGJI_MESSAGING_RETRY_CAP_S = 90
    settings.YINGJI_MESSAGING_RATE_PER_MINUTE = {}


def robot_message(cast, url: str):  # type: ignore[no-untyped-def]
    target = robot(cast, url, topics=("warnings",))
    return message(cast, recipients=[], robots=[target], now=T0).deliveries.get()


def test_a_send_that_succeeds_on_the_third_post_counts_three_attempts(cast, receiver, backoff):
    row = robot_message(cast, receiver.url + "/hook")
    receiver.answers = [(500, {}), (503, {})]
    assert delivery.drain(now=s(0)) == {"claimed": 1, "sent": 0, "failed": 1, "dead": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("failed", 1, "http:500", s(30))
    assert delivery.drain(now=s(29))["claimed"] == 0  # not due yet
    delivery.drain(now=s(30))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("failed", 2, "http:503", s(90))
    delivery.drain(now=s(90))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at, row.delivered_at) == ("sent", 3, s(90), s(90))
    assert len(receiver.received) == 3
    assert delivery.drain(now=s(10_000))["claimed"] == 0  # sent is sent


def test_back_off_doubles_up_to_the_cap_then_the_delivery_is_given_up(cast, receiver, backoff):
    row = robot_message(cast, receiver.url + "/hook")
    receiver.answers = [(500, {})] * 10
    waits = []
    clock = s(0)
    for _ in range(4):
        delivery.drain(now=clock)
        row.refresh_from_db()
        if row.next_attempt_at:
            waits.append((row.next_attempt_at - clock).total_seconds())
            clock = row.next_attempt_at
    assert waits == [30, 60, 90]  # 30, 60, then capped at 90
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == ("dead", 4, None, "http:500")
    assert delivery.drain(now=s(100_000))["claimed"] == 0
    assert len(receiver.received) == 4


def test_a_dead_delivery_retried_by_an_operator_gets_one_more_attempt(cast, receiver, backoff,
                                                                      django_capture_on_commit_callbacks):
    row = robot_message(cast, receiver.url + "/hook")
    Delivery.objects.filter(pk=row.pk).update(status="dead", attempts=4, last_error="http:500")
    receiver.answers = [(500, {})]
    with django_capture_on_commit_callbacks(execute=True):  # the retry hands it to the workers
        assert services.retry(Delivery.objects.filter(pk=row.pk)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("dead", 5)  # tried once more, failed: given up again
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(Delivery.objects.filter(pk=row.pk))
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 6)
    assert services.retry(Delivery.objects.filter(pk=row.pk)) == 0  # only dead ones


def test_a_permanent_refusal_is_given_up_at_once(cast, receiver, backoff):
    row = robot_message(cast, receiver.url + "/hook")
    row.robot.is_active = False
    row.robot.save()
    delivery.drain(now=s(0))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, "robot_paused")
    assert receiver.received == []


def test_a_claimed_row_is_not_claimed_again_until_its_lease_expires(cast, backoff):
    m = message(cast, recipients=[cast.responder_a, cast.officer_a], now=T0)
    first = delivery.claim(now=s(0), token="a" * 32)
    assert len(first) == 2 and {r.status for r in first} == {"sending"} and {r.attempts for r in first} == {1}
    assert delivery.claim(now=s(1), token="b" * 32) == []  # a second worker finds nothing
    # The first worker died: after the lease another worker takes the rows, counting a new attempt.
    later = s(delivery.LEASE.total_seconds() + 1)
    second = delivery.claim(now=later, token="c" * 32)
    assert sorted(r.pk for r in second) == sorted(r.pk for r in first) and {r.attempts for r in second} == {2}
    # The dead worker's outcome is not written over the new claim.
    assert delivery.record(first, {r.pk: None for r in first}, now=s(2), token="a" * 32)["sent"] == 2
    assert set(m.deliveries.values_list("status", "claim")) == {("sending", "c" * 32)}


def test_rate_limits_put_the_excess_back_without_counting_an_attempt(cast, receiver, backoff, settings):
    settings.YINGJI_MESSAGING_RATE_PER_MINUTE = {"robot": 2}
    targets = [robot(cast, f"{receiver.url}/r{i}", topics=("warnings",)) for i in range(2)]
    m = message(cast, recipients=[], robots=targets + targets[:1], now=T0)  # a robot named twice hears once
    assert m.deliveries.count() == 2
    m2 = message(cast, recipients=[], robots=targets[:1], now=T0)
    m3 = message(cast, recipients=[], robots=targets[:1], now=T0)
    done = delivery.drain(now=s(5))
    assert done["sent"] == 3  # robot 0: two of its three this minute; robot 1: its one
    [waiting] = Delivery.objects.filter(status="queued")
    assert (waiting.robot_id, waiting.attempts, waiting.next_attempt_at) == (targets[0].pk, 0, s(60))
    assert delivery.drain(now=s(30))["claimed"] == 0
    assert delivery.drain(now=s(60))["sent"] == 1
    assert not Delivery.objects.exclude(status="sent").exists()
    assert {m.pk, m2.pk, m3.pk} == set(Delivery.objects.values_list("message_id", flat=True))


def test_in_app_deliveries_are_sent_at_once_and_counted(cast, backoff):
    m = message(cast, recipients=[cast.responder_a, cast.officer_a], now=T0)
    assert delivery.drain(now=s(1)) == {"claimed": 2, "sent": 2, "failed": 0, "dead": 0}
    assert set(m.deliveries.values_list("status", "attempts", "sent_at", "claim")) == {("sent", 1, s(1), "")}


def test_send_now_delivers_a_message_in_the_request_without_retrying(cast, allow_local, backoff):
    target = robot(cast, "http://127.0.0.1:9/nothing-listens", topics=("warnings",))
    m = message(cast, recipients=[], robots=[target], deliver=False)
    delivery.send_now(m)
    row = m.deliveries.get()
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, "network")
    assert row.queued_at <= timezone.now()


def test_the_periodic_job_sends_what_is_due_on_the_runners_clock(cast, receiver, backoff):
    from yingji.core.jobs import discover
    from yingji.messaging.jobs import deliver_due

    assert discover()["messaging.deliver_due"].func is deliver_due
    row = robot_message(cast, receiver.url + "/hook")
    receiver.answers = [(500, {})]
    assert deliver_due(s(0))["failed"] == 1
    assert deliver_due(s(10))["claimed"] == 0  # its back-off is not over
    assert deliver_due(s(30))["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
