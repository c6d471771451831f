"""The progress page counts each person's state kept on their recipient row (progress.record, from
messaging's `progressed` signal): the figures must be the very ones the deliveries say, whatever
happened to the copies, and two workers finishing batches at once must not lose a change."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from yingji.core.testing import make_user
from yingji.messaging import delivery, inbox
from yingji.messaging import services as messaging
from yingji.messaging.models import Delivery
from yingji.messaging.signals import progressed
from yingji.warnings import progress, services
from yingji.warnings.models import WarningRecipient
from yingji.warnings.tests.builders import draft
from yingji.warnings.tests.test_progress import T0, spread


def same(warning) -> dict:  # type: ignore[no-untyped-def]
    """The page's figures, after checking they equal those counted from the deliveries — also with the
    channel counts the live page keeps in the cache (dropped by every `progressed`)."""
    kept, counted = progress.of(warning).as_dict(), progress.from_deliveries(warning).as_dict()
    assert kept == counted
    assert progress.of(warning, cached=True).as_dict() == counted
    return kept["total"]


@pytest.mark.django_db
def test_kept_state_equals_the_deliveries_on_constructed_data(cast, receiver, django_capture_on_commit_callbacks):
    warning = spread(cast)  # 2 grid workers (in-app + SMS), a member and a contact (SMS only)
    assert same(warning)["sent"] == 0
    rows = list(Delivery.objects.filter(message_id=warning.message_id).exclude(channel="robot").order_by("pk"))
    assert len(rows) == 6
    now = T0 + datetime.timedelta(minutes=1)
    # Constructed states, each announced as messaging announces its changes: one copy sent, one given
    # up, one failed (will retry), one given up whose person has another copy sent, read without delivered.
    states = [{"status": "sent", "sent_at": now}, {"status": "dead"}, {"status": "failed"},
              {"status": "dead"}, {"status": "sent", "delivered_at": now, "read_at": now}, {"status": "sent"}]
    for row, state in zip(rows, states, strict=True):
        Delivery.objects.filter(pk=row.pk).update(**state)
        progressed.send(sender=Delivery, message_ids=[warning.message_id], delivery_ids=[row.pk])
        same(warning)
    total = same(warning)
    assert (total["delivered"], total["read"]) == (1, 1) and total["sent"] >= 2
    # A signal without the rows (any of the message's may have changed) re-derives everyone.
    Delivery.objects.filter(message_id=warning.message_id, channel="sms").update(status="dead")
    progressed.send(sender=Delivery, message_ids=[warning.message_id], delivery_ids=None)
    assert same(warning)["undelivered"] >= 2
    # Through messaging's own paths: the operator retries what was given up, the workers send it,
    # the inbox shows it, a person marks everything read, another acknowledges on the phone.
    with django_capture_on_commit_callbacks(execute=True):
        assert messaging.retry(Delivery.objects.filter(message_id=warning.message_id), now=now) > 0
    assert same(warning)["undelivered"] == 0
    delivery.drain(now=now)
    assert same(warning)["sent"] == 4
    worker = cast.grid_worker_a
    with django_capture_on_commit_callbacks(execute=True):
        inbox.mark_shown(list(inbox.inbox(worker)), now=now)
    with django_capture_on_commit_callbacks(execute=True):
        messaging.mark_all_read(worker, now=now)
    second = WarningRecipient.objects.filter(warning=warning, user__isnull=False).exclude(user=worker).get().user
    with django_capture_on_commit_callbacks(execute=True):
        services.acknowledge(warning, second)
    total = same(warning)
    assert total["acknowledged"] == 1 and total["read"] >= 2
    # Who has not acknowledged stays the recipients without an acknowledgement.
    assert [r.user_id for r in progress.not_acknowledged(warning)] == [worker.pk]


@pytest.mark.django_db
def test_a_reminder_counts_with_the_release(cast, receiver, django_capture_on_commit_callbacks):
    warning = spread(cast, channels=("in_app",))
    delivery.drain(now=T0)
    worker = cast.grid_worker_a
    reminder = messaging.send(subject=warning, jurisdiction=warning.jurisdiction, topic="warnings",
                              event="warning.reminder", title="提醒", recipients=[worker], channels=("in_app",),
                              robots=False, ask_ack=True, now=T0, deliver=False)
    with django_capture_on_commit_callbacks(execute=True):
        messaging.mark_read(reminder, worker)
    assert same(warning)["read"] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_lose_no_count(cast, receiver, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.YINGJI_MESSAGING_RATE_PER_MINUTE = {}
    # Small claims, so that a person's two copies often land in batches of different workers.
    monkeypatch.setattr(delivery, "CLAIM_BATCH", 3)
    for i in range(40):
        make_user(f"gw_{i}", "grid_worker", cast.grid_a1, phone=f"1380000{i:04d}")
    monkeypatch.setattr(messaging, "enqueue", lambda ids, count: None)  # the two workers below deliver it
    warning = services.release(draft(cast, now=T0, target_groups=["grid_workers"], channels=["in_app", "sms"]),
                               actor=cast.commander, now=T0)
    people = WarningRecipient.objects.filter(warning=warning).count()
    assert people >= 41
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            delivery.drain(message_ids=[warning.message_id])
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    def reader() -> None:
        # People opening it on their phones while the workers send.
        try:
            start.wait()
            for user_id in WarningRecipient.objects.filter(warning=warning).values_list("user_id", flat=True)[:20]:
                rows = Delivery.objects.filter(message_id=warning.message_id, user_id=user_id, channel="in_app")
                if rows.exists():
                    messaging.mark_read(rows.get(), rows.get().user)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker), threading.Thread(target=worker), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors
    assert set(Delivery.objects.filter(message_id=warning.message_id).values_list("status", flat=True)) == {"sent"}
    total = same(warning)
    assert total["sent"] == people and total["read"] == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_recorder_waits_for_the_one_before_it_and_reads_after_its_commit(cast, receiver, monkeypatch):
    """The lock on the warning's row: a second recorder starts its UPDATE only after the first one
    committed, so it reads every delivery change committed before that (none is overwritten by a
    recorder that read earlier)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    monkeypatch.setattr(messaging, "enqueue", lambda ids, count: None)
    warning = spread(cast, channels=("in_app",))
    rows = list(Delivery.objects.filter(message_id=warning.message_id, channel="in_app").order_by("pk"))
    holding, release_ = threading.Event(), threading.Event()
    original = progress._update
    order: list[str] = []

    def first_update(warning_id, message_ids, delivery_ids):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "first":
            holding.set()
            assert release_.wait(60)
        order.append(threading.current_thread().name)
        return original(warning_id, message_ids, delivery_ids)

    monkeypatch.setattr(progress, "_update", first_update)

    def recorder(ids: list[int]) -> None:
        try:
            progress.record([warning.message_id], ids)
        finally:
            connections.close_all()

    Delivery.objects.filter(pk=rows[0].pk).update(status="sent")
    first = threading.Thread(target=recorder, args=([rows[0].pk],), name="first")
    first.start()
    assert holding.wait(60)  # the first holds the warning's lock
    Delivery.objects.filter(pk=rows[1].pk).update(status="sent", read_at=T0)
    second = threading.Thread(target=recorder, args=([rows[1].pk],), name="second")
    second.start()
    second.join(1)
    assert second.is_alive() and order == []  # waiting for the lock, not writing beside the first
    release_.set()
    first.join(60)
    second.join(60)
    assert order == ["first", "second"]
    total = same(warning)
    assert (total["sent"], total["read"]) == (2, 1)
