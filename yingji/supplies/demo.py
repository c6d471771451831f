"""Demo step: Futian's supplies one map — 189 material kinds, 107,572 items.

One district depot, one store per street and one per community (1 + 10 + 92
at Futian scale) hold exactly 107,572 items of the 189 kinds in the shipped
catalogue (data/catalogue.csv), as lots with batches, production and expiry
dates, each booked in by an opening-stock receipt in the movement ledger. A
share of the stock sits below the minimum reserve, near expiry or overdue for
maintenance so that the operations page has work to show. Service stations
from the resources step get a small station store each, on top of the total.
Everything is bulk-created and derives from the seed.
"""

from __future__ import annotations

import csv
import datetime
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from yingji.accounts.models import Membership
from yingji.accounts.roles import Role
from yingji.audit.context import acting_as
from yingji.core.demo import DemoContext, demo_step
from yingji.resources.models import Station
from yingji.routing.places import RoadSpots
from yingji.supplies.models import (
    Condition,
    Material,
    MovementKind,
    MovementReason,
    StockBalance,
    StockLot,
    StockMovement,
    Warehouse,
    WarehouseLevel,
)
from yingji.supplies.services import LineRequest, allocations

CATALOGUE = Path(__file__).parent / "data" / "catalogue.csv"
# Items in the district, street and community warehouses together (Futian's published figure).
TOTAL_ITEMS = {"futian": 107_572, "city": 107_572, "small": 12_000}
# Share of the items per level, roughly how Futian spreads its reserve.
LEVEL_SHARE = {WarehouseLevel.DISTRICT: 0.16, WarehouseLevel.STREET: 0.30, WarehouseLevel.COMMUNITY: 0.54}
STATION_KINDS = ("YL-001", "XF-001", "XF-005", "ZM-001", "YL-015", "SY-001", "JJ-001", "TX-004", "YL-002",
                 "JY-016", "JY-015", "SH-001")


def load_catalogue() -> list[dict[str, Any]]:
    """The shipped catalogue as dicts ready for Material(**row) (without the jurisdiction)."""
    rows = []
    with CATALOGUE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            reserve = {level: int(row[f"min_{level}"]) for level in ("community", "street", "district")
                       if row[f"min_{level}"]}
            rows.append({
                "code": row["code"], "name": row["name"], "category": row["category"], "unit": row["unit"],
                "aliases": [a for a in row["aliases"].split(";") if a],
                "shelf_life_days": int(row["shelf_life_days"]) if row["shelf_life_days"] else None,
                "maintenance_days": int(row["maintenance_days"]) if row["maintenance_days"] else None,
                "min_reserve": reserve,
            })
    return rows


def distribute(total: int, weights: list[float]) -> list[int]:
    """Integers ≥ 1 proportional to weights that add up to exactly `total` (largest remainder)."""
    if total < len(weights):
        raise ValueError("fewer items than stock lines")
    spare = total - len(weights)
    scale = spare / sum(weights)
    raw = [w * scale for w in weights]
    counts = [1 + int(r) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass
class _Line:
    warehouse: Warehouse
    material: Material
    weight: float
    quantity: int = 0


def _jitter(rng: random.Random, lon: float, lat: float, metres: float = 250.0) -> tuple[float, float]:
    d = metres / 111_000
    return round(lon + rng.uniform(-d, d), 6), round(lat + rng.uniform(-d, d), 6)


def _phone(rng: random.Random) -> str:
    return f"0755-{rng.randint(8200_0000, 8399_9999)}"


def _place(spots: RoadSpots, jurisdiction: Any, rng: random.Random, metres: float) -> tuple[float, float]:
    """Near the jurisdiction's centre, beside one of its roads (on none without a boundary or a network)."""
    lon, lat = _jitter(rng, jurisdiction.centroid_lon or 114.05, jurisdiction.centroid_lat or 22.54, metres)
    if not jurisdiction.boundary or spots.network is None:
        return lon, lat
    return spots.near(lon, lat, jurisdiction.boundary, rng)


def _warehouses(context: DemoContext, rng: random.Random) -> list[Warehouse]:
    out: list[Warehouse] = []
    spots = RoadSpots(context.extra.get("road_network"))
    hours_day = "08:30-17:30"
    for district in context.districts:
        lon, lat = _place(spots, district, rng, 600)
        out.append(Warehouse(jurisdiction=district, code=f"CK{district.code}", name=f"{district.name}应急物资储备库",
                             level=WarehouseLevel.DISTRICT, keeper_name="区储备库值班室", phone=_phone(rng),
                             address=f"{district.name}应急物资储备库", lon=lon, lat=lat, area_m2=2400,
                             open_24h=True, hours="24h", access_notes="叉车通道在东门；夜间联系值班室。"))
    for street in context.streets:
        lon, lat = _place(spots, street, rng, 400)
        out.append(Warehouse(jurisdiction=street, code=f"CK{street.code[:9]}", name=f"{street.name}应急物资仓库",
                             level=WarehouseLevel.STREET, keeper_name=f"{street.name[:2]}仓管员", phone=_phone(rng),
                             address=f"{street.name}办事处负一层", lon=lon, lat=lat, area_m2=rng.randint(200, 600),
                             open_24h=True, hours="24h", access_notes="钥匙在街道应急办值班室。"))
    for community in context.communities:
        lon, lat = _place(spots, community, rng, 150)
        out.append(Warehouse(jurisdiction=community, code=f"CK{community.code}", name=f"{community.name}应急物资仓库",
                             level=WarehouseLevel.COMMUNITY, keeper_name=f"{community.name[:2]}仓管员",
                             phone=_phone(rng), address=f"{community.name}党群服务中心一楼", lon=lon, lat=lat,
                             area_m2=rng.randint(20, 80), open_24h=False, hours=hours_day,
                             access_notes="非工作时间联系社区工作站值班电话。"))
    return out


def _station_stores(context: DemoContext) -> list[Warehouse]:

    stations = context.extra.get("stations") or list(Station.objects.filter(is_active=True).select_related(
        "jurisdiction"))
    return [Warehouse(jurisdiction=s.jurisdiction, code=f"CK-{s.code}"[:32], name=f"{s.name}物资柜",
                      level=WarehouseLevel.STATION, station=s, keeper_name=f"{s.name[:6]}站长",
                      phone=s.phone or "", address=s.address, lon=s.lon, lat=s.lat, open_24h=s.open_24h,
                      hours=s.hours or "24h") for s in stations]


def _lines(warehouses: list[Warehouse], materials: list[Material], rng: random.Random) -> list[_Line]:
    lines = []
    for warehouse in warehouses:
        for material in materials:
            minimum = material.minimum_for(warehouse.level)
            if warehouse.level == WarehouseLevel.DISTRICT:
                held = True
            elif warehouse.level == WarehouseLevel.STREET:
                held = rng.random() < (0.93 if minimum else 0.4)
            else:
                held = rng.random() < (0.82 if minimum else 0.12)
            if not held:
                continue
            base = minimum or max(1, material.minimum_for(WarehouseLevel.STREET) // 4)
            # About one in eight lines sits below its minimum reserve.
            factor = rng.uniform(0.25, 0.9) if rng.random() < 0.12 else rng.uniform(1.0, 2.2)
            lines.append(_Line(warehouse, material, base * factor))
    return lines


def _scale(lines: list[_Line], total: int) -> None:
    """Fix quantities so that each level holds its share and everything adds up to `total`."""
    levels = list(LEVEL_SHARE)
    budgets = distribute(total, [LEVEL_SHARE[level] for level in levels])
    for level, budget in zip(levels, budgets, strict=True):
        chosen = [line for line in lines if line.warehouse.level == level]
        for line, quantity in zip(chosen, distribute(budget, [line.weight for line in chosen]), strict=True):
            line.quantity = quantity


def _lots(lines: list[_Line], rng: random.Random, today: datetime.date) -> list[StockLot]:
    lots = []
    for line in lines:
        material = line.material
        parts = [line.quantity]
        if line.quantity >= 4 and rng.random() < 0.2:
            first = rng.randint(1, line.quantity - 1)
            parts = [first, line.quantity - first]
        for n, quantity in enumerate(parts, start=1):
            life = material.shelf_life_days
            age = rng.randint(20, int(life * 0.97)) if life else rng.randint(20, 1500)
            produced = today - datetime.timedelta(days=age)
            received = min(today, produced + datetime.timedelta(days=rng.randint(5, 60)))
            maintained = None
            if material.maintenance_days:
                maintained = today - datetime.timedelta(days=rng.randint(0, int(material.maintenance_days * 1.2)))
                maintained = max(maintained, received)
            condition = Condition.GOOD
            if material.maintenance_days and rng.random() < 0.04:
                condition = Condition.NEEDS_MAINTENANCE
            lots.append(StockLot(warehouse=line.warehouse, material=material, batch=f"{produced:%Y%m}-{n:02d}",
                                 quantity=quantity, production_date=produced,
                                 expiry_date=produced + datetime.timedelta(days=life) if life else None,
                                 condition=condition, last_maintained_on=maintained, received_on=received))
    return lots


def insert_rows(model: type[Any], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERTs for the stock tables.

    Django's bulk_create spends ~0.2 ms per row compiling expressions; the demo
    writes some 30,000 stock rows, so it writes them as parameter tuples instead.
    """
    ops = connection.ops
    adapt = []
    for name in columns:
        field = model._meta.get_field(name)
        if isinstance(field, models.DateTimeField):
            adapt.append(ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            adapt.append(ops.adapt_datefield_value)
        else:
            adapt.append(None)
    names = ", ".join(ops.quote_name(model._meta.get_field(c).column) for c in columns)
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [tuple(v if a is None or v is None else a(v) for v, a in zip(row, adapt, strict=True))
                                 for row in rows])


def _book(lots: list[StockLot]) -> None:
    """Write lots, balances and one opening-stock receipt per lot, in the order the lots were received."""
    tz = timezone.get_current_timezone()
    first_id = (StockLot.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
    for offset, lot in enumerate(lots):
        lot.pk = first_id + offset
    insert_rows(StockLot, ["id", "warehouse", "material", "batch", "quantity", "production_date", "expiry_date",
                       "condition", "last_maintained_on", "received_on"],
            [(lot.pk, lot.warehouse.pk, lot.material.pk, lot.batch, lot.quantity, lot.production_date,
              lot.expiry_date, lot.condition, lot.last_maintained_on, lot.received_on) for lot in lots])
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [StockLot]):
            cursor.execute(statement)
    held: dict[tuple[int, int], int] = {}
    movements = []
    generated_at = timezone.now()
    for lot in sorted(lots, key=lambda lot: (lot.received_on, lot.pk)):
        key = (lot.warehouse.pk, lot.material.pk)
        held[key] = held.get(key, 0) + lot.quantity
        # 09:00 on the day of receipt, or a minute ago for a lot received today before nine:
        # the ledger never holds a movement dated in the future (issue 13).
        when = min(datetime.datetime.combine(lot.received_on, datetime.time(9, 0), tzinfo=tz),
                   generated_at - datetime.timedelta(minutes=1))
        movements.append((key[0], key[1], lot.pk, MovementKind.RECEIPT.value, lot.quantity, held[key], when, "期初导入",
                          "", MovementReason.OPENING.value, "QC-0001"))
    insert_rows(StockMovement, ["warehouse", "material", "lot", "kind", "quantity", "balance_after", "occurred_at",
                            "actor_name", "reason", "reason_code", "document"], movements)
    now = timezone.now()
    insert_rows(StockBalance, ["warehouse", "material", "quantity", "reserved", "updated_at"],
            [(w, m, q, 0, now) for (w, m), q in held.items()])


def _demo_allocations(context: DemoContext, warehouses: list[Warehouse], materials: dict[str, Material]) -> None:
    """A few allocations of the first street, in every open state, made through the services.

    Nothing leaves the district's stores (receipts are complete, the incident's
    request is only approved), so the published item total stays exact.
    """

    officer = context.users.get("jd01")
    if officer is None or not context.streets:
        return
    street = context.streets[0]
    depot = next((w for w in warehouses if w.jurisdiction is street), None)
    stores = [w for w in warehouses if w.jurisdiction.parent is street][:3]
    if depot is None or len(stores) < 3:
        return
    held = dict(StockBalance.objects.filter(warehouse=depot).values_list("material__code", "quantity"))
    plans = [  # (material, wanted, destination or None for the incident, steps, purpose)
        ("SH-012", 8, stores[0], (), "台风安置点备用折叠床"),
        ("SY-001", 10, stores[1], ("approve",), "汛期前补充救生衣"),
        ("FX-004", 50, stores[0], ("approve", "dispatch", "receive"), "低洼片区防汛沙袋前置"),
        ("SH-001", 20, None, ("approve",), "12345 工单：小区停水送水"),
    ]
    with acting_as(officer, source="demo"):
        for code, wanted, destination, steps, purpose in plans:
            quantity = min(wanted, held.get(code, 0) // 3)
            if quantity < 1:
                continue
            allocation = allocations.request_allocation(
                actor=officer, jurisdiction=destination.jurisdiction if destination else stores[2].jurisdiction,
                destination=destination, incident_ref="" if destination else "12345-0815-0032",
                destination_text="" if destination else f"{stores[2].jurisdiction.name}停水小区",
                lines=[LineRequest(depot, materials[code], quantity)], purpose=purpose)
            for step in steps:
                actor = officer
                if step == "receive":
                    # The sender never confirms receipt: someone of the receiving community does.
                    receiver = (Membership.objects.filter(jurisdiction=allocation.jurisdiction,
                                                          role__in=[Role.WAREHOUSE_KEEPER, Role.COMMUNITY_STAFF])
                                .select_related("user").order_by("role", "pk").first())
                    if receiver is None:
                        break
                    actor = receiver.user
                with acting_as(actor, source="demo"):
                    getattr(allocations, f"{step}_allocation")(allocation, actor=actor)


def _community_requests(context: DemoContext, warehouses: list[Warehouse], materials: dict[str, Material]) -> None:
    """Communities of the first street ask above themselves (issue 13), made by their own staff and
    waiting for the owners: one asks the street's depot (jd01 approves), one the district reserve
    (the district approves). Nothing moves yet, so the published item total stays exact."""
    if not context.streets:
        return
    street = context.streets[0]
    depot = next((w for w in warehouses if w.jurisdiction_id == street.pk and w.level == WarehouseLevel.STREET), None)
    reserve = next((w for w in warehouses if w.level == WarehouseLevel.DISTRICT), None)
    stores = [w for w in warehouses if w.jurisdiction.parent_id == street.pk][:2]
    if not stores:
        return
    plans = [(stores[0], depot, "FX-004", 40, "低洼小区汛前防汛沙袋补充"),
             (stores[-1], reserve, "SH-001", 30, "老旧小区停水应急送水储备")]
    for store, source, code, wanted, purpose in plans:
        staff = (Membership.objects.filter(jurisdiction=store.jurisdiction, role=Role.COMMUNITY_STAFF)
                 .select_related("user").order_by("pk").first())
        balance = StockBalance.objects.filter(warehouse=source, material=materials[code]).first() if source else None
        quantity = min(wanted, (balance.available if balance else 0) // 3)
        if staff is None or source is None or quantity < 1:
            continue
        with acting_as(staff.user, source="demo"):
            allocations.request_allocation(
                actor=staff.user, jurisdiction=store.jurisdiction, destination=store,
                lines=[LineRequest(source, materials[code], quantity)], purpose=purpose)


@demo_step(40, "supplies")
def generate_supplies(context: DemoContext) -> None:
    rng = context.sub_rng("supplies")
    today = timezone.localdate()
    root = context.districts[0] if context.districts else context.city
    materials = [Material(jurisdiction=root, **row) for row in load_catalogue()]
    warehouses = _warehouses(context, rng)
    keeper = context.users.get("keeper")
    if keeper is not None and context.communities:
        first = next(w for w in warehouses if w.jurisdiction is context.communities[0])
        first.keeper, first.keeper_name, first.phone = keeper, keeper.display_name, keeper.phone
    total = TOTAL_ITEMS.get(context.scale, TOTAL_ITEMS["futian"]) * max(1, len(context.districts))
    with transaction.atomic():
        Material.objects.bulk_create(materials)
        stores = _station_stores(context)
        Warehouse.objects.bulk_create(warehouses + stores, batch_size=500)
        lines = _lines(warehouses, materials, rng)
        _scale(lines, total)
        by_code = {m.code: m for m in materials}
        for store in stores:
            for code in STATION_KINDS:
                if rng.random() < 0.85:
                    lines.append(_Line(store, by_code[code], 0, rng.randint(1, 12)))
        lots = _lots(lines, rng, today)
        _book(lots)
    _demo_allocations(context, warehouses, {m.code: m for m in materials})
    _community_requests(context, warehouses, {m.code: m for m in materials})
    context.extra["warehouses"] = warehouses + stores
    context.extra["materials"] = materials
    kept = sum(line.quantity for line in lines if line.warehouse.level != WarehouseLevel.STATION)
    context.say(f"  {len(materials)} materials, {len(warehouses)} warehouses + {len(stores)} station stores, "
                f"{kept:,} items in {len(lots):,} lots")
