"""Pages of the supplies one map: search, warehouses, catalogue, allocations, operations, imports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.audit.services import history_rows
from yingji.core.files import xlsx_response
from yingji.core.forms import add_service_errors
from yingji.core.scope import path_allowed, perm_name
from yingji.jurisdictions.locate import jurisdiction_at
from yingji.jurisdictions.models import Jurisdiction
from yingji.supplies import queries, services
from yingji.supplies.forms import AllocationForm, IssueForm, LineFormSet, ReceiptForm, StepForm, UploadForm
from yingji.supplies.imports import MaterialTable, StockTable, WarehouseTable
from yingji.supplies.models import (
    Allocation,
    AllocationStatus,
    Category,
    Material,
    MovementReason,
    StockLot,
    StockMovement,
    Warehouse,
    WarehouseLevel,
)
from yingji.supplies.services import allocations as flow
from yingji.supplies.services import reports
from yingji.supplies.services.stock import COUNT_PERM, MOVE_PERM
from yingji.supplies.workflows import ALLOCATION

TABLES = {"materials": MaterialTable, "warehouses": WarehouseTable, "stock": StockTable}


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------ the one map
@login_required
def search(request: HttpRequest) -> HttpResponse:
    """The one map: type a material, pick a point, see the nearest warehouses holding it."""
    term = request.GET.get("q", "").strip()
    quantity = _int(request.GET.get("quantity"), 1, 1, 1_000_000)
    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    near = request.GET.get("near", "").strip()
    context: dict[str, Any] = {"q": term, "quantity": quantity, "lon": lon, "lat": lat, "near": near,
                               "material_code": request.GET.get("material", ""), "incident": request.GET.get(
                                   "incident", ""), "place": request.GET.get("place", "").strip(), "result": None,
                               "error": ""}
    if term or context["material_code"]:
        try:
            point = queries.resolve_point(request.user, lon=lon, lat=lat, near=near or None,
                                          incident=context["incident"] or None, place=context["place"] or None)
            result = services.search_stock(request.user, point=point, term=term or None,
                                           material=context["material_code"] or None, quantity=quantity)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        else:
            context["result"] = result
            context["answer"] = queries.search_answer(result)
            context["plan_lines"] = "&".join(
                f"line={h.warehouse.code}:{result.material.code}:{h.take}" for h in result.plan) if result.plan else ""
    context["places"] = (Jurisdiction.objects.visible_to(request.user).filter(level__in=("street", "community"))
                         .exclude(centroid_lon__isnull=True).order_by("path").only("code", "name", "level"))
    user_place = Jurisdiction.objects.visible_to(request.user).exclude(centroid_lon__isnull=True).order_by(
        "depth").values_list("centroid_lon", "centroid_lat").first()
    context["center"] = list(user_place) if user_place else [114.05, 22.54]
    template = "supplies/search.html#results" if request.htmx else "supplies/search.html"
    return render(request, template, context)


@login_required
def warehouse_panel(request: HttpRequest, code: str) -> HttpResponse:
    """The stock of one warehouse, shown beside the map when it is clicked."""
    warehouse = queries.visible_warehouse(request.user, code)
    rows = queries.stock_rows(warehouse)
    material = request.GET.get("material", "")
    if material:
        rows.sort(key=lambda r: r["material_code"] != material)
    return render(request, "supplies/_panel.html", {"warehouse": warehouse, "rows": rows[:40],
                                                    "more": max(0, len(rows) - 40), "material": material})


# ------------------------------------------------------------------ warehouses
@login_required
def warehouse_list(request: HttpRequest) -> HttpResponse:
    queryset = Warehouse.objects.visible_to(request.user).select_related("jurisdiction").order_by("code")
    level = request.GET.get("level", "")
    text = request.GET.get("q", "").strip()
    if level in WarehouseLevel.values:
        queryset = queryset.filter(level=level)
    if text:
        queryset = queryset.filter(name__icontains=text) | queryset.filter(code__icontains=text)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    context = {"page": page, "levels": WarehouseLevel.choices, "level": level, "q": text}
    template = "supplies/warehouse_list.html#rows" if request.htmx else "supplies/warehouse_list.html"
    return render(request, template, context)


@login_required
def warehouse_detail(request: HttpRequest, code: str) -> HttpResponse:
    warehouse = queries.visible_warehouse(request.user, code)
    movements = (StockMovement.objects.filter(warehouse=warehouse).select_related("material", "lot", "allocation")
                 .order_by("-occurred_at", "-pk"))
    # ?document= narrows the ledger to one allocation or incident (the incident page links here).
    document = request.GET.get("document", "").strip()[:100]
    if document:
        movements = movements.filter(document=document)
    page = Paginator(movements, 30).get_page(request.GET.get("page"))
    if request.htmx and request.GET.get("page"):
        return render(request, "supplies/warehouse_detail.html#movements", {"warehouse": warehouse, "page": page,
                                                                             "document": document})
    path = warehouse.jurisdiction.path
    return render(request, "supplies/warehouse_detail.html", {
        "warehouse": warehouse, "rows": queries.stock_rows(warehouse), "page": page, "document": document,
        "history": history_rows(warehouse),
        "can_move": path_allowed(request.user, MOVE_PERM, path),
        "can_count": path_allowed(request.user, COUNT_PERM, path),
        "can_request": path_allowed(request.user, flow.REQUEST_PERM, path),
        "counts": warehouse.counts.order_by("-counted_at")[:5],
    })


def _stock_form(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    warehouse = queries.visible_warehouse(request.user, code)
    if not path_allowed(request.user, MOVE_PERM, warehouse.jurisdiction.path):
        raise PermissionDenied
    if kind == "receive":
        form: Any = ReceiptForm(request.POST or None)
    else:
        form = IssueForm(request.POST or None, warehouse=warehouse,
                         initial={"material": request.GET.get("material"), "document": request.GET.get("incident")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        material, quantity = data.pop("material"), data.pop("quantity")
        try:
            if kind == "receive":
                services.receive_stock(warehouse, material, quantity, actor=request.user, **data)
            else:
                services.issue_stock(warehouse, material, quantity, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("supplies:warehouse", code=warehouse.code)
    title = _("Receive stock") if kind == "receive" else _("Issue stock")
    return render(request, "supplies/stock_form.html", {"warehouse": warehouse, "form": form, "title": title})


@login_required
def warehouse_receive(request: HttpRequest, code: str) -> HttpResponse:
    return _stock_form(request, code, "receive")


@login_required
def warehouse_issue(request: HttpRequest, code: str) -> HttpResponse:
    return _stock_form(request, code, "issue")


@login_required
def warehouse_count(request: HttpRequest, code: str) -> HttpResponse:
    """Stock count (盘点): enter what is on the shelf per lot; differences become adjustments."""
    warehouse = queries.visible_warehouse(request.user, code)
    if not path_allowed(request.user, COUNT_PERM, warehouse.jurisdiction.path):
        raise PermissionDenied
    lots = list(StockLot.objects.filter(warehouse=warehouse, quantity__gt=0).select_related("material")
                .order_by("material__code", "expiry_date", "pk"))
    errors: list[str] = []
    if request.method == "POST":
        counted: dict[int, int] = {}
        for lot in lots:
            raw = request.POST.get(f"lot_{lot.pk}", "").strip()
            if raw == "":
                continue
            try:
                counted[lot.pk] = int(raw)
            except ValueError:
                errors.append(_("%(material)s %(batch)s: enter a whole number.") % {
                    "material": lot.material.name, "batch": lot.batch})
        if not errors:
            try:
                count = services.record_count(warehouse, counted, actor=request.user,
                                              note=request.POST.get("note", ""))
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                changed = sum(1 for line in count.lines.all() if line.difference)
                messages.success(request, _("Count %(number)s saved: %(n)s adjustments.") % {
                    "number": count.number, "n": changed})
                return redirect("supplies:warehouse", code=warehouse.code)
    return render(request, "supplies/count.html", {"warehouse": warehouse, "lots": lots, "errors": errors,
                                                   "posted": request.POST})


# ------------------------------------------------------------------ catalogue
@login_required
def material_list(request: HttpRequest) -> HttpResponse:
    queryset = Material.objects.visible_to(request.user).order_by("code")
    category = request.GET.get("category", "")
    text = request.GET.get("q", "").strip()
    if category in Category.values:
        queryset = queryset.filter(category=category)
    if text:
        queryset = (queryset.filter(name__icontains=text) | queryset.filter(code__icontains=text)
                    | queryset.filter(aliases__icontains=text))
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    context = {"page": page, "categories": Category.choices, "category": category, "q": text}
    template = "supplies/material_list.html#rows" if request.htmx else "supplies/material_list.html"
    return render(request, template, context)


# ------------------------------------------------------------------ allocations
@login_required
def allocation_list(request: HttpRequest) -> HttpResponse:
    queryset = (Allocation.objects.visible_to(request.user).select_related("jurisdiction", "destination")
                .order_by("-requested_at", "-pk"))
    status = request.GET.get("status", "")
    if status in AllocationStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(request, "supplies/allocation_list.html", {"page": page, "statuses": AllocationStatus.choices,
                                                             "status": status})


def _initial_lines(request: HttpRequest) -> list[dict[str, Any]]:
    """Lines proposed by the search page: ?line=WAREHOUSE:MATERIAL:QUANTITY (repeatable)."""
    lines = []
    for raw in request.GET.getlist("line")[:30]:
        parts = raw.split(":")
        if len(parts) != 3:
            continue
        warehouse = Warehouse.objects.requestable_sources_for(request.user).filter(code=parts[0]).first()
        material = Material.objects.filter(code=parts[1]).first()
        if warehouse and material:
            lines.append({"warehouse": warehouse.pk, "material": material.pk, "quantity": _int(parts[2], 1, 1, 10**9)})
    return lines


def _community_at(lon: float | None, lat: float | None) -> Jurisdiction | None:
    """The community containing a point (the point-in-polygon index, jurisdictions/locate.py)."""
    if lon is None or lat is None:
        return None
    place = jurisdiction_at(lon, lat)
    if place is not None and place.level == "grid":
        place = Jurisdiction.objects.filter(pk=place.parent_id).first()
    return place


@login_required
def allocation_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {key: request.GET.get(key) for key in ("incident_ref", "lon", "lat", "destination_text", "purpose")
               if request.GET.get(key)}
    if request.GET.get("destination"):
        destination = Warehouse.objects.visible_to(user).filter(code=request.GET["destination"]).first()
        if destination:
            initial["destination"] = destination.pk
            initial["jurisdiction"] = destination.jurisdiction_id
    form = AllocationForm(request.POST or None, user=user, initial=initial)
    choices = form.fields["jurisdiction"].queryset
    if "jurisdiction" not in initial:
        # Requested for the community where the materials are needed, else the user's own area.
        place = _community_at(_float(request.GET.get("lon")), _float(request.GET.get("lat")))
        if place is not None and choices.filter(pk=place.pk).exists():
            form.initial["jurisdiction"] = place.pk
        elif choices.exists():
            form.initial["jurisdiction"] = choices.order_by("depth").first().pk
    lines = LineFormSet(request.POST or None, form_kwargs={"user": user}, prefix="lines",
                        initial=_initial_lines(request) or None)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        point = (data["lon"], data["lat"]) if data.get("lon") is not None and data.get("lat") is not None else None
        try:
            allocation = services.request_allocation(
                incident=queries.visible_incident(user, data.get("incident_ref")),
                actor=user, jurisdiction=data["jurisdiction"], destination=data.get("destination"),
                incident_ref=data.get("incident_ref") or "", destination_text=data.get("destination_text") or "",
                destination_point=point, purpose=data["purpose"], note=data.get("note") or "",
                lines=[services.LineRequest(line["warehouse"], line["material"], line["quantity"])
                       for line in lines.cleaned_data if line])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You do not have permission to do this."))
        else:
            messages.success(request, _("Allocation %(number)s requested.") % {"number": allocation.number})
            return redirect("supplies:allocation", number=allocation.number)
    return render(request, "supplies/allocation_form.html", {"form": form, "lines": lines})


@login_required
def allocation_sources(request: HttpRequest) -> HttpResponse:
    """The request form's list of the warehouses the user may ask from, with what each has of one
    material (?material=<id>): own warehouses and the depots above (queries.request_sources)."""
    material = Material.objects.filter(pk=_int(request.GET.get("material"), 0, 0, 2**31 - 1)).first()
    return render(request, "supplies/_sources.html", {
        "material": material, "sources": queries.request_sources(request.user, material) if material else []})


@login_required
def allocation_detail(request: HttpRequest, number: str) -> HttpResponse:
    allocation = queries.visible_allocation(request.user, number)
    lines = list(allocation.lines.select_related("warehouse__jurisdiction", "material").order_by("pk"))
    # A requester sees a depot above it by name only: its page is linked where the user may open it.
    view = perm_name(Warehouse, "view")
    for line in lines:
        line.linked = path_allowed(request.user, view, line.warehouse.jurisdiction.path)  # type: ignore[attr-defined]
    # The buttons are the steps the workflow allows this user now (supplies/workflows.py).
    actions = {step.name: True for step in ALLOCATION.allowed(request.user, allocation)}
    return render(request, "supplies/allocation_detail.html", {
        "allocation": allocation, "lines": lines, "timeline": flow.timeline(allocation), "actions": actions,
        "any_action": any(actions.values()), "form": StepForm(), "history": history_rows(allocation),
    })


STEPS = {"approve": services.approve_allocation, "reject": services.reject_allocation,
         "cancel": services.cancel_allocation, "dispatch": services.dispatch_allocation,
         "receive": services.receive_allocation}


@login_required
@require_POST
def allocation_step(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in STEPS:
        raise Http404
    allocation = queries.visible_allocation(request.user, number)
    kwargs: dict[str, Any] = {"note": request.POST.get("note", "")}
    if action == "receive":
        received = {}
        for line in allocation.lines.all():
            raw = request.POST.get(f"received_{line.pk}", "").strip()
            if raw:
                received[line.pk] = _int(raw, -1, -1, 10**9)
        kwargs["received"] = received
    try:
        STEPS[action](allocation, actor=request.user, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You do not have permission to do this."))
    else:
        messages.success(request, _("Done."))
    return redirect("supplies:allocation", number=allocation.number)


# ------------------------------------------------------------------ operations
OPERATIONS_ROWS = 50


@login_required
def operations(request: HttpRequest) -> HttpResponse:
    """Expiring lots, overdue maintenance and reserves below minimum, per jurisdiction."""
    days = _int(request.GET.get("days"), 30, 0, 3650)
    code = request.GET.get("jurisdiction", "")
    lots = StockLot.objects.visible_to(request.user)
    warehouses = Warehouse.objects.visible_to(request.user)
    place = None
    if code:
        place = get_object_or_404(Jurisdiction.objects.visible_to(request.user), code=code)
        lots, warehouses = lots.in_subtree(place.path), warehouses.in_subtree(place.path)
    context = {"days": days, "place": place, "jurisdiction": code,
               "places": Jurisdiction.objects.visible_to(request.user).filter(
                   level__in=("district", "street", "community")).order_by("path").only("code", "name", "level")}
    if request.GET.get("export"):
        lots = lots.filter(warehouse__in=Warehouse.objects.restrict(request.user, "export"))
        warehouses = warehouses.filter(pk__in=Warehouse.objects.restrict(request.user, "export"))
        content = reports.workbook(list(reports.expiring_lots(lots, days)), reports.overdue_maintenance(lots),
                                   reports.below_minimum(warehouses), days)
        return xlsx_response(content, _("supplies-operations"))
    # The page shows the first rows of each list with the true totals; the whole lists are the
    # Excel export (a district's 3,000 reserve gaps made a 48,000 px page, issue 13).
    expiring_lots = reports.expiring_lots(lots, days)
    maintenance, maintenance_total = reports.overdue_maintenance_page(lots, OPERATIONS_ROWS)
    gaps, gaps_total, gap_warehouses = reports.below_minimum_page(warehouses, OPERATIONS_ROWS)
    context.update({"expiring": list(expiring_lots[:OPERATIONS_ROWS]), "expiring_total": expiring_lots.count(),
                    "maintenance": maintenance, "maintenance_total": maintenance_total,
                    "today": timezone.localdate(), "next": request.get_full_path(), "rows": OPERATIONS_ROWS,
                    "gaps": gaps, "gaps_total": gaps_total, "gap_warehouses": gap_warehouses})
    return render(request, "supplies/operations.html", context)


@login_required
@require_POST
def lot_action(request: HttpRequest, lot_id: int, action: str) -> HttpResponse:
    """From the operations page: a lot was serviced, or its expired units are written off."""
    lot = queries.visible_lot(request.user, lot_id)
    try:
        if action == "maintained":
            services.record_maintenance(lot, actor=request.user)
        elif action == "write-off":
            services.write_off(lot, lot.quantity, actor=request.user,
                               reason=request.POST.get("reason") or MovementReason.EXPIRED)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("You do not have permission to do this."))
    else:
        messages.success(request, _("Saved."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("supplies:operations")
    return redirect(target)


# ------------------------------------------------------------------ import / export
@login_required
def table_export(request: HttpRequest, kind: str) -> HttpResponse:
    table_class = TABLES.get(kind)
    if table_class is None:
        raise Http404
    table = table_class(request.user)
    return xlsx_response(table.stream_xlsx(), str(table.title))


@login_required
def table_template(request: HttpRequest, kind: str) -> HttpResponse:
    table_class = TABLES.get(kind)
    if table_class is None:
        raise Http404
    table = table_class(request.user)
    return xlsx_response(table.to_xlsx([]), _("%(title)s-template") % {"title": table.title})


@login_required
def table_import(request: HttpRequest, kind: str) -> HttpResponse:
    table_class = TABLES.get(kind)
    if table_class is None:
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    table = table_class(request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = table.import_file(upload.read(), upload.name)
        if result.ok:
            messages.success(request, _("Imported: %(c)s created, %(u)s updated, %(s)s unchanged.") % {
                "c": result.created, "u": result.updated, "s": result.unchanged})
            return redirect("supplies:import", kind=kind)
    return render(request, "supplies/import.html", {"form": form, "result": result, "kind": kind,
                                                    "title": table.title})
