"""`yingji check-stock`: verify that every balance is the sum of its movements."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yingji.supplies.models import Warehouse
from yingji.supplies.services.check import check_stock


class Command(BaseCommand):
    help = "Check, for every warehouse, that each balance equals the sum of its movements and of its lots."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--warehouse", action="append", default=[], help="Warehouse code (repeatable).")

    def handle(self, *args: Any, warehouse: list[str], **options: Any) -> None:
        queryset = Warehouse.objects.filter(code__in=warehouse) if warehouse else None
        if warehouse and queryset is not None and queryset.count() != len(set(warehouse)):
            raise CommandError("Unknown warehouse code.")
        checked, problems = check_stock(queryset)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} inconsistencies in {checked} balances.")
        self.stdout.write(f"OK: {checked} balances in {Warehouse.objects.count() if queryset is None else len(warehouse)} "
                          f"warehouses match their movements and lots.")
