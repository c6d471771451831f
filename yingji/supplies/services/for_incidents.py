"""What the incidents app asks of the supplies ledger on the dispatch page.

`incidents.services.dispatch.warehouses_for` looks for `nearest_warehouses`
here (through `yingji.supplies.services`): for each material an incident type
usually needs, the nearest warehouses the officer may see that hold it.
"""

from __future__ import annotations

from typing import Any

from yingji.supplies.services.search import search_stock


def nearest_warehouses(name: str, *, lon: float, lat: float, user: Any, limit: int = 3) -> list[dict[str, Any]]:
    """The `limit` nearest visible warehouses holding at least one unit of the material called `name`."""
    result = search_stock(user, point=(lon, lat), term=name, quantity=1, limit=limit)
    return [{"name": hit.warehouse.name, "code": hit.warehouse.code, "minutes": round(hit.minutes, 1),
             "available": hit.available, "phone": hit.warehouse.phone, "estimated": result.estimated}
            for hit in result.hits[:limit]]
