"""The incidents tick: escalate unanswered call-outs, retry failed notifications — and what runs it.

`tick_once()` is the one implementation; three things run it:

- `yingji incidents_tick [--every N]` (a cron job, a systemd timer or service:
  the production way, docs/deployment.md);
- the django-tasks task `yingji.incidents.tasks.tick`;
- in development and the demo, `yingji serve` starts `start()`: a daemon thread
  in the serving process ticking every `YINGJI_TICK_SECONDS` (15; 0 disables),
  so `make demo` escalates without a second process. A lock file in the data
  directory lets only one process on the machine tick, however many serve.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import close_old_connections, connection

from yingji.audit.context import acting_as

log = logging.getLogger(__name__)


def tick_once(source: str = "task") -> dict[str, int]:
    """One tick: answers how many call-outs were escalated and notifications resent or failed."""
    from yingji.incidents.services.dispatch import escalate_overdue
    from yingji.incidents.services.notify import retry_due

    with acting_as(None, source=source):
        escalated = escalate_overdue()
        retried = retry_due()
    return {"escalated": len(escalated), **retried}


class Ticker(threading.Thread):
    """A daemon thread calling `tick_once()` every `interval` seconds until `stop()`."""

    def __init__(self, interval: float, lock: IO[Any]) -> None:
        super().__init__(name="yingji-incidents-tick", daemon=True)
        self.interval = interval
        self._lock = lock
        self._stopped = threading.Event()
        self.ticks = 0  # completed ticks, for logs and tests

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                try:
                    done = tick_once()
                    self.ticks += 1
                    if done["escalated"] or done.get("sent") or done.get("failed"):
                        log.info("incidents tick: %s", done)
                except Exception:  # a bad tick must not end the scheduler; the next one tries again
                    log.exception("incidents tick failed")
                finally:
                    close_old_connections()
        finally:
            connection.close()  # this thread's own database connection
            self._lock.close()  # releases the lock for another process

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stopped.set()
        self.join(timeout)


def lock_path() -> Path:
    return Path(settings.DATA_DIR) / "incidents-tick.lock"


def start(interval: float | None = None, lock_file: Path | None = None) -> Ticker | None:
    """Start the tick thread, or answer None when disabled or when another process holds the lock."""
    seconds = float(settings.YINGJI_TICK_SECONDS if interval is None else interval)
    if seconds <= 0:
        return None
    handle = open(lock_file or lock_path(), "a")  # noqa: SIM115 - held open by the thread for its lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        log.info("incidents tick: another process already ticks; not starting a second one")
        return None
    ticker = Ticker(seconds, handle)
    ticker.start()
    log.info("incidents tick every %s s (YINGJI_TICK_SECONDS)", seconds)
    return ticker
