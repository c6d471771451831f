"""Escalate unanswered call-outs and retry failed notifications, once or every few seconds.

    manage.py incidents_tick            # once (cron)
    manage.py incidents_tick --every 10 # a small loop beside the task worker
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from yingji.audit.context import acting_as
from yingji.incidents.services.dispatch import escalate_overdue
from yingji.incidents.services.notify import retry_due


class Command(BaseCommand):
    help = "Escalate call-outs not acknowledged in time and retry failed notifications."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args: Any, every: float = 0, **options: Any) -> None:
        while True:
            with acting_as(None, source="command"):
                escalated = escalate_overdue()
                retried = retry_due()
            if escalated or retried["sent"] or retried["failed"] or options["verbosity"] > 1:
                self.stdout.write(f"escalated {len(escalated)}, resent {retried['sent']}, failed {retried['failed']}")
            if every <= 0:
                return
            time.sleep(every)
