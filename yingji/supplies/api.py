"""API of the supplies one map: /api/v1/supplies/.

    GET  /search?q=&material=&quantity=&lon=&lat=&near=&limit=   nearest stock, ranked by travel time
    GET  /materials/ · /materials/{code} · /materials/export · POST /materials/import
    GET  /warehouses/ · POST /warehouses/ · GET|PATCH /warehouses/{code} · /warehouses/geojson?material=
    GET  /warehouses/{code}/stock · /lots · /movements · /history
    POST /warehouses/{code}/receipts · /issues · /counts
    POST /lots/{id}/write-off · /lots/{id}/maintenance
    GET  /stock/export · POST /stock/import · GET /warehouses/export · POST /warehouses/import
    GET  /allocations/ · POST /allocations/ · GET /allocations/{number}
    GET  /allocations/sources?material=   the warehouses the caller may request from (own, street depot,
                                          district reserve), with the units available of one material
    POST /allocations/{number}/approve · /reject · /cancel · /dispatch · /receive
    GET  /reports/expiring?days= · /reports/maintenance · /reports/below-minimum · /reports/export
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.audit.services import history_rows
from yingji.core.api import ErrorOut, ImportResultOut, Pagination, apply_list_filters, refuses, request_user
from yingji.core.files import xlsx_response
from yingji.core.idempotency import idempotent
from yingji.jurisdictions.models import Jurisdiction
from yingji.supplies import queries, services
from yingji.supplies.imports import MaterialTable, StockTable, WarehouseTable
from yingji.supplies.models import Allocation, Material, StockLot, StockMovement, Warehouse
from yingji.supplies.schemas import (
    MAX_QUANTITY,
    AllocationDetailOut,
    AllocationFilters,
    AllocationIn,
    AllocationOut,
    AllocationStepIn,
    CountIn,
    IssueIn,
    LotMaintenanceIn,
    LotOut,
    MaterialFilters,
    MaterialOut,
    MovementFilters,
    MovementOut,
    ReceiptIn,
    ReceiveIn,
    SearchOut,
    SourceOut,
    StockRowOut,
    WarehouseFilters,
    WarehouseIn,
    WarehouseOut,
    WarehousePatch,
    WriteOffIn,
)
from yingji.supplies.services import reports

router = Router(tags=["supplies"])
WRITE = {200: Any, 201: Any, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# ------------------------------------------------------------------ search
#: A material the search or the map is asked about: a row of the catalogue, which JSON Schema cannot name.
MATERIAL_OF_THE_CATALOGUE = "a material code of the catalogue"


@router.get("/search", response={200: SearchOut, 422: ErrorOut}, openapi_extra=refuses(
    point="one of: lon and lat, an incident you can see, near or place",
    place="an address or landmark the gazetteer knows",
    near="a warehouse or jurisdiction code in your area",
    material=MATERIAL_OF_THE_CATALOGUE))
def search(request: HttpRequest, q: str | None = None, material: str | None = None,
           quantity: int = Query(1, ge=1, le=MAX_QUANTITY),
           lon: float | None = Query(None, ge=-180, le=180), lat: float | None = Query(None, ge=-90, le=90),
           near: str | None = None, incident: str | None = None, place: str | None = None, limit: int = 10) -> Any:
    """Warehouses holding `quantity` of a material nearest to a point, by travel time.

    `q` is a name, alias or code; `material` (code) picks one candidate. The
    point is `lon`/`lat`, an `incident` reference, `near` = a warehouse or
    jurisdiction code, or `place` = an address or landmark.
    """
    user = request_user(request)
    point = queries.resolve_point(user, lon=lon, lat=lat, near=near, incident=incident, place=place)
    result = services.search_stock(user, point=point, term=q, material=material, quantity=quantity, limit=limit)
    # The answer is built by our own code in SearchOut's shape (a test holds it
    # to the schema); re-validating it would cost a third of the request.
    return JsonResponse(queries.search_answer(result))


# ------------------------------------------------------------------ catalogue
@router.get("/materials/", response=list[MaterialOut])
@paginate(Pagination)
def list_materials(request: HttpRequest, filters: Query[MaterialFilters]):  # type: ignore[no-untyped-def]
    queryset = Material.objects.visible_to(request_user(request))
    queryset = apply_list_filters(queryset, filters, search_fields=("name", "code", "aliases"))
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    return queryset.order_by("code")


@router.get("/materials/export", response={200: None})
def export_materials(request: HttpRequest) -> HttpResponse:
    table = MaterialTable(request_user(request))
    return xlsx_response(table.stream_xlsx(), str(_("materials")))


@router.post("/materials/import", response={200: ImportResultOut, 422: ImportResultOut})
def import_materials(request: HttpRequest, file: File[UploadedFile]) -> Any:
    result = MaterialTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


@router.get("/materials/{code}", response=MaterialOut)
def get_material(request: HttpRequest, code: str) -> Material:
    return get_object_or_404(Material.objects.visible_to(request_user(request)), code=code)


# ------------------------------------------------------------------ warehouses
@router.get("/warehouses/", response=list[WarehouseOut])
@paginate(Pagination)
def list_warehouses(request: HttpRequest, filters: Query[WarehouseFilters]):  # type: ignore[no-untyped-def]
    queryset = Warehouse.objects.visible_to(request_user(request)).select_related("jurisdiction")
    queryset = apply_list_filters(queryset, filters, search_fields=("name", "code", "address"))
    if filters.level:
        queryset = queryset.filter(level=filters.level)
    return queryset.order_by("code")


@router.post("/warehouses/", response=WRITE)
def create_warehouse(request: HttpRequest, payload: WarehouseIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    jurisdiction = get_object_or_404(Jurisdiction.objects.visible_to(user), code=data.pop("jurisdiction"))
    warehouse = services.create_warehouse(actor=user, jurisdiction=jurisdiction, **data)
    return Status(201, WarehouseOut.from_orm(warehouse).dict())


@router.get("/warehouses/geojson", response=dict, openapi_extra=refuses(material=MATERIAL_OF_THE_CATALOGUE))
def warehouses_geojson(request: HttpRequest, material: str | None = None) -> dict[str, Any]:
    """Visible warehouses with their stock state (sufficient, below_minimum, empty) for one material."""
    material_id = queries.material_by_code(material).pk if material else None
    return queries.warehouses_geojson(request_user(request), material_id)


@router.get("/warehouses/export", response={200: None})
def export_warehouses(request: HttpRequest) -> HttpResponse:
    return xlsx_response(WarehouseTable(request_user(request)).stream_xlsx(), str(_("warehouses")))


@router.post("/warehouses/import", response={200: ImportResultOut, 422: ImportResultOut})
def import_warehouses(request: HttpRequest, file: File[UploadedFile]) -> Any:
    result = WarehouseTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


@router.get("/warehouses/{code}", response=WarehouseOut)
def get_warehouse(request: HttpRequest, code: str) -> Warehouse:
    return queries.visible_warehouse(request_user(request), code)


@router.patch("/warehouses/{code}", response=WRITE)
def update_warehouse(request: HttpRequest, code: str, payload: WarehousePatch) -> Any:
    user = request_user(request)
    warehouse = services.update_warehouse(queries.visible_warehouse(user, code), actor=user,
                                          **payload.dict(exclude_unset=True))
    return Status(200, WarehouseOut.from_orm(warehouse).dict())


@router.get("/warehouses/{code}/stock", response=list[StockRowOut])
def warehouse_stock(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    return queries.stock_rows(queries.visible_warehouse(request_user(request), code))


@router.get("/warehouses/{code}/lots", response=list[LotOut])
def warehouse_lots(request: HttpRequest, code: str) -> Any:
    warehouse = queries.visible_warehouse(request_user(request), code)
    return StockLot.objects.filter(warehouse=warehouse, quantity__gt=0).select_related("material", "warehouse").order_by(
        "material__code", "expiry_date", "pk")


@router.get("/warehouses/{code}/movements", response=list[MovementOut])
@paginate(Pagination)
def warehouse_movements(request: HttpRequest, code: str, filters: Query[MovementFilters]):  # type: ignore[no-untyped-def]
    warehouse = queries.visible_warehouse(request_user(request), code)
    queryset = StockMovement.objects.filter(warehouse=warehouse).select_related("warehouse", "material", "lot")
    if filters.material:
        queryset = queryset.filter(material__code=filters.material)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.since:
        queryset = queryset.filter(occurred_at__gte=filters.since)
    if filters.document:
        queryset = queryset.filter(document=filters.document)
    return queryset.order_by("-occurred_at", "-pk")


@router.get("/warehouses/{code}/history", response=list[dict])
def warehouse_history(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    return history_rows(queries.visible_warehouse(request_user(request), code))


@router.post("/warehouses/{code}/receipts", response=WRITE)
@decorate_view(idempotent)
def receive(request: HttpRequest, code: str, payload: ReceiptIn) -> Any:
    user = request_user(request)
    warehouse = queries.visible_warehouse(user, code)
    data = payload.dict()
    material = queries.material_by_code(data.pop("material"))
    movement = services.receive_stock(warehouse, material, actor=user, **data)
    return Status(201, MovementOut.from_orm(movement).dict())


@router.post("/warehouses/{code}/issues", response=WRITE)
@decorate_view(idempotent)
def issue(request: HttpRequest, code: str, payload: IssueIn) -> Any:
    user = request_user(request)
    warehouse = queries.visible_warehouse(user, code)
    material = queries.material_by_code(payload.material)
    movements = services.issue_stock(warehouse, material, payload.quantity, actor=user, reason=payload.reason,
                                     document=payload.document)
    return Status(201, [MovementOut.from_orm(m).dict() for m in movements])


@router.post("/warehouses/{code}/counts", response=WRITE)
@decorate_view(idempotent)
def count(request: HttpRequest, code: str, payload: CountIn) -> Any:
    user = request_user(request)
    warehouse = queries.visible_warehouse(user, code)
    counted = {line.lot: line.counted for line in payload.lines}
    stock_count = services.record_count(warehouse, counted, actor=user, note=payload.note)
    adjustments = sum(1 for line in stock_count.lines.all() if line.difference)
    return Status(201, {"number": stock_count.number, "warehouse_code": warehouse.code,
                        "counted_at": stock_count.counted_at, "adjustments": adjustments})


@router.post("/lots/{lot_id}/write-off", response=WRITE)
@decorate_view(idempotent)
def lot_write_off(request: HttpRequest, lot_id: int, payload: WriteOffIn) -> Any:
    user = request_user(request)
    movement = services.write_off(queries.visible_lot(user, lot_id), payload.quantity, actor=user,
                                  reason=payload.reason)
    return Status(201, MovementOut.from_orm(movement).dict())


@router.post("/lots/{lot_id}/maintenance", response=WRITE)
def lot_maintenance(request: HttpRequest, lot_id: int, payload: LotMaintenanceIn) -> Any:
    user = request_user(request)
    lot = services.record_maintenance(queries.visible_lot(user, lot_id), actor=user, on=payload.on,
                                      condition=payload.condition)
    return Status(200, LotOut.from_orm(lot).dict())


@router.get("/stock/export", response={200: None})
def export_stock(request: HttpRequest) -> HttpResponse:
    return xlsx_response(StockTable(request_user(request)).stream_xlsx(), str(_("stock")))


@router.post("/stock/import", response={200: ImportResultOut, 422: ImportResultOut})
def import_stock(request: HttpRequest, file: File[UploadedFile]) -> Any:
    result = StockTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


# ------------------------------------------------------------------ allocations
def _detail(allocation: Allocation) -> Allocation:
    return Allocation.objects.select_related("jurisdiction", "destination").get(pk=allocation.pk)


@router.get("/allocations/", response=list[AllocationOut])
@paginate(Pagination)
def list_allocations(request: HttpRequest, filters: Query[AllocationFilters]):  # type: ignore[no-untyped-def]
    queryset = Allocation.objects.visible_to(request_user(request)).select_related("jurisdiction", "destination")
    queryset = apply_list_filters(queryset, filters, search_fields=("number", "purpose", "incident_ref"))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    return queryset.order_by("-requested_at", "-pk")


@router.post("/allocations/", response={201: AllocationDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             openapi_extra=refuses(
                 jurisdiction="needed when neither the destination warehouse nor an incident of yours gives it",
                 destination="a destination warehouse or an incident_ref", material=MATERIAL_OF_THE_CATALOGUE,
                 lines="each source warehouse in service, not the destination, each material once per warehouse"))
@decorate_view(idempotent)
def create_allocation(request: HttpRequest, payload: AllocationIn) -> Any:
    user = request_user(request)
    destination = queries.visible_warehouse(user, payload.destination) if payload.destination else None
    incident = queries.visible_incident(user, payload.incident_ref)
    if payload.jurisdiction:
        jurisdiction = get_object_or_404(Jurisdiction.objects.visible_to(user), code=payload.jurisdiction)
    elif destination is not None:
        jurisdiction = destination.jurisdiction
    elif incident is not None:
        jurisdiction = incident.jurisdiction
    else:
        raise ValidationError({"jurisdiction": _("Say which jurisdiction the materials are for.")})
    lines = [services.LineRequest(queries.requestable_warehouse(user, line.warehouse),
                                  queries.material_by_code(line.material), line.quantity) for line in payload.lines]
    point = (payload.lon, payload.lat) if payload.lon is not None and payload.lat is not None else None
    allocation = services.request_allocation(
        actor=user, jurisdiction=jurisdiction, lines=lines, purpose=payload.purpose, destination=destination,
        incident_ref=payload.incident_ref, destination_text=payload.destination_text, destination_point=point,
        note=payload.note, incident=incident)
    return Status(201, _detail(allocation))


@router.get("/allocations/sources", response={200: list[SourceOut], 422: ErrorOut},
            openapi_extra=refuses(material=MATERIAL_OF_THE_CATALOGUE))
def allocation_sources(request: HttpRequest, material: str | None = None) -> Any:
    """The warehouses the caller may name as sources of a request: their own, their street's depot and
    the district reserve (issue 13), own first; with `material` (a code) the units each has available."""
    user = request_user(request)
    return queries.request_sources(user, queries.material_by_code(material) if material else None)


@router.get("/allocations/{number}", response=AllocationDetailOut)
def get_allocation(request: HttpRequest, number: str) -> Any:
    return _detail(queries.visible_allocation(request_user(request), number))


def _step(request: HttpRequest, number: str, action: Any, **kwargs: Any) -> Any:
    user = request_user(request)
    allocation = action(queries.visible_allocation(user, number), actor=user, **kwargs)
    return Status(200, _detail(allocation))


STEP = {200: AllocationDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post("/allocations/{number}/approve", response=STEP)
@decorate_view(idempotent)
def approve(request: HttpRequest, number: str, payload: AllocationStepIn) -> Any:
    return _step(request, number, services.approve_allocation, note=payload.note)


@router.post("/allocations/{number}/reject", response=STEP)
@decorate_view(idempotent)
def reject(request: HttpRequest, number: str, payload: AllocationStepIn) -> Any:
    return _step(request, number, services.reject_allocation, note=payload.note)


@router.post("/allocations/{number}/cancel", response=STEP)
@decorate_view(idempotent)
def cancel(request: HttpRequest, number: str, payload: AllocationStepIn) -> Any:
    return _step(request, number, services.cancel_allocation, note=payload.note)


@router.post("/allocations/{number}/dispatch", response=STEP)
@decorate_view(idempotent)
def dispatch(request: HttpRequest, number: str, payload: AllocationStepIn) -> Any:
    return _step(request, number, services.dispatch_allocation, note=payload.note)


@router.post("/allocations/{number}/receive", response=STEP)
@decorate_view(idempotent)
def receive_allocation(request: HttpRequest, number: str, payload: ReceiveIn) -> Any:
    received = {line.line: line.received for line in payload.lines}
    return _step(request, number, services.receive_allocation, received=received, note=payload.note)


# ------------------------------------------------------------------ reports
def _report_scope(request: HttpRequest, jurisdiction: str | None) -> tuple[Any, Any]:
    user = request_user(request)
    lots = StockLot.objects.visible_to(user)
    warehouses = Warehouse.objects.visible_to(user)
    if jurisdiction:
        place = get_object_or_404(Jurisdiction.objects.visible_to(user), code=jurisdiction)
        lots, warehouses = lots.in_subtree(place.path), warehouses.in_subtree(place.path)
    return lots, warehouses


@router.get("/reports/expiring", response=list[LotOut])
def report_expiring(request: HttpRequest, days: int = 30, jurisdiction: str | None = None) -> Any:
    lots, _warehouses = _report_scope(request, jurisdiction)
    return list(reports.expiring_lots(lots, max(0, min(days, 3650))))


@router.get("/reports/maintenance", response=list[dict])
def report_maintenance(request: HttpRequest, jurisdiction: str | None = None) -> list[dict[str, Any]]:
    lots, _warehouses = _report_scope(request, jurisdiction)
    return [{"lot": row.lot.pk, "warehouse_code": row.lot.warehouse.code, "material_code": row.lot.material.code,
             "batch": row.lot.batch, "quantity": row.lot.quantity, "due_on": row.due_on.isoformat(),
             "days_overdue": row.days_overdue} for row in reports.overdue_maintenance(lots)]


@router.get("/reports/below-minimum", response=list[dict])
def report_below_minimum(request: HttpRequest, jurisdiction: str | None = None) -> list[dict[str, Any]]:
    _lots, warehouses = _report_scope(request, jurisdiction)
    return [{"warehouse_code": g.warehouse.code, "material_code": g.material.code, "held": g.held,
             "minimum": g.minimum, "missing": g.missing} for g in reports.below_minimum(warehouses)]


@router.get("/reports/export", response={200: None})
def report_export(request: HttpRequest, days: int = 30, jurisdiction: str | None = None) -> HttpResponse:
    user = request_user(request)
    lots, warehouses = _report_scope(request, jurisdiction)
    exportable = Warehouse.objects.restrict(user, "export")
    lots = lots.filter(warehouse__in=exportable)
    warehouses = warehouses.filter(pk__in=exportable)
    content = reports.workbook(list(reports.expiring_lots(lots, days)), reports.overdue_maintenance(lots),
                               reports.below_minimum(warehouses), days)
    return xlsx_response(content, str(_("supplies-operations")))

