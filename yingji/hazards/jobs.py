"""Periodic jobs of the hazards capability (run by core.jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from yingji.audit.context import acting_as
from yingji.core.jobs import periodic
from yingji.hazards.services import notify
from yingji.hazards.services.escalation import escalate_overdue, escalation_summary


@periodic("hazards.escalate_overdue", every=timedelta(minutes=5))
def escalate(now: datetime) -> dict[str, Any]:
    """Overdue hazards go one level up the jurisdiction tree."""
    return escalation_summary(escalate_overdue(now))


@periodic("hazards.remind_missed_patrols", every=timedelta(hours=1))
def remind_missed_patrols(now: datetime) -> dict[str, Any]:
    """Grid workers hear of each patrol period that ended without a finished patrol (once per period)."""
    with acting_as(None, source="task"):
        return notify.remind_missed_patrols(now)
