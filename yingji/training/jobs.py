"""Training's scheduled work (core/jobs.py): attempts whose deadline passed without a submission are scored."""

from __future__ import annotations

import datetime

from yingji.audit.context import acting_as
from yingji.core.jobs import periodic
from yingji.training import quizzes


@periodic("training.close_attempts", every=datetime.timedelta(minutes=1))
def close_attempts(now: datetime.datetime) -> dict[str, int]:
    """A resident who closed the page still gets a score: what was saved before the deadline."""
    with acting_as(None, source="task"):
        return {"closed": quizzes.close_expired(now)}
