"""Pages of plans: the list, a plan with its disposal card and approval, the forms.

Pages call the same services as the API (plans/services.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.forms import add_service_errors
from yingji.core.scope import can, has_perm_somewhere
from yingji.incidents import catalogue
from yingji.plans import attachments, checklists, services, versions
from yingji.plans.forms import PlanForm, StepFormSet, who_choices, who_value
from yingji.plans.models import ChecklistItem, Plan, PlanAttachment, PlanKind, PlanStatus
from yingji.plans.workflows import PLAN


def _visible(request: HttpRequest, pk: int) -> Plan:
    return get_object_or_404(Plan.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)


def type_labels(codes: list[str]) -> list[str]:
    known = dict(catalogue.flat_choices())
    return [str(known.get(code, code)) for code in codes]


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """Plans the user sees: search by title or enterprise, filter by kind and status."""
    queryset = Plan.objects.visible_to(request.user).select_related("jurisdiction")
    text = request.GET.get("q", "").strip()
    if text:
        queryset = queryset.filter(Q(title__icontains=text) | Q(enterprise__icontains=text))
    kind = request.GET.get("kind", "")
    if kind in PlanKind.values:
        queryset = queryset.filter(kind=kind)
    status = request.GET.get("status", "")
    if status in PlanStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("jurisdiction__path", "title"), 50).get_page(request.GET.get("page"))
    return render(request, "plans/list.html", {
        "page": page, "q": text, "kind": kind, "status": status, "kinds": PlanKind.choices,
        "statuses": PlanStatus.choices, "may_add": has_perm_somewhere(request.user, "plans.add_plan")})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan, its disposal card (what / who / how, time limits) and its approval."""
    plan = _visible(request, pk)
    return render(request, "plans/detail.html", {
        "plan": plan, "steps": plan.steps.select_related("who_team").order_by("order"),
        "types": type_labels(plan.incident_types), "actions": PLAN.allowed(request.user, plan),
        "history": PLAN.history(plan),
        "versions": [(v, [(versions.field_label(c["field"]), c) for c in v.changes])
                     for v in plan.versions.select_related("approved_by").order_by("-version")],
        "attachments": plan.attachments.order_by("created_at", "pk"),
        "may_attach": can(request.user, "change", plan),
        "may_edit": plan.status == PlanStatus.DRAFT and can(request.user, "change", plan)})


def _form_page(request: HttpRequest, form: Any, *, title: str, cancel: str) -> HttpResponse:
    return render(request, "plans/form.html", {"form": form, "title": title, "cancel": cancel},
                  status=422 if form.is_bound and form.errors else 200)


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "plans.add_plan"):
        raise PermissionDenied
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not do this in that jurisdiction."))
        else:
            messages.success(request, _("Created. Now write the plan's card."))
            return redirect("plans:card", pk=plan.pk)
    return _form_page(request, form, title=_("New plan"), cancel=reverse("plans:list"))


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible(request, pk)
    if not can(request.user, "change", plan):
        raise PermissionDenied
    form = PlanForm(request.POST or None, user=request.user, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(plan, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("plans:detail", pk=plan.pk)
    return _form_page(request, form, title=_("Edit %(title)s") % {"title": plan.title},
                      cancel=reverse("plans:detail", args=[plan.pk]))


@login_required
def card_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The card as rows of what / who / how / time limit; empty rows are ignored."""
    plan = _visible(request, pk)
    if not can(request.user, "change", plan):
        raise PermissionDenied
    who = who_choices(request.user)
    initial = [{"what": s.what, "who": who_value(s), "how": s.how, "time_limit_minutes": s.time_limit_minutes}
               for s in plan.steps.select_related("who_team").order_by("order")]
    formset = StepFormSet(request.POST or None, initial=None if request.method == "POST" else initial,
                          form_kwargs={"who": who}, prefix="steps")
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        steps = [s for s in (f.step() for f in formset.forms) if s is not None]
        try:
            services.set_steps(plan, steps, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The card is saved."))
            return redirect("plans:detail", pk=plan.pk)
    failed = request.method == "POST"
    return render(request, "plans/card_form.html", {"plan": plan, "formset": formset, "errors": errors},
                  status=422 if failed else 200)


@login_required
@require_POST
def plan_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One approval step from the plan's page (the same services as the API)."""
    plan = _visible(request, pk)
    if name not in services.STEPS:
        raise Http404
    try:
        services.take_step(plan, name, actor=request.user, note=request.POST.get("note", "")[:300])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    return redirect("plans:detail", pk=plan.pk)


@login_required
@require_POST
def checklist_tick(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick one step of an incident's checklist from the incident's page."""
    item = get_object_or_404(ChecklistItem.objects.visible_to(request.user).select_related(
        "incident__jurisdiction"), pk=pk)
    try:
        checklists.tick(item, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("incidents:detail", pk=item.incident_id)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a file to the plan (PDF, Word, Excel, PNG, JPEG; checked by its bytes)."""
    plan = _visible(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
        return redirect("plans:detail", pk=plan.pk)
    try:
        attachments.attach(plan, upload, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Attached."))
    return redirect("plans:detail", pk=plan.pk)


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(PlanAttachment.objects.visible_to(request.user).select_related("plan"), pk=pk)
    attachments.remove(row, actor=request.user)
    messages.success(request, _("Removed."))
    return redirect("plans:detail", pk=row.plan_id)


@login_required
def attachment_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored file, after the scope check (never a public storage URL), as a download."""
    row = get_object_or_404(PlanAttachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=row.content_type, as_attachment=True, filename=row.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
