"""What the incidents app asks of the supplies ledger.

The incidents app finds these through `yingji.supplies.services` (it runs
without the supplies app too):

- `nearest_warehouses`: on the dispatch page, for each material an incident
  type usually needs, the nearest warehouses the officer may see that hold it;
- `catalogue_names`, `issue_sources`: the close-out form's material list and,
  per material, the nearest warehouses the officer may issue it from;
- `issue_for_incident`: at close-out, the materials used are issued from stock
  (`incidents.services.dispatch.close_incident`, inside its transaction);
- `issue_links`: the incident page links each issued line to its movements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from yingji.core.scope import path_allowed
from yingji.core.travel import travel_text
from yingji.supplies.models import Material, MovementKind, MovementReason, Warehouse
from yingji.supplies.services.search import (
    MAX_RESULTS,
    Hit,
    MaterialEntry,
    SearchResult,
    get_index,
    match_materials,
    search_stock,
)
from yingji.supplies.services.stock import issue_stock, lock_balances

# Community staff hold this without supplies.move_stock: they may issue what an
# incident they close used, not run the warehouse (accounts/roles.py).
ISSUE_PERM = "supplies.issue_for_incident"


# ------------------------------------------------------------------ suggestions
def _named(index: Any, text: str) -> tuple[list[MaterialEntry], list[MaterialEntry]]:
    """Materials whose code, name or an alias is `text` (any case), and the search's best matches."""
    wanted = (text or "").strip().lower()
    candidates = match_materials(index, wanted, limit=MAX_RESULTS)
    return [entry for entry in candidates if wanted in entry.haystack], candidates


def _exact(index: Any, text: str) -> MaterialEntry | None:
    """The one material called `text`; None if none or several are."""
    exact, _candidates = _named(index, text)
    return exact[0] if len(exact) == 1 else None


def _brief(hit: Hit, result: SearchResult) -> dict[str, Any]:
    return {"name": hit.warehouse.name, "code": hit.warehouse.code, "minutes": round(hit.minutes, 1),
            "available": hit.available, "phone": hit.warehouse.phone, "estimated": hit.estimated,
            "time_text": travel_text(hit.seconds, hit.estimated)}


def nearest_warehouses(name: str, *, lon: float, lat: float, user: Any, limit: int = 3) -> list[dict[str, Any]]:
    """The `limit` nearest visible warehouses holding at least one unit of the material called `name`."""
    result = search_stock(user, point=(lon, lat), term=name, quantity=1, limit=limit)
    return [_brief(hit, result) for hit in result.hits[:limit]]


def issue_sources(name: str, *, lon: float, lat: float, user: Any, limit: int = 5) -> dict[str, Any]:
    """The material called `name` (a name, alias or code) and the nearest warehouses `user` may issue it from.

    Answers {"material": {"id", "code", "name", "unit"} or None, "warehouses": [...]}, each warehouse
    as `nearest_warehouses` gives it; only warehouses holding at least one available unit.
    """
    entry = _exact(get_index(), name)
    if entry is None:
        return {"material": None, "warehouses": []}
    result = search_stock(user, point=(lon, lat), material=entry.id, quantity=1, limit=MAX_RESULTS)
    allowed = [hit for hit in result.hits if path_allowed(user, ISSUE_PERM, hit.warehouse.path)]
    return {"material": {"id": entry.id, "code": entry.code, "name": entry.name, "unit": entry.unit},
            "warehouses": [_brief(hit, result) for hit in allowed[:limit]]}


def catalogue_names() -> list[tuple[str, str]]:
    """(name, unit) of every material in use, by name: the close-out form's list to pick from."""
    return sorted((entry.name, entry.unit) for entry in get_index().materials.values())


# ------------------------------------------------------------------ issuing
@dataclass
class _Issue:
    line: dict[str, Any]
    number: int
    warehouse: Warehouse
    entry: MaterialEntry
    quantity: int


def _refuse(number: int, message: str) -> ValidationError:
    return ValidationError({"materials_used": _("Line %(n)s: %(problem)s") % {"n": number, "problem": message}})




def _material(index: Any, row: dict[str, Any], number: int) -> MaterialEntry:
    """The catalogue entry of a line: by id or code when given, else by its name or an alias."""
    chosen = row.get("material")
    if chosen not in (None, ""):
        found = index.materials.get(int(chosen)) if str(chosen).isdigit() else None
        found = found or next((e for e in index.materials.values() if e.code == str(chosen).strip()), None)
        if found is None:
            raise _refuse(number, _("no material %(material)s in the catalogue.") % {"material": chosen})
        return found
    name = str(row.get("name", "")).strip()
    exact, candidates = _named(index, name)
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise _refuse(number, _("several materials are called %(name)s: %(names)s; choose one.") % {
            "name": name, "names": ", ".join(f"{e.name} ({e.code})" for e in exact[:5])})
    problem = _("no material called %(name)s in the catalogue.") % {"name": name}
    if candidates:
        problem += " " + _("Did you mean %(names)s?") % {"names": ", ".join(e.name for e in candidates[:3])}
    raise _refuse(number, problem)


def _warehouse(actor: Any, chosen: Any, number: int) -> Warehouse:
    """A warehouse the actor may see, by id or code; one they cannot see is answered as not found."""
    visible = Warehouse.objects.visible_to(actor).select_related("jurisdiction")
    found = visible.filter(code=str(chosen).strip()).first()
    if found is None and str(chosen).strip().isdigit():
        found = visible.filter(pk=int(str(chosen).strip())).first()
    if found is None:
        raise _refuse(number, _("no warehouse %(warehouse)s in your area.") % {"warehouse": chosen})
    if not found.is_active:
        raise _refuse(number, _("%(warehouse)s is not in service.") % {"warehouse": found.name})
    if not path_allowed(actor, ISSUE_PERM, found.jurisdiction.path):
        raise PermissionDenied(_("Line %(n)s: you may not issue stock from %(warehouse)s.") % {
            "n": number, "warehouse": found.name})
    return found


def _whole(quantity: Any, number: int, entry: MaterialEntry) -> int:
    try:
        value = Decimal(str(quantity))
    except InvalidOperation as exc:
        raise _refuse(number, _("enter a quantity.")) from exc
    if value <= 0 or value != value.to_integral_value():
        raise _refuse(number, _("stock of %(material)s is counted in whole %(unit)s; enter a whole number.") % {
            "material": entry.name, "unit": entry.unit})
    return int(value)


def _plan(actor: Any, materials: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[_Issue]]:
    """Resolve and check every line before anything is locked; answers the lines and what to issue."""
    index = None
    lines: list[dict[str, Any]] = []
    issues: list[_Issue] = []
    for number, row in enumerate(materials, start=1):
        line = dict(row)
        lines.append(line)
        has_warehouse = row.get("warehouse") not in (None, "")
        if not has_warehouse and row.get("material") in (None, ""):
            # Only recorded: a free-text material is fine (sandbags borrowed from a neighbour).
            line.update(warehouse=None, issued=False, not_issued="no_warehouse")
            continue
        index = index or get_index()
        entry = _material(index, row, number)
        unit = str(row.get("unit") or "").strip()
        if unit and unit != entry.unit:
            raise _refuse(number, _("%(material)s is counted in %(unit)s in the stock ledger, not %(given)s.") % {
                "material": entry.name, "unit": entry.unit, "given": unit})
        line.update(name=entry.name, unit=entry.unit, material=entry.id, material_code=entry.code)
        if not has_warehouse:
            line.update(warehouse=None, issued=False, not_issued="no_warehouse")
            continue
        warehouse = _warehouse(actor, row["warehouse"], number)
        quantity = _whole(row.get("quantity"), number, entry)
        line.update(quantity=quantity, warehouse=warehouse.code, warehouse_name=warehouse.name)
        issues.append(_Issue(line, number, warehouse, entry, quantity))
    return lines, issues


def issue_for_incident(*, incident: Any, materials: list[dict[str, Any]], actor: Any) -> list[dict[str, Any]]:
    """Issue the materials used at an incident from stock; answers the lines as the incident keeps them.

    Each line is {name, quantity, unit, warehouse, material?}: `material` an id
    or code of the catalogue (else the name or an alias is looked up),
    `warehouse` an id or code. A line with a warehouse is issued from it,
    first expiry first out, one movement per lot, with the incident's
    reference as the movement's document; it comes back with `issued: true`,
    the catalogue's name and unit and the ids of its `movements`. A line
    without a warehouse is only recorded (`issued: false, not_issued:
    "no_warehouse"`).

    All or nothing: the caller's transaction (close-out) rolls back when any
    line is refused — a warehouse the actor cannot see (as not found), one
    they may not issue from (PermissionDenied), a fractional quantity, or
    fewer units available than asked (ValidationError on "materials_used"
    naming the line, material, warehouse and what is available).
    """
    lines, issues = _plan(actor, materials)
    if not issues:
        return lines
    reference = incident.reference
    reason = MovementReason.INCIDENT
    catalogue = Material.objects.in_bulk([issue.entry.id for issue in issues])
    with transaction.atomic():
        # Every balance of the close-out locked at once, in the ledger's fixed
        # order, so two close-outs taking from the same stores cannot deadlock.
        balances = lock_balances([(i.warehouse.pk, i.entry.id) for i in issues])
        taken: dict[tuple[int, int], int] = defaultdict(int)
        for issue in issues:
            key = (issue.warehouse.pk, issue.entry.id)
            balance = balances.get(key)
            available = (balance.available if balance else 0) - taken[key]
            if issue.quantity > available:
                raise _refuse(issue.number, _(
                    "%(warehouse)s has only %(available)s %(unit)s of %(material)s available, %(quantity)s "
                    "asked.") % {"warehouse": issue.warehouse.name, "available": max(available, 0),
                                 "unit": issue.entry.unit, "material": issue.entry.name,
                                 "quantity": issue.quantity})
            taken[key] += issue.quantity
            try:
                movements = issue_stock(issue.warehouse, catalogue[issue.entry.id], issue.quantity, actor=actor,
                                        reason=reason, document=reference, kind=MovementKind.ISSUE, check=False)
            except ValidationError as exc:  # the lots disagree with the balance: say which line
                raise _refuse(issue.number, " ".join(exc.messages)) from exc
            issue.line.update(issued=True, movements=[m.pk for m in movements])
    return lines


def issue_links(lines: list[dict[str, Any]], *, user: Any, reference: str) -> list[dict[str, Any]]:
    """The lines of a closed incident with links to the warehouse ledger, for warehouses `user` may see.

    Each issued line gains `warehouse_url` (the warehouse's movements of this
    incident) and `movement_urls` (one per movement).
    """
    codes = {line["warehouse"] for line in lines if line.get("issued") and line.get("warehouse")}
    visible = set(Warehouse.objects.visible_to(user).filter(code__in=codes).values_list("code", flat=True))
    out = []
    for line in lines:
        line = dict(line)
        if line.get("issued") and line.get("warehouse") in visible:
            base = reverse("supplies:warehouse", args=[line["warehouse"]]) + "?" + urlencode({"document": reference})
            line["warehouse_url"] = base + "#movements"
            line["movement_urls"] = [(pk, f"{base}#movement-{pk}") for pk in line.get("movements", [])]
        out.append(line)
    return out
