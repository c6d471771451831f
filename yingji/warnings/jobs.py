"""The warnings' scheduled jobs (core/jobs.py runs them)."""

from __future__ import annotations

import datetime

from yingji.core.jobs import periodic
from yingji.warnings import services


@periodic("warnings.expire", every=datetime.timedelta(minutes=1))
def expire(now: datetime.datetime) -> dict[str, int]:
    """Warnings whose time is up leave the public page and feeds."""
    return {"expired": services.expire_due(now)}
