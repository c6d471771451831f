"""Pages of the resources registry.

Every ledger (see pages.PAGES) has the same list, detail, create, edit, delete,
export, template and import views; the map, the staffing-standard compliance
page and the expiry page come after them. Writes go through services.py.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.files import xlsx_response
from yingji.core.forms import add_service_errors
from yingji.core.scope import can, has_perm_somewhere, perm_name
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources import rules, services
from yingji.resources.forms import CertificateForm, MaintenanceForm, UploadForm
from yingji.resources.models import Equipment, FacilityKind, Member, MemberCertificate, Station, StationKind
from yingji.resources.pages import PAGES, LedgerPage, facts, jurisdiction_choices
from yingji.resources.privacy import history_for

PAGE_SIZE = 50


def _rows(request: HttpRequest, page: LedgerPage, action: str = "view") -> Any:
    rows = page.model.objects.restrict(request.user, action).select_related(*page.related)  # type: ignore[attr-defined]
    return rows.prefetch_related(*page.prefetch) if page.prefetch else rows


def _get(request: HttpRequest, page: LedgerPage, pk: int) -> Any:
    return get_object_or_404(_rows(request, page), pk=pk)


def _in_jurisdiction(request: HttpRequest, rows: Any, code: str) -> Any:
    if not code:
        return rows
    path = Jurisdiction.objects.visible_to(request.user).filter(code=code).values_list("path", flat=True).first()
    return rows.in_subtree(path) if path else rows.none()


# ---------------------------------------------------------------- the ledgers
@login_required
def ledger_list(request: HttpRequest, key: str) -> HttpResponse:
    page = PAGES[key]
    rows = _rows(request, page)
    text = request.GET.get("q", "").strip()
    if text:
        query = Q()
        for name in page.search:
            query |= Q(**{f"{name}__icontains": text})
        rows = rows.filter(query)
    jurisdiction = request.GET.get("jurisdiction", "")
    rows = _in_jurisdiction(request, rows, jurisdiction)
    selected = {}
    for item in page.filters:
        value = request.GET.get(item.name, "")
        selected[item.name] = value
        rows = item.apply(rows, value)
    paginator = Paginator(rows.order_by(*page.model._meta.ordering, "pk"), PAGE_SIZE)
    listing = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "ledger": page, "tab": page.key, "page": listing, "q": text, "jurisdiction": jurisdiction,
        "jurisdictions": jurisdiction_choices(request.user),
        "filters": [(f, selected[f.name]) for f in page.filters],
        "querystring": query.urlencode(),
        # The station map shows the same area and type as the list.
        "map_query": urlencode({k: v for k, v in (("jurisdiction", jurisdiction), ("kind", selected.get("kind", "")))
                                if v}),
        "rows_template": f"resources/rows/{page.key}.html",
        "can_add": has_perm_somewhere(request.user, perm_name(page.model, "add")),
        "can_import": has_perm_somewhere(request.user, perm_name(page.model, "import")),
        "can_export": has_perm_somewhere(request.user, perm_name(page.model, "export")),
        "today": rules.expiry_limit(days=0), "soon": rules.expiry_limit(),
    }
    template = "resources/list.html#rows" if request.htmx else "resources/list.html"
    return render(request, template, context)


@login_required
def ledger_detail(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    page = PAGES[key]
    obj = _get(request, page, pk)
    context = {
        "ledger": page, "tab": page.key, "object": obj, "facts": facts(obj, page.facts, request.user),
        "history": history_for(obj, request.user),
        "can_change": can(request.user, "change", obj), "can_delete": can(request.user, "delete", obj),
        "today": rules.expiry_limit(days=0), "soon": rules.expiry_limit(),
    }
    if page.has_location:
        context["point_json"] = json.dumps([obj.lon, obj.lat])
    if page.detail is not None:
        context.update(page.detail(obj, request.user))
    return render(request, f"resources/{page.prefix}_detail.html", context)


@login_required
def ledger_create(request: HttpRequest, key: str) -> HttpResponse:
    page = PAGES[key]
    if not has_perm_somewhere(request.user, perm_name(page.model, "add")):
        raise PermissionDenied
    initial = {name: request.GET[name] for name in ("station", "team", "jurisdiction") if request.GET.get(name)}
    form = page.form(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            obj = page.create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Created."))
            return redirect(f"resources:{page.prefix}_detail", pk=obj.pk)
    return render(request, "resources/form.html", {"ledger": page, "tab": page.key, "form": form,
                                                   "pick_location": "lon" in form.fields})


@login_required
def ledger_edit(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    page = PAGES[key]
    obj = _get(request, page, pk)
    if not can(request.user, "change", obj):
        raise PermissionDenied
    form = page.form(request.POST or None, request.FILES or None, user=request.user,
                     instance=page.model._base_manager.get(pk=obj.pk))
    if request.method == "POST" and form.is_valid():
        try:
            page.update(obj, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"resources:{page.prefix}_detail", pk=obj.pk)
    return render(request, "resources/form.html", {"ledger": page, "tab": page.key, "form": form, "object": obj,
                                                   "pick_location": "lon" in form.fields})


@login_required
@require_POST
def ledger_delete(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    page = PAGES[key]
    obj = _get(request, page, pk)
    try:
        page.delete(obj, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"resources:{page.prefix}_detail", pk=pk)
    messages.success(request, _("Deleted."))
    return redirect(f"resources:{page.prefix}_list")


@login_required
def ledger_export(request: HttpRequest, key: str) -> HttpResponse:
    page = PAGES[key]
    return xlsx_response(page.table(request.user).stream_xlsx(), str(page.title))


@login_required
def ledger_template(request: HttpRequest, key: str) -> HttpResponse:
    page = PAGES[key]
    return xlsx_response(page.table(request.user).to_xlsx([]), _("%(name)s-template") % {"name": page.title})


@login_required
def ledger_import(request: HttpRequest, key: str) -> HttpResponse:
    page = PAGES[key]
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = page.table(request.user).import_file(upload.read(), upload.name)
        if result.ok:
            messages.success(request, _("Imported: %(c)s created, %(u)s updated, %(s)s unchanged.") % {
                "c": result.created, "u": result.updated, "s": result.unchanged})
            return redirect(f"resources:{page.prefix}_list")
    return render(request, "resources/import.html", {"ledger": page, "tab": page.key, "form": form, "result": result,
                                                     "columns": _column_help(page)})


def _column_help(page: LedgerPage) -> list[tuple[str, bool, str]]:
    """(header, required, allowed values) of each column, shown above the upload form."""
    rows = []
    for column in page.table.columns:
        allowed = "、".join(str(label) for label in column.choices.labels) if column.choices is not None else ""
        rows.append((str(column.header), column.required, allowed))
    return rows


# ---------------------------------------------------------------- certificates on the member page
@login_required
@require_POST
def certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(Member.objects.visible_to(request.user).select_related("team__jurisdiction"), pk=pk)
    form = CertificateForm(request.POST)
    if form.is_valid():
        try:
            services.add_certificate(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Certificate added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("resources:member_detail", pk=member.pk)


@login_required
@require_POST
def certificate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(MemberCertificate.objects.visible_to(request.user)
                                    .select_related("member__team__jurisdiction"), pk=pk)
    services.delete_certificate(certificate, actor=request.user)
    messages.success(request, _("Certificate removed."))
    return redirect("resources:member_detail", pk=certificate.member_id)


@login_required
@require_POST
def equipment_maintenance(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Equipment.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    form = MaintenanceForm(request.POST)
    if form.is_valid():
        try:
            services.record_maintenance(item, actor=request.user, on=form.cleaned_data["on"],
                                        next_on=form.cleaned_data["next_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Maintenance recorded."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("resources:equipment_detail", pk=item.pk)


# ---------------------------------------------------------------- map, compliance, expiry
@login_required
def resource_map(request: HttpRequest) -> HttpResponse:
    # Hydrants and AEDs number in the thousands: they start switched off.
    dense = [FacilityKind.HYDRANT, FacilityKind.AED]
    return render(request, "resources/map.html", {
        "station_kinds": StationKind.choices, "facility_kinds": FacilityKind.choices,
        "dense_kinds": dense, "dense_kinds_json": json.dumps([str(k) for k in dense]),
        "jurisdictions": jurisdiction_choices(request.user), "jurisdiction": request.GET.get("jurisdiction", ""),
    })


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    jurisdiction = request.GET.get("jurisdiction", "")
    stations = _in_jurisdiction(request, Station.objects.visible_to(request.user), jurisdiction)
    checks = rules.staffing_checks(stations)
    failing = [c for c in checks if not c.ok]
    return render(request, "resources/compliance.html", {
        "checks": failing, "total": len(checks), "failing": len(failing),
        "standard": rules.SERVICE_STATION_STANDARD, "micro_standard": rules.MICRO_FIRE_STANDARD,
        "jurisdictions": jurisdiction_choices(request.user), "jurisdiction": jurisdiction,
    })


@login_required
def expiring(request: HttpRequest) -> HttpResponse:
    jurisdiction = request.GET.get("jurisdiction", "")
    certificates = _in_jurisdiction(request, MemberCertificate.objects.visible_to(request.user), jurisdiction)
    equipment = _in_jurisdiction(request, Equipment.objects.visible_to(request.user), jurisdiction)
    today = rules.expiry_limit(days=0)
    # Each list a page at a time, in the order the groups show it (by jurisdiction, then soonest
    # first): a district's whole lists were a 160 KiB page, most of its CPU rendering (issue 13).
    certificate_page = Paginator(
        rules.expiring_certificates(certificates, today).order_by("member__team__jurisdiction__path", "expires_on", "pk"),
        PAGE_SIZE).get_page(request.GET.get("certificates_page"))
    equipment_page = Paginator(
        rules.maintenance_due(equipment, today).order_by("jurisdiction__path", "next_maintenance_on", "pk"),
        PAGE_SIZE).get_page(request.GET.get("equipment_page"))
    return render(request, "resources/expiring.html", {
        "today": today, "days": rules.EXPIRY_WINDOW_DAYS,
        "certificate_page": certificate_page, "equipment_page": equipment_page,
        "certificate_groups": rules.by_jurisdiction(list(certificate_page), lambda c: c.member.team.jurisdiction),
        "equipment_groups": rules.by_jurisdiction(list(equipment_page), lambda e: e.jurisdiction),
        "certificate_count": certificate_page.paginator.count, "equipment_count": equipment_page.paginator.count,
        "jurisdictions": jurisdiction_choices(request.user), "jurisdiction": jurisdiction,
    })
