"""Periodic work of messaging, run by the scheduled-jobs runner (core/jobs.py)."""

from __future__ import annotations

import datetime
from typing import Any

from yingji.audit.context import acting_as
from yingji.core.jobs import periodic
from yingji.messaging import delivery

# A run sends at most this many batches (CLAIM_BATCH rows each); what is left is due at the next run,
# and the delivery tasks queued with each message do the bulk of the work anyway.
MAX_BATCHES = 40


@periodic("messaging.deliver_due", every=datetime.timedelta(seconds=15), lease=datetime.timedelta(minutes=15))
def deliver_due(now: datetime.datetime) -> dict[str, Any]:
    """Deliveries due now: failed ones whose back-off is over, ones a rate limit put off to this
    minute, ones a dead worker left claimed, and any whose task never ran."""
    with acting_as(None, source="task"):
        return delivery.drain(now=now, max_batches=MAX_BATCHES)
