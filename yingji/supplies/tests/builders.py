"""Builders for the supplies tests: materials, warehouses and stock in the cast's district.

Warehouse positions are spread along one east-west line (latitude 22.52) so
that straight-line travel times rank them by longitude alone, which keeps
hand-checked expectations simple.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connection

from yingji.core.testing import Cast
from yingji.supplies.models import Category, Material, Warehouse, WarehouseLevel
from yingji.supplies.services.stock import receive_stock

LAT = 22.52


def make_material(cast: Cast, code: str, name: str, *, aliases: list[str] | None = None,
                  category: str = Category.FIREFIGHTING, unit: str = "具", **fields: Any) -> Material:
    return Material.objects.create(jurisdiction=cast.district, code=code, name=name, aliases=aliases or [],
                                   category=category, unit=unit, **fields)


def make_warehouse(jurisdiction: Any, code: str, lon: float, *, level: str = WarehouseLevel.COMMUNITY,
                   lat: float = LAT, **fields: Any) -> Warehouse:
    fields.setdefault("name", f"{jurisdiction.name}{code}仓库")
    fields.setdefault("keeper_name", f"仓管{code}")
    fields.setdefault("phone", "0755-8888%04d" % (sum(map(ord, code)) % 10000))
    return Warehouse.objects.create(jurisdiction=jurisdiction, code=code, lon=lon, lat=lat, level=level, **fields)


def stock(warehouse: Warehouse, material: Material, quantity: int, *, batch: str = "", **fields: Any) -> None:
    receive_stock(warehouse, material, quantity, actor=None, reason="opening stock", batch=batch, check=False,
                  **fields)


def race(n_threads: int, target: Callable[[int], object]) -> list[object]:
    """Run `target` in n threads, each with its own database connection, released together (PostgreSQL tests)."""
    barrier = threading.Barrier(n_threads)
    outcomes: list[object] = [None] * n_threads

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = target(i)
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test looks at
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    return outcomes
