"""Scheduled jobs: each app declares its periodic work in its own jobs.py; one runner runs what is due.

    # yingji/<app>/jobs.py
    from datetime import timedelta
    from yingji.core.jobs import periodic

    @periodic("incidents.escalate", every=timedelta(seconds=15))
    def escalate(now):            # `now` is the runner's clock: use it, not timezone.now()
        ...

The jobs.py modules are discovered from settings.YINGJI_APPS, like urls.py,
api.py and demo.py. Each job has a row (`core.ScheduledJob`) with when it is
next due and a lease: a runner runs a job only after claiming its row —
`select_for_update(skip_locked=True)` on PostgreSQL, a guarded UPDATE on SQLite
— so several runner processes never run one job at once, and one tick process
is enough while more are harmless. A job is due again `every` after its run
started; a run that raises is recorded (`last_error`, `failures`) and the other
jobs run as usual. A lease left by a runner that died expires after `lease`.

Who runs the runner: `yingji tick` (production: a systemd service,
docs/deployment.md), and in development and the demo `yingji serve` in a
thread (yingji/core/background.py).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from yingji.core.models import ScheduledJob

log = logging.getLogger(__name__)

JobFunction = Callable[[datetime], Any]
DEFAULT_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Job:
    """A periodic job: `func(now)` runs every `every`; a runner holds it at most `lease`."""

    name: str
    every: timedelta
    func: JobFunction
    lease: timedelta = DEFAULT_LEASE


JOBS: dict[str, Job] = {}


def periodic(name: str, *, every: timedelta, lease: timedelta | None = None) -> Callable[[JobFunction], JobFunction]:
    """Declare `func(now)` as the job `name` ("<app>.<what>"), due every `every`.

    `lease` bounds how long one run may hold the job before another runner may
    take it over (a runner that died); make it longer than the job ever runs.
    """
    if every <= timedelta(0):
        raise ImproperlyConfigured(f"job {name}: every must be positive")

    def register(func: JobFunction) -> JobFunction:
        known = JOBS.get(name)
        if known is not None and f"{known.func.__module__}.{known.func.__qualname__}" != \
                f"{func.__module__}.{func.__qualname__}":
            raise ImproperlyConfigured(f"two jobs are named {name}")
        JOBS[name] = Job(name, every, func, lease or max(DEFAULT_LEASE, every))
        return func

    return register


def discover() -> dict[str, Job]:
    """Import every app's jobs.py (settings.YINGJI_APPS) and answer the declared jobs by name."""
    for app_module in settings.YINGJI_APPS:
        if module_has_submodule(import_module(app_module), "jobs"):
            import_module(f"{app_module}.jobs")
    return dict(JOBS)


@dataclass
class Outcome:
    """What one run of a job did."""

    name: str
    error: str
    result: Any
    duration_s: float

    @property
    def ok(self) -> bool:
        return not self.error


def _storable(result: Any) -> Any:
    """The job's answer as JSON for `last_result` (its text when it is not JSON)."""
    try:
        json.dumps(result)
        return result
    except (TypeError, ValueError):
        return str(result)[:500]


class Runner:
    """Runs the due jobs, each under its row's lease. One per process is enough."""

    def __init__(self, jobs: Iterable[Job] | None = None, owner: str | None = None) -> None:
        self.jobs = {job.name: job for job in (discover().values() if jobs is None else jobs)}
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def run_due(self, now: datetime | None = None) -> list[Outcome]:
        """Run every job that is due at `now` and that no other runner holds; answers what ran."""
        now = now or timezone.now()
        known = dict(ScheduledJob.objects.filter(name__in=list(self.jobs)).values_list("name", "due_at"))
        missing = [name for name in self.jobs if name not in known]
        if missing:  # a new job is due at once; two runners creating it at once is harmless
            ScheduledJob.objects.bulk_create([ScheduledJob(name=name, due_at=now) for name in missing],
                                             ignore_conflicts=True)
        due = [job for name, job in self.jobs.items() if name in missing or known[name] <= now]
        return [self._run(job, now) for job in due if self._claim(job, now)]

    def _claim(self, job: Job, now: datetime) -> bool:
        """Take the job's lease if it is due and free; the next run is then due `every` from now."""
        free = ScheduledJob.objects.filter(name=job.name, due_at__lte=now).filter(
            Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        claim = {"lease_until": now + job.lease, "lease_owner": self.owner, "due_at": now + job.every,
                 "last_started_at": now}
        if connection.vendor == "postgresql":
            with transaction.atomic():
                row = free.select_for_update(skip_locked=True).only("pk").first()
                if row is None:
                    return False
                ScheduledJob.objects.filter(pk=row.pk).update(**claim)
                return True
        # SQLite locks the whole database for a write: the guarded UPDATE is the claim.
        return free.update(**claim) == 1

    def _run(self, job: Job, now: datetime) -> Outcome:
        started = time.monotonic()
        result: Any = None
        error = ""
        try:
            result = job.func(now)
        except Exception:  # a failing job is recorded and never stops the others
            error = traceback.format_exc()[-4000:]
            log.exception("job %s failed", job.name)
        duration = time.monotonic() - started
        try:
            ScheduledJob.objects.filter(name=job.name, lease_owner=self.owner).update(
                lease_until=None, lease_owner="", last_finished_at=now + timedelta(seconds=duration),
                last_duration_s=duration, last_error=error, last_result=_storable(result),
                runs=F("runs") + 1, failures=F("failures") + (1 if error else 0))
        except Exception:  # the database went away mid-run: the lease expires by itself
            log.exception("could not record the run of job %s", job.name)
        if not error and result and (not isinstance(result, dict) or any(result.values())):
            log.info("job %s: %s", job.name, result)
        return Outcome(job.name, error, result, duration)


def tick_seconds() -> float:
    """How often a runner looks for due jobs (settings.YINGJI_TICK_SECONDS)."""
    return float(getattr(settings, "YINGJI_TICK_SECONDS", 5))


def run_forever(stop: threading.Event, interval: float | None = None, runner: Runner | None = None,
                on_tick: Callable[[list[Outcome]], None] | None = None) -> None:
    """Run due jobs every `interval` seconds until `stop` is set (the runner of `yingji tick` and `serve`)."""
    runner = runner or Runner()
    seconds = tick_seconds() if interval is None else interval
    try:
        while not stop.is_set():
            try:
                outcomes = runner.run_due()
                if on_tick is not None:
                    on_tick(outcomes)
            except Exception:  # the database is away: try again at the next tick
                log.exception("jobs runner: could not run the due jobs")
            finally:
                close_old_connections()
            stop.wait(seconds)
    finally:
        connection.close()  # this thread's own connection


@periodic("core.forget_idempotent_requests", every=timedelta(hours=1))
def forget_idempotent_requests(now: datetime) -> dict[str, int]:
    """Kept answers to Idempotency-Keys older than YINGJI_IDEMPOTENCY_HOURS go (core/idempotency.py)."""
    from yingji.core.idempotency import forget

    return forget(now)
