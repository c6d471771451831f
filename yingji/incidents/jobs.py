"""Periodic work of the incidents app, run by the scheduled-jobs runner (core/jobs.py)."""

from __future__ import annotations

import datetime
from typing import Any

from yingji.audit.context import acting_as
from yingji.core.jobs import periodic
from yingji.incidents.services.dispatch import escalate_overdue


@periodic("incidents.escalate", every=datetime.timedelta(seconds=15), lease=datetime.timedelta(minutes=2))
def escalate(now: datetime.datetime) -> dict[str, Any]:
    """Call-outs not acknowledged within YINGJI_DISPATCH_ACK_TIMEOUT_S go to the next team."""
    with acting_as(None, source="task"):
        return {"escalated": len(escalate_overdue(now))}
