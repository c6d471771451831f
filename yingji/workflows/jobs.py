"""The deadlines of every workflow (machine.py), run by the scheduled-jobs runner (core/jobs.py)."""

from __future__ import annotations

import datetime
from typing import Any

from yingji.audit.context import acting_as
from yingji.core.jobs import periodic
from yingji.workflows.machine import escalate_overdue


@periodic("workflows.deadlines", every=datetime.timedelta(seconds=30))
def deadlines(now: datetime.datetime) -> dict[str, Any]:
    """Objects that stayed in a state past its deadline are escalated (once each)."""
    with acting_as(None, source="task"):
        return {"escalated": escalate_overdue(now)}
