"""The warnings' scheduled jobs (core/jobs.py runs them)."""

from __future__ import annotations

import datetime

from yingji.audit.context import acting_as
from yingji.core.jobs import periodic
from yingji.warnings import feeds, release, services


@periodic("warnings.expire", every=datetime.timedelta(minutes=1))
def expire(now: datetime.datetime) -> dict[str, int]:
    """Warnings whose time is up leave the public page and feeds."""
    return {"expired": services.expire_due(now)}


@periodic("warnings.remind", every=datetime.timedelta(minutes=1))
def remind(now: datetime.datetime) -> dict[str, int]:
    """Remind those who have not acknowledged a warning in force after its set time."""
    with acting_as(None, source="task"):
        return release.remind_due(now)


@periodic("warnings.poll_feeds", every=datetime.timedelta(minutes=1), lease=datetime.timedelta(minutes=10))
def poll_feeds(now: datetime.datetime) -> dict[str, int]:
    """The CAP feeds whose interval has passed: each new message becomes a draft warning."""
    with acting_as(None, source="task"):
        return feeds.poll_due(now)
