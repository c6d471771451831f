"""Run the scheduled jobs that the apps declare (core/jobs.py): `yingji tick`.

    yingji tick                 # a long-running service: due jobs every YINGJI_TICK_SECONDS
    yingji tick --once          # run what is due now and exit (cron, a systemd timer)
    yingji tick --status        # every job: when it ran, how long, its last error

One tick process per installation is enough; more are harmless (each job is
claimed under a database lock).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from yingji.core import jobs
from yingji.core.models import ScheduledJob


class Command(BaseCommand):
    help = "Run the scheduled jobs of every app when they are due (escalations, retries, deadlines)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run the jobs that are due now, then exit.")
        parser.add_argument("--every", type=float, default=None,
                            help="Seconds between looks for due jobs (default: YINGJI_TICK_SECONDS).")
        parser.add_argument("--status", action="store_true", help="Print every job's last run and exit.")

    def handle(self, *args: Any, once: bool = False, every: float | None = None, status: bool = False,
               **options: Any) -> None:
        verbose = options["verbosity"] > 1
        if status:
            self._status()
            return
        runner = jobs.Runner()
        if once:
            self._report(runner.run_due(), verbose)
            return
        stop = threading.Event()
        # SIGTERM (systemctl stop) and Ctrl-C end the loop after the job that is running.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_a: stop.set())
        interval = jobs.tick_seconds() if every is None else every
        if interval <= 0:
            interval = 5.0
        self.stdout.write(f"running {len(runner.jobs)} jobs, looking every {interval:g} s")
        jobs.run_forever(stop, interval, runner, on_tick=lambda outcomes: self._report(outcomes, verbose))

    def _report(self, outcomes: list[jobs.Outcome], verbose: bool) -> None:
        for outcome in outcomes:
            if outcome.error:
                self.stderr.write(f"{outcome.name} failed: {outcome.error.strip().splitlines()[-1]}")
            elif verbose or (isinstance(outcome.result, dict) and any(outcome.result.values())):
                self.stdout.write(f"{outcome.name}: {outcome.result} ({outcome.duration_s:.2f} s)")

    def _status(self) -> None:
        declared = jobs.discover()
        rows = {row.name: row for row in ScheduledJob.objects.all()}
        for name, job in sorted(declared.items()):
            row = rows.get(name)
            if row is None or row.last_started_at is None:
                self.stdout.write(f"{name}  every {job.every}  never ran")
                continue
            error = row.last_error.strip().splitlines()[-1] if row.last_error else "ok"
            held = f"  held by {row.lease_owner} until {row.lease_until:%H:%M:%S}" if row.lease_owner else ""
            self.stdout.write(f"{name}  every {job.every}  last {row.last_started_at:%Y-%m-%d %H:%M:%S} "
                              f"({row.last_duration_s or 0:.2f} s)  next {row.due_at:%H:%M:%S}  runs {row.runs}  "
                              f"failures {row.failures}  {error}{held}")
