"""Every write of the supplies app, and the nearest-stock search.

Other apps call these functions (never the models' save()):

    issue_stock(warehouse, material, quantity, *, actor, reason, document=None) -> list[StockMovement]
        Take units out of a warehouse for an incident, first expiry first out
        (one movement per lot). Refuses with ValidationError({"quantity": …})
        when fewer units are available than asked (held minus reserved for
        approved allocations), and with Http404/PermissionDenied when `actor`
        may not move stock in that warehouse's jurisdiction
        ("supplies.move_stock"); `check=False` leaves the permission to the
        caller (issue_for_incident checks "supplies.issue_for_incident").

    receive_stock(warehouse, material, quantity, *, actor, reason, document="", batch="",
                  production_date=None, expiry_date=None, condition="good") -> StockMovement
    write_off(lot, quantity, *, actor, reason, document="") -> StockMovement
    transfer_stock(source, destination, material, quantity, *, actor, reason, document="") -> list[StockMovement]
    record_count(warehouse, {lot_id: counted}, *, actor, note="") -> StockCount
    record_maintenance(lot, *, actor, on=None, condition="good") -> StockLot

    nearest_warehouses(name, *, lon, lat, user, limit=3) -> list[dict]
        For the dispatch page: the nearest warehouses holding a material.

    issue_for_incident(*, incident, materials, actor) -> list[dict]
        At close-out (inside close_incident's transaction): issue each line of
        the materials used from its warehouse ("supplies.issue_for_incident",
        which community staff hold without "supplies.move_stock"), with the
        incident's reference as the document; lines without a warehouse are
        only recorded. One short line refuses the whole close-out.
    issue_sources / catalogue_names / issue_links
        The close-out form's material list and warehouse choices, and the
        incident page's links to the movements (services/for_incidents.py).

    search_stock(user, *, point=(lon, lat), term=None, material=None, quantity=1, limit=10) -> SearchResult
        Warehouses the user may see holding the quantity, nearest first by
        travel time, or a partial-fulfilment plan (services/search.py).

    request_allocation / approve_allocation / reject_allocation / cancel_allocation /
    dispatch_allocation / receive_allocation  (services/allocations.py)

    create_material / update_material / create_warehouse / update_warehouse  (services/registry.py)

Modules: stock.py (the ledger and its locking discipline), allocations.py,
search.py (the in-memory index), invalidation.py (how indexes learn of
changes), registry.py, reports.py, check.py (ledger consistency).
"""

from yingji.supplies.services.allocations import (
    LineRequest,
    approve_allocation,
    cancel_allocation,
    dispatch_allocation,
    receive_allocation,
    reject_allocation,
    request_allocation,
)
from yingji.supplies.services.for_incidents import (
    catalogue_names,
    issue_for_incident,
    issue_links,
    issue_sources,
    nearest_warehouses,
)
from yingji.supplies.services.registry import (
    create_material,
    create_warehouse,
    update_material,
    update_warehouse,
)
from yingji.supplies.services.search import search_stock
from yingji.supplies.services.stock import (
    issue_stock,
    receive_stock,
    record_count,
    record_maintenance,
    transfer_stock,
    write_off,
)

__all__ = [
    "nearest_warehouses",
    "catalogue_names",
    "issue_for_incident",
    "issue_links",
    "issue_sources",
    "LineRequest",
    "approve_allocation",
    "cancel_allocation",
    "create_material",
    "create_warehouse",
    "dispatch_allocation",
    "issue_stock",
    "receive_allocation",
    "receive_stock",
    "record_count",
    "record_maintenance",
    "reject_allocation",
    "request_allocation",
    "search_stock",
    "transfer_stock",
    "update_material",
    "update_warehouse",
    "write_off",
]
