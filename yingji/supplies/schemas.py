"""Pydantic schemas of the supplies API (yingji/supplies/api.py)."""

import datetime
from typing import Any

from ninja import Field, Schema

from yingji.core.api import NOT_BLANK, ClientDatetime, ListFilters, request_user
from yingji.supplies.models import AllocationStatus, Category, Condition, WarehouseLevel
from yingji.supplies.services.allocations import timeline
from yingji.supplies.workflows import ALLOCATION

#: The most units one request may name: the stock columns are 32-bit integers (IntegerField), so a
#: larger number would overflow them (PostgreSQL refuses it with a server error) once it is added up.
MAX_QUANTITY = 1_000_000_000


class MaterialOut(Schema):
    code: str
    name: str
    aliases: list[str]
    category: str
    category_label: str = Field(..., alias="get_category_display")
    unit: str
    spec: str
    shelf_life_days: int | None
    maintenance_days: int | None
    min_reserve: dict[str, int]
    is_active: bool


class MaterialFilters(ListFilters):
    category: Category | None = None


class WarehouseOut(Schema):
    code: str
    name: str
    level: str
    level_label: str = Field(..., alias="get_level_display")
    jurisdiction_code: str = Field(..., alias="jurisdiction.code")
    jurisdiction_name: str = Field(..., alias="jurisdiction.name")
    keeper_name: str
    phone: str
    address: str
    lon: float
    lat: float
    hours: str
    open_24h: bool
    access_notes: str
    is_active: bool
    updated_at: datetime.datetime


class WarehouseFilters(ListFilters):
    level: WarehouseLevel | None = None


class WarehouseIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=120)
    level: WarehouseLevel
    jurisdiction: str = Field(..., description="Code of the jurisdiction the warehouse belongs to.")
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    keeper_name: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)
    hours: str = Field("", max_length=100)
    open_24h: bool = False
    access_notes: str = ""


class WarehousePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    keeper_name: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    hours: str | None = Field(None, max_length=100)
    open_24h: bool | None = None
    access_notes: str | None = None
    is_active: bool | None = None


class StockRowOut(Schema):
    material_code: str
    material_name: str
    unit: str
    quantity: int
    reserved: int
    available: int
    minimum: int
    state: str


class LotOut(Schema):
    id: int
    warehouse_code: str = Field(..., alias="warehouse.code")
    material_code: str = Field(..., alias="material.code")
    material_name: str = Field(..., alias="material.name")
    batch: str
    quantity: int
    production_date: datetime.date | None
    expiry_date: datetime.date | None
    condition: str
    last_maintained_on: datetime.date | None


class MovementOut(Schema):
    id: int
    occurred_at: datetime.datetime
    warehouse_code: str = Field(..., alias="warehouse.code")
    material_code: str = Field(..., alias="material.code")
    material_name: str = Field(..., alias="material.name")
    batch: str = Field(..., alias="lot.batch")
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    quantity: int
    balance_after: int
    actor_name: str
    reason: str = Field(..., alias="reason_text", description="The reason in the reader's language.")
    reason_code: str
    document: str


class MovementFilters(Schema):
    material: str | None = Field(None, description="Material code.")
    kind: str | None = None
    since: ClientDatetime | None = None
    document: str | None = Field(None, description="An allocation number or an incident reference.")


class ReceiptIn(Schema):
    material: str = Field(..., description="Material code.")
    quantity: int = Field(..., gt=0, le=MAX_QUANTITY)
    reason: str = Field(..., min_length=1, max_length=200)
    document: str = Field("", max_length=100)
    batch: str = Field("", max_length=50)
    production_date: datetime.date | None = None
    expiry_date: datetime.date | None = None
    condition: Condition = Condition.GOOD


class IssueIn(Schema):
    material: str = Field(..., description="Material code.")
    quantity: int = Field(..., gt=0, le=MAX_QUANTITY)
    reason: str = Field(..., min_length=1, max_length=200)
    document: str = Field("", max_length=100)


class WriteOffIn(Schema):
    quantity: int = Field(..., gt=0, le=MAX_QUANTITY)
    reason: str = Field(..., min_length=1, max_length=200)


class LotMaintenanceIn(Schema):
    on: datetime.date | None = None
    condition: Condition = Condition.GOOD


class CountLineIn(Schema):
    lot: int
    counted: int = Field(..., ge=0, le=MAX_QUANTITY)


class CountIn(Schema):
    lines: list[CountLineIn]
    note: str = Field("", max_length=200)


class CountOut(Schema):
    number: str
    warehouse_code: str = Field(..., alias="warehouse.code")
    counted_at: datetime.datetime
    adjustments: int


class MaterialBrief(Schema):
    id: int
    code: str
    name: str
    unit: str
    category: str
    aliases: list[str]


class HitOut(Schema):
    warehouse_code: str
    name: str
    level: str
    jurisdiction: str
    keeper: str
    phone: str
    address: str
    hours: str
    open_24h: bool
    lon: float
    lat: float
    held: int
    available: int
    seconds: float
    minutes: float
    take: int
    estimated: bool
    time_text: str


class SearchOut(Schema):
    material: MaterialBrief | None
    candidates: list[MaterialBrief]
    quantity: int
    point: list[float]
    estimated: bool
    fulfilled: bool
    shortfall: int
    holders: int
    total_available: int
    results: list[HitOut]
    plan: list[HitOut]


class SourceOut(Schema):
    """A warehouse the caller may name as an allocation's source, and no more of it than a request needs."""

    code: str
    name: str
    level: WarehouseLevel
    level_label: str
    owner_code: str = Field(..., description="Code of the jurisdiction that owns the warehouse.")
    owner_name: str
    own: bool = Field(..., description="Whether the warehouse lies in the caller's own area (its stock pages "
                                       "are readable); false for the street's depot and the district reserve.")
    available: int | None = Field(None, description="Units of the asked material available (held minus "
                                                    "reserved); null when no material was asked.")


class LineIn(Schema):
    warehouse: str = Field(..., description="Source warehouse code: one of GET /allocations/sources.")
    material: str = Field(..., description="Material code.")
    quantity: int = Field(..., gt=0, le=MAX_QUANTITY)


class AllocationIn(Schema):
    jurisdiction: str | None = Field(None, description="Code of the requesting jurisdiction; defaults to the "
                                                        "destination warehouse's.")
    destination: str | None = Field(None, description="Destination warehouse code (or give incident_ref).")
    incident_ref: str = Field("", max_length=64, description="An incident's reference, or another platform's "
                                                             "case number.")
    destination_text: str = Field("", max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    purpose: str = Field(..., min_length=1, max_length=200, json_schema_extra={"pattern": NOT_BLANK})
    note: str = ""
    lines: list[LineIn] = Field(..., min_length=1)


class LineOut(Schema):
    id: int
    warehouse_code: str = Field(..., alias="warehouse.code")
    warehouse_name: str = Field(..., alias="warehouse.name")
    material_code: str = Field(..., alias="material.code")
    material_name: str = Field(..., alias="material.name")
    unit: str = Field(..., alias="material.unit")
    quantity: int
    dispatched: int | None
    received: int | None
    discrepancy_note: str


class AllocationOut(Schema):
    number: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    jurisdiction_code: str = Field(..., alias="jurisdiction.code")
    destination_code: str | None = Field(None, alias="destination.code")
    incident_reference: str | None = Field(None, alias="incident.reference")
    incident_ref: str
    destination_text: str
    destination_lon: float | None
    destination_lat: float | None
    purpose: str
    requested_at: datetime.datetime
    updated_at: datetime.datetime


class AllocationDetailOut(AllocationOut):
    lines: list[LineOut]
    timeline: list[dict[str, Any]]
    # The steps the caller may take now (supplies/workflows.py): what the page shows as buttons.
    steps: list[str] = []

    @staticmethod
    def resolve_lines(obj: Any) -> Any:
        return obj.lines.select_related("warehouse", "material").order_by("pk")

    @staticmethod
    def resolve_timeline(obj: Any) -> list[dict[str, Any]]:
        return [{**row, "at": row["at"].isoformat()} for row in timeline(obj)]

    @staticmethod
    def resolve_steps(obj: Any, context: Any) -> list[str]:
        user = request_user(context["request"])
        return [step.name for step in ALLOCATION.allowed(user, obj)]


class AllocationFilters(ListFilters):
    status: AllocationStatus | None = None


class AllocationStepIn(Schema):
    note: str = Field("", max_length=300)


class ReceiveLineIn(Schema):
    line: int
    received: int = Field(..., ge=0, le=MAX_QUANTITY)


class ReceiveIn(Schema):
    lines: list[ReceiveLineIn] = []
    note: str = Field("", max_length=300)


