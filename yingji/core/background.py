"""The background work that `yingji serve` runs beside the web server in development and the demo.

Production runs these as their own processes (`yingji worker`, `yingji tick`;
docs/deployment.md). For `make demo` one process must do everything, or a
queued siting study stays "queued" for ever and call-outs are never
delivered: `start()` runs the django-tasks database worker and the scheduled
jobs (core/jobs.py) in daemon threads of the serving process.
"""

from __future__ import annotations

import datetime
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from yingji.core import jobs

log = logging.getLogger(__name__)


def database_task_backend() -> Any:
    """The default task backend when it is django-tasks-db's (the one a worker thread can serve), else None."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    return backend if isinstance(backend, DatabaseBackend) else None


class TaskWorkerThread(threading.Thread):
    """django-tasks-db's worker loop in a daemon thread (the `db_worker` command without its signals)."""

    def __init__(self, interval: float = 1.0) -> None:
        super().__init__(name="yingji-task-worker", daemon=True)
        from django.utils.crypto import get_random_string
        from django_tasks_db.management.commands.db_worker import Worker

        backend = database_task_backend()
        self.worker = Worker(queue_names=["*"], interval=interval, batch=False,
                             backend_name=backend.alias if backend else "default", startup_delay=False,
                             max_tasks=None, worker_id=f"serve-{get_random_string(20)}", excluded_queue_names=[])

    def run(self) -> None:
        try:
            self.worker.run()
        except Exception:
            log.exception("the task worker thread stopped")
        finally:
            connection.close()

    def stop(self, timeout: float | None = 5.0) -> None:
        self.worker.running = False
        self.join(timeout)


class JobsThread(threading.Thread):
    """The scheduled-jobs runner (core/jobs.py) in a daemon thread."""

    def __init__(self, interval: float | None = None) -> None:
        super().__init__(name="yingji-jobs", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()
        self.ticks = 0  # completed passes over the due jobs, for logs and tests

    def run(self) -> None:
        def counted(_outcomes: list[jobs.Outcome]) -> None:
            self.ticks += 1

        jobs.run_forever(self.stopped, self.interval, on_tick=counted)

    def stop(self, timeout: float | None = 5.0) -> None:
        self.stopped.set()
        self.join(timeout)


@dataclass
class Background:
    """The threads `start()` began; `stop()` ends them."""

    threads: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for thread in self.threads:
            thread.stop()


def start(*, tasks: bool = True, scheduled: bool = True) -> Background:
    """Start the task worker (when tasks queue in the database) and the jobs runner (unless
    YINGJI_TICK_SECONDS is 0) in daemon threads of this process."""
    started = Background()
    if tasks and database_task_backend() is not None:
        worker = TaskWorkerThread()
        worker.start()
        started.threads.append(worker)
        log.info("background tasks run in this process")
    if scheduled and jobs.tick_seconds() > 0:
        runner = JobsThread()
        runner.start()
        started.threads.append(runner)
        log.info("scheduled jobs run in this process every %s s", jobs.tick_seconds())
    # An app with a long-running process of its own (the IoT alarms' MQTT listener) starts it here
    # through its AppConfig's `serve_threads()`, answering started threads (each with stop()); core
    # imports no app.
    from django.apps import apps

    for config in apps.get_app_configs():
        starter = getattr(config, "serve_threads", None)
        if starter is not None:
            started.threads.extend(starter())
    return started


# How long a queued task may wait before a page says that no worker seems to run.
WORKER_PATIENCE = datetime.timedelta(seconds=60)


def task_worker_seems_down(queued_at: datetime.datetime, now: datetime.datetime | None = None) -> bool:
    """Whether a task queued at `queued_at` has waited longer than WORKER_PATIENCE while no worker
    started any task: then no `yingji worker` (nor `yingji serve` in development) is running.

    Pages with queued work (siting studies) show it instead of "queued" for ever.
    """
    now = now or timezone.now()
    if now - queued_at < WORKER_PATIENCE or database_task_backend() is None:
        return False
    from django_tasks_db.models import DBTaskResult

    return not DBTaskResult.objects.filter(started_at__gte=queued_at).exists()
