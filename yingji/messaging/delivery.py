"""The delivery workers: claim due rows, send them through their channel, record what became of them.

A worker first claims a batch: it picks due rows (queued; failed whose next
attempt has come; sending whose claim expired, from a worker that died) and
marks them `sending` with its own claim token, counting the attempt. On
PostgreSQL that is one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
RETURNING *`, so concurrent workers take different rows without waiting for
each other; elsewhere the marking is a guarded `UPDATE … WHERE <still due>`,
and a worker sends only the rows that carry its token afterwards. So two workers never send one
delivery twice, whichever database.

After sending: sent rows are `sent`; a failed row waits `base · 2^(attempts-1)`
seconds (capped) as `failed`, and after the last attempt is `dead` and shown
on the undelivered page, where an operator sees why and retries (services.retry). Per-channel
rate limits (YINGJI_MESSAGING_RATE_PER_MINUTE; robots per target) put the
excess back in the queue for the next minute without counting an attempt.

Who runs it: the task `deliver_messages` queued after a message's commit
(tasks.py), the periodic job for what is due later (jobs.py), and
`send_now` for a test message sent in the request.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from yingji.core import ratelimit
from yingji.messaging.channels import SENDERS, Outcome
from yingji.messaging.models import Channel, Delivery, DeliveryStatus, Message, RobotTarget
from yingji.messaging.signals import progressed

log = logging.getLogger(__name__)
CLAIM_BATCH = 500
# How long a worker may hold claimed rows; then they are due again (the worker is presumed dead).
LEASE = datetime.timedelta(minutes=10)


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt: doubling from the base, capped."""
    base, cap = settings.YINGJI_MESSAGING_RETRY_BASE_S, settings.YINGJI_MESSAGING_RETRY_CAP_S
    return datetime.timedelta(seconds=min(cap, base * 2 ** max(0, min(attempts - 1, 30))))


def due(now: datetime.datetime) -> Q:
    return ((Q(status=DeliveryStatus.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)))
            | Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now))


def claim(*, now: datetime.datetime, token: str, limit: int | None = None,
          message_ids: list[int] | None = None) -> list[Delivery]:
    """Take up to `limit` (CLAIM_BATCH) due rows for this worker (see the module's docstring); answers them."""
    limit = limit or CLAIM_BATCH
    rows = Delivery.objects.filter(due(now))
    if message_ids is not None:
        rows = rows.filter(message_id__in=message_ids)
    mark = {"status": DeliveryStatus.SENDING, "claim": token, "claimed_until": now + LEASE}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            claimed = _claim_postgresql(rows, limit, mark)
        else:
            picked = list(rows.order_by("id").select_for_update(skip_locked=True)  # a no-op on SQLite
                          .values_list("pk", flat=True)[:limit])
            if not picked:
                return []
            # Guarded: another worker may have marked some of them since they were read.
            Delivery.objects.filter(due(now), pk__in=picked).update(attempts=F("attempts") + 1, **mark)
            claimed = list(Delivery.objects.filter(pk__in=picked, claim=token, status=DeliveryStatus.SENDING))
    claimed.sort(key=lambda row: row.pk)
    _attach(claimed)
    return claimed


def _claim_postgresql(rows: Any, limit: int, mark: dict[str, Any]) -> list[Delivery]:
    """One statement: lock the first due rows that no other worker holds (SKIP LOCKED), mark them
    and answer them (RETURNING). Picking the ids and updating them in a second statement cost five
    times as much: the planner joined the id list against every due row."""
    pick_sql, pick_params = (rows.order_by("id").values_list("pk", flat=True)[:limit]
                             .select_for_update(skip_locked=True).query.sql_with_params())
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in mark)
    sql = (f"UPDATE {table} SET {sets}, attempts = attempts + 1 WHERE id IN ({pick_sql}) "
           f"RETURNING {table}.*")
    return list(Delivery.objects.raw(sql, [*mark.values(), *pick_params]))


def _attach(rows: list[Delivery]) -> None:
    """Give the rows their message and robot, each read once (a message to 10,000 is one Message object)."""
    messages = Message.objects.in_bulk({row.message_id for row in rows})
    robots = RobotTarget.objects.in_bulk({row.robot_id for row in rows if row.robot_id is not None})
    for row in rows:
        row.message = messages[row.message_id]
        if row.robot_id is not None:
            row.robot = robots.get(row.robot_id)


def _within_rate(rows: list[Delivery], now: datetime.datetime, token: str) -> list[Delivery]:
    """The rows the channels' rate limits let go now; the others go back to the queue for the next minute."""
    limits: dict[str, int] = settings.YINGJI_MESSAGING_RATE_PER_MINUTE
    if not limits:
        return rows
    groups: dict[str, list[Delivery]] = defaultdict(list)
    for row in rows:
        key = f"robot:{row.robot_id}" if row.channel == Channel.ROBOT else row.channel
        groups[key].append(row)
    keep: list[Delivery] = []
    later: list[int] = []
    for key, group in groups.items():
        limit = limits.get(group[0].channel, 0)
        allowed = ratelimit.take(f"messaging:{key}", len(group), limit, 60, now=now.timestamp())
        keep += group[:allowed]
        later += [row.pk for row in group[allowed:]]
    if later:
        next_minute = now.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
        Delivery.objects.filter(pk__in=later, claim=token).update(
            status=DeliveryStatus.QUEUED, claim="", claimed_until=None, attempts=F("attempts") - 1,
            next_attempt_at=next_minute)
    return keep


def record(rows: list[Delivery], outcomes: dict[int, Outcome], *, now: datetime.datetime, token: str,
           retry: bool = True) -> dict[str, int]:
    """Write what became of the rows this worker sent (only rows still carrying its token)."""
    max_attempts = settings.YINGJI_MESSAGING_MAX_ATTEMPTS
    sent: dict[bool, list[int]] = {True: [], False: []}
    failed: dict[tuple[str, int], list[int]] = defaultdict(list)
    for row in rows:
        outcome = outcomes.get(row.pk, "not_attempted")
        if outcome is None:
            sent[SENDERS[row.channel].confirms_delivery].append(row.pk)
        else:
            failed[(outcome, row.attempts)].append(row.pk)
    mine = Delivery.objects.filter(claim=token)
    for confirmed, ids in sent.items():
        if ids:
            mine.filter(pk__in=ids).update(status=DeliveryStatus.SENT, sent_at=now, claim="", claimed_until=None,
                                           next_attempt_at=None, **({"delivered_at": now} if confirmed else {}))
    counts = {"sent": len(sent[True]) + len(sent[False]), "failed": 0, "dead": 0}
    for (error, attempts), ids in failed.items():
        permanent = error.startswith("!")
        if permanent or not retry or attempts >= max_attempts:
            mine.filter(pk__in=ids).update(status=DeliveryStatus.DEAD, last_error=error.lstrip("!")[:300], claim="",
                                           claimed_until=None, next_attempt_at=None)
            counts["dead"] += len(ids)
        else:
            mine.filter(pk__in=ids).update(status=DeliveryStatus.FAILED, last_error=error[:300], claim="",
                                           claimed_until=None, next_attempt_at=now + backoff(attempts))
            counts["failed"] += len(ids)
    return counts


def work(*, now: datetime.datetime | None = None, message_ids: list[int] | None = None, limit: int | None = None,
         retry: bool = True, force: bool = False) -> dict[str, int]:
    """Claim one batch of due rows, send it, record the outcomes; answers counts (claimed 0: nothing due).

    `now` is the clock (tests pass theirs); `force` sends to paused robots too
    (the test button); `retry=False` gives a failure up at once.
    """
    clock = now or timezone.now()
    token = uuid.uuid4().hex
    rows = claim(now=clock, token=token, limit=limit, message_ids=message_ids)
    if not rows:
        return {"claimed": 0, "sent": 0, "failed": 0, "dead": 0}
    claimed = len(rows)
    rows = _within_rate(rows, clock, token)
    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    for row in rows:
        by_channel[row.channel].append(row)
    outcomes: dict[int, Outcome] = {}
    for channel, batch in by_channel.items():
        try:
            outcomes.update(SENDERS[channel].send(batch, force=force))
        except Exception:  # a channel that breaks must not keep the others' rows claimed
            log.exception("messaging: channel %s failed", channel)
            outcomes.update({row.pk: "error" for row in batch})
    counts = record(rows, outcomes, now=now or timezone.now(), token=token, retry=retry)
    _tell_progress({row.message_id for row in rows}, [row.pk for row in rows])
    return {"claimed": claimed, **counts}


def _tell_progress(message_ids: set[int], delivery_ids: list[int]) -> None:
    """Raise `progressed` for what a batch moved on; a receiver that fails must not stop the worker."""
    if message_ids:
        for _receiver, result in progressed.send_robust(sender=Delivery, message_ids=sorted(message_ids),
                                                        delivery_ids=delivery_ids):
            if isinstance(result, Exception):
                log.error("messaging: a progressed receiver failed: %r", result)


def drain(*, now: datetime.datetime | None = None, message_ids: list[int] | None = None,
          max_batches: int | None = None, retry: bool = True, force: bool = False) -> dict[str, int]:
    """Work batches until nothing (of these messages) is due, or `max_batches`; answers the summed counts."""
    totals = {"claimed": 0, "sent": 0, "failed": 0, "dead": 0}
    batches = 0
    while max_batches is None or batches < max_batches:
        done = work(now=now, message_ids=message_ids, retry=retry, force=force)
        batches += 1
        for key in totals:
            totals[key] += done[key]
        if not done["claimed"]:
            break
    return totals


def send_now(message: Any, *, retry: bool = False, force: bool = False) -> dict[str, int]:
    """Deliver a message in the caller's request (a test message) instead of by the workers."""
    return drain(message_ids=[message.pk], retry=retry, force=force)
