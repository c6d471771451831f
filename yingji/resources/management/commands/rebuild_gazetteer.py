"""`yingji rebuild_gazetteer`: rebuild the gazetteer's table from the road network in use and the ledgers.

Road import and the demo run it; lookups also rebuild any source that changed since (see
yingji/resources/gazetteer.py), so running it by hand is only needed to warm the table.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from yingji.resources.gazetteer import rebuild


class Command(BaseCommand):
    help = "Rebuild the gazetteer (roads, crossings and named places of the road network; ledger places)."

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        count = rebuild()
        self.stdout.write(f"gazetteer: {count} places in {time.perf_counter() - start:.1f} s")
