"""Pages of the jurisdiction tree: list, detail with map and history, edit, import/export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from yingji.audit.services import history_rows
from yingji.core.files import xlsx_response
from yingji.core.scope import can
from yingji.jurisdictions import services
from yingji.jurisdictions.forms import JurisdictionForm, NewJurisdictionForm, UploadForm
from yingji.jurisdictions.imports import JurisdictionTable
from yingji.jurisdictions.models import Jurisdiction, Level


def _visible(request: HttpRequest, code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.visible_to(request.user).select_related("parent"), code=code)


@login_required
def jurisdiction_list(request: HttpRequest) -> HttpResponse:
    queryset = Jurisdiction.objects.visible_to(request.user).select_related("parent").order_by("path")
    level = request.GET.get("level", "")
    text = request.GET.get("q", "").strip()
    if level in Level.values:
        queryset = queryset.filter(level=level)
    if text:
        queryset = queryset.filter(name__icontains=text) | queryset.filter(code__startswith=text)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    context = {"page": page, "levels": Level.choices, "level": level, "q": text}
    template = "jurisdictions/list.html#rows" if request.htmx else "jurisdictions/list.html"
    return render(request, template, context)


@login_required
def jurisdiction_detail(request: HttpRequest, code: str) -> HttpResponse:
    jurisdiction = _visible(request, code)
    children = jurisdiction.children.order_by("code")
    return render(request, "jurisdictions/detail.html", {
        "jurisdiction": jurisdiction,
        "children": children,
        "ancestors": jurisdiction.ancestors()[:-1],
        "history": history_rows(jurisdiction),
        "can_change": can(request.user, "change", jurisdiction),
        "can_add_child": jurisdiction.level != Level.GRID and services.can_add_under(request.user, jurisdiction),
        "boundary_json": json.dumps(jurisdiction.boundary) if jurisdiction.boundary else "",
    })


@login_required
def jurisdiction_edit(request: HttpRequest, code: str) -> HttpResponse:
    jurisdiction = _visible(request, code)
    if not can(request.user, "change", jurisdiction):
        raise PermissionDenied
    form = JurisdictionForm(request.POST or None, instance=Jurisdiction.objects.get(pk=jurisdiction.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_jurisdiction(jurisdiction, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("jurisdictions:detail", code=jurisdiction.code)
    return render(request, "jurisdictions/form.html", {"form": form, "jurisdiction": jurisdiction})


@login_required
def jurisdiction_create(request: HttpRequest, code: str) -> HttpResponse:
    parent = _visible(request, code)
    if not services.can_add_under(request.user, parent):
        raise PermissionDenied
    form = NewJurisdictionForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            child = services.create_jurisdiction(actor=request.user, parent=parent, **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Created."))
            return redirect("jurisdictions:detail", code=child.code)
    return render(request, "jurisdictions/form.html", {"form": form, "parent": parent})


@login_required
def jurisdiction_export(request: HttpRequest) -> HttpResponse:
    table = JurisdictionTable(request.user)
    objects = Jurisdiction.objects.restrict(request.user, "export").select_related("parent").order_by("path")
    return xlsx_response(table.stream_xlsx(objects), _("jurisdictions"))


@login_required
def jurisdiction_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(JurisdictionTable(request.user).to_xlsx([]), _("jurisdictions-template"))


@login_required
def jurisdiction_import(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    boundary_errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        if upload.name.lower().endswith((".geojson", ".json")):
            try:
                collection = json.loads(data.decode("utf-8-sig"))
                features = collection["features"] if collection.get("type") == "FeatureCollection" else [collection]
            except (ValueError, KeyError, AttributeError, UnicodeDecodeError):
                boundary_errors = [(0, "file", _("The file is not GeoJSON."))]
            else:
                updated, boundary_errors = services.set_boundaries(features, actor=request.user)
                if not boundary_errors:
                    messages.success(request, _("%(n)s boundaries saved.") % {"n": updated})
                    return redirect("jurisdictions:list")
        else:
            result = JurisdictionTable(request.user).import_file(data, upload.name)
            if result.ok:
                messages.success(request, _("Imported: %(c)s created, %(u)s updated, %(s)s unchanged.") % {
                    "c": result.created, "u": result.updated, "s": result.unchanged})
                return redirect("jurisdictions:list")
    return render(request, "jurisdictions/import.html",
                  {"form": form, "result": result, "boundary_errors": boundary_errors})
