"""Read-side helpers shared by the pages and the API: scoped lookups, stock tables, search answers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from yingji.core.scope import path_allowed, perm_name
from yingji.core.travel import travel_text
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.gazetteer import gazetteer
from yingji.supplies.models import Allocation, Material, StockBalance, StockLot, Warehouse
from yingji.supplies.services.search import Hit, MaterialEntry, SearchResult, StockState, warehouse_states


def visible_warehouse(user: Any, code: str) -> Warehouse:
    return get_object_or_404(Warehouse.objects.visible_to(user).select_related("jurisdiction", "keeper"), code=code)


def requestable_warehouse(user: Any, code: str) -> Warehouse:
    """A warehouse an allocation request may name as its source (issue 13: the street's depot and the
    district reserve besides the user's own); 404 for any other, as for one that does not exist."""
    return get_object_or_404(Warehouse.objects.requestable_sources_for(user).select_related("jurisdiction"),
                             code=(code or "").strip())


def request_sources(user: Any, material: Material | None = None) -> list[dict[str, Any]]:
    """What a requester is shown of the warehouses it may ask from, own first, then the depots above.

    Only what a request needs: code, name, level, owner, whether it is the user's own (whose
    pages they may open) and, for one material, the units available (held minus reserved) —
    never a depot's other stock, lots or ledger.
    """
    warehouses = list(Warehouse.objects.requestable_sources_for(user).filter(is_active=True)
                      .select_related("jurisdiction"))
    available: dict[int, int] = {}
    if material is not None:
        for warehouse_id, quantity, reserved in StockBalance.objects.filter(
                material=material, warehouse__in=[w.pk for w in warehouses]).values_list(
                    "warehouse_id", "quantity", "reserved"):
            available[warehouse_id] = quantity - reserved
    view = perm_name(Warehouse, "view")
    rows = []
    for warehouse in warehouses:
        own = path_allowed(user, view, warehouse.jurisdiction.path)
        rows.append({"code": warehouse.code, "name": warehouse.name, "level": warehouse.level,
                     "level_label": str(warehouse.get_level_display()), "owner_code": warehouse.jurisdiction.code,
                     "owner_name": warehouse.jurisdiction.name, "own": own,
                     "available": available.get(warehouse.pk, 0) if material is not None else None,
                     "_depth": warehouse.jurisdiction.depth})
    rows.sort(key=lambda row: (not row["own"], -row["_depth"], row["code"]))
    for row in rows:
        del row["_depth"]
    return rows


def visible_allocation(user: Any, number: str) -> Allocation:
    return get_object_or_404(Allocation.objects.visible_to(user).select_related(
        "jurisdiction", "destination__jurisdiction", "requested_by"), number=number)


def visible_lot(user: Any, lot_id: int) -> StockLot:
    return get_object_or_404(StockLot.objects.visible_to(user).select_related(
        "warehouse__jurisdiction", "material"), pk=lot_id)


def material_by_code(code: str) -> Material:
    material = Material.objects.filter(code=(code or "").strip()).first()
    if material is None:
        raise ValidationError({"material": _("No material with code %(code)s in the catalogue.") % {"code": code}})
    return material


def stock_state(held: int, available: int, minimum: int) -> str:
    if available <= 0:
        return StockState.EMPTY
    if held < minimum:
        return StockState.BELOW_MINIMUM
    return StockState.SUFFICIENT


def stock_rows(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Every material the warehouse holds or should hold (a minimum reserve for its level), with its lots."""
    balances = {b.material_id: b for b in StockBalance.objects.filter(warehouse=warehouse)}
    lots: dict[int, list[StockLot]] = {}
    for lot in StockLot.objects.filter(warehouse=warehouse, quantity__gt=0).order_by("expiry_date", "pk"):
        lots.setdefault(lot.material_id, []).append(lot)
    materials = Material.objects.filter(is_active=True).order_by("code")
    rows = []
    for material in materials:
        balance = balances.get(material.pk)
        minimum = material.minimum_for(warehouse.level)
        if balance is None and not minimum:
            continue
        held = balance.quantity if balance else 0
        reserved = balance.reserved if balance else 0
        if held == 0 and not minimum:
            continue
        rows.append({"material": material, "material_code": material.code, "material_name": material.name,
                     "unit": material.unit, "quantity": held, "reserved": reserved, "available": held - reserved,
                     "minimum": minimum, "state": stock_state(held, held - reserved, minimum),
                     "lots": lots.get(material.pk, [])})
    return rows


def visible_incident(user: Any, reference: str | None) -> Any:
    """The incident with this reference if the user may see it (None for other platforms' numbers)."""
    if not reference:
        return None
    # Supplies comes before incidents (settings.YINGJI_APPS) and imports nothing of it: the incident
    # model is reached through the allocation's relation to it.
    incident_model: Any = Allocation._meta.get_field("incident").related_model
    return incident_model.objects.visible_to(user).filter(reference=reference.strip()).first()


def resolve_point(user: Any, *, lon: float | None, lat: float | None, near: str | None,
                  incident: str | None = None, place: str | None = None) -> tuple[float, float]:
    """The point searched from: coordinates, an incident, a warehouse or jurisdiction by code,
    or an address or landmark (the gazetteer of stations and place names, resources/gazetteer.py)."""
    if lon is not None and lat is not None:
        return float(lon), float(lat)
    found = visible_incident(user, incident)
    if found is not None and not near:
        return found.lon, found.lat
    if place and not near:
        places = gazetteer(place, user=user, limit=1)
        if not places:
            raise ValidationError({"place": _("No place called %(name)s is known.") % {"name": place}})
        return places[0].lon, places[0].lat
    if near:
        warehouse = Warehouse.objects.visible_to(user).filter(code=near).values_list("lon", "lat").first()
        if warehouse is not None:
            return warehouse
        place = (Jurisdiction.objects.visible_to(user).filter(code=near)
                 .values_list("centroid_lon", "centroid_lat").first())
        if place is not None and place[0] is not None:
            return place
        raise ValidationError({"near": _("No warehouse or jurisdiction with code %(code)s in your area.") % {
            "code": near}})
    raise ValidationError({"point": _("Pick a point on the map, or give a place.")})


def material_brief(entry: MaterialEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"id": entry.id, "code": entry.code, "name": entry.name, "unit": entry.unit, "category": entry.category,
            "aliases": list(entry.aliases)}


def hit_dict(hit: Hit) -> dict[str, Any]:
    w = hit.warehouse
    return {"warehouse_code": w.code, "name": w.name, "level": w.level, "jurisdiction": w.jurisdiction,
            "keeper": w.keeper, "phone": w.phone, "address": w.address, "hours": w.hours, "open_24h": w.open_24h,
            "lon": w.lon, "lat": w.lat, "held": hit.held, "available": hit.available,
            "seconds": round(hit.seconds, 1), "minutes": round(hit.minutes, 1), "take": hit.take,
            "estimated": hit.estimated, "time_text": travel_text(hit.seconds, hit.estimated)}


def search_answer(result: SearchResult) -> dict[str, Any]:
    return {"material": material_brief(result.material),
            "candidates": [material_brief(c) for c in result.candidates],
            "quantity": result.quantity, "point": list(result.point), "estimated": result.estimated,
            "fulfilled": result.fulfilled, "shortfall": result.shortfall, "holders": result.holders,
            "total_available": result.total_available,
            "results": [hit_dict(h) for h in result.hits], "plan": [hit_dict(h) for h in result.plan]}


def warehouses_geojson(user: Any, material_id: int | None) -> dict[str, Any]:
    """Visible warehouses as GeoJSON points with their stock state for one material (the map layer)."""
    features = []
    for warehouse, state, held, available in warehouse_states(user, material_id):
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [warehouse.lon, warehouse.lat]},
            "properties": {"code": warehouse.code, "name": warehouse.name, "level": warehouse.level,
                           "jurisdiction": warehouse.jurisdiction, "keeper": warehouse.keeper,
                           "phone": warehouse.phone, "state": state, "held": held, "available": available},
        })
    return {"type": "FeatureCollection", "features": features}
