"""Duty's scheduled work (core/jobs.py): new and closed incidents picked up for the officer on duty (alerted) and
the reports up the chain — outside intake, whose hot path it would slow; the daily duty message to robot groups."""

from __future__ import annotations

import datetime

from yingji.audit.context import acting_as
from yingji.core.jobs import periodic
from yingji.duty.services import alerts, upward


@periodic("duty.incidents", every=datetime.timedelta(seconds=10))
def incidents(now: datetime.datetime) -> dict[str, int]:
    """Assign each new incident's street officer on duty, draft its first report; draft final reports."""
    with acting_as(None, source="task"):
        return upward.sweep(now)


@periodic("duty.daily_message", every=datetime.timedelta(minutes=1))
def daily_message(now: datetime.datetime) -> dict[str, int]:
    """Who is on duty today, to the duty topic's robot groups, once a day (settings.YINGJI_DUTY_DAILY_MESSAGE_AT)."""
    return alerts.send_daily_messages(now)
