"""Periodic jobs of plans (run by core.jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from yingji.audit.context import acting_as
from yingji.core.jobs import periodic
from yingji.plans import reminders


@periodic("plans.review_reminders", every=timedelta(hours=6))
def review_reminders(now: datetime) -> dict[str, Any]:
    """Owners hear of plans whose review is due within 30 days, and of those overdue (once each)."""
    with acting_as(None, source="task"):
        return reminders.remind_reviews(now)
