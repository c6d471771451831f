"""Escalate unanswered call-outs and retry failed notifications, once or every few seconds.

    manage.py incidents_tick            # once (cron)
    manage.py incidents_tick --every 10 # a small loop beside the task worker

`yingji serve` in development runs the same tick in a thread (yingji/incidents/ticker.py).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from yingji.incidents.ticker import tick_once


class Command(BaseCommand):
    help = "Escalate call-outs not acknowledged in time and retry failed notifications."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args: Any, every: float = 0, **options: Any) -> None:
        while True:
            done = tick_once(source="command")
            if done["escalated"] or done["sent"] or done["failed"] or options["verbosity"] > 1:
                self.stdout.write(f"escalated {done['escalated']}, resent {done['sent']}, failed {done['failed']}")
            if every <= 0:
                return
            time.sleep(every)
