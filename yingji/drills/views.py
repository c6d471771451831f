"""Pages of drills: the list, a drill with its follow-ups, the form, the compliance view, the rules.

Pages call the same services as the API (drills/services.py, drills/compliance.py).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.files import xlsx_response
from yingji.core.forms import add_service_errors
from yingji.core.scope import can, has_perm_somewhere
from yingji.drills import compliance, exports, services
from yingji.drills.forms import DrillForm, FollowUpForm, RuleForm
from yingji.drills.models import Drill, DrillRule, DrillScope, DrillType, FollowUp
from yingji.jurisdictions.models import Jurisdiction


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 1900 <= year <= 2999 else timezone.localdate().year


@login_required
def drill_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    queryset = Drill.objects.visible_to(request.user).select_related("jurisdiction", "plan").filter(held_on__year=year)
    scope = request.GET.get("scope", "")
    if scope in DrillScope.values:
        queryset = queryset.filter(scope=scope)
    kind = request.GET.get("drill_type", "")
    if kind in DrillType.values:
        queryset = queryset.filter(drill_type=kind)
    page = Paginator(queryset.order_by("-held_on", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "drills/list.html", {
        "page": page, "year": year, "scope": scope, "drill_type": kind, "scopes": DrillScope.choices,
        "types": DrillType.choices, "may_add": has_perm_somewhere(request.user, "drills.add_drill")})


@login_required
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drill = get_object_or_404(Drill.objects.visible_to(request.user).select_related("jurisdiction", "plan"), pk=pk)
    may_change = can(request.user, "change", drill)
    form = FollowUpForm(request.POST or None) if may_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_follow_up(drill, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("drills:detail", pk=drill.pk)
    return render(request, "drills/detail.html", {
        "drill": drill, "teams": drill.teams.order_by("code"), "members": drill.members.select_related("team"),
        "follow_ups": drill.follow_ups.select_related("hazard").order_by("pk"), "form": form,
        "may_change": may_change}, status=422 if form is not None and form.errors else 200)


@login_required
def drill_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "drills.add_drill"):
        raise PermissionDenied
    form = DrillForm(request.POST or None, user=request.user,
                     initial={"held_on": timezone.localdate(), "duration_minutes": 60})
    if request.method == "POST" and form.is_valid():
        try:
            drill = services.record_drill(actor=request.user, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not do this in that jurisdiction."))
        else:
            messages.success(request, _("The drill is recorded."))
            return redirect("drills:detail", pk=drill.pk)
    return render(request, "drills/form.html", {"form": form, "title": _("Record a drill")},
                  status=422 if form.is_bound and form.errors else 200)


def _follow_up(request: HttpRequest, pk: int) -> FollowUp:
    return get_object_or_404(FollowUp.objects.visible_to(request.user).select_related("drill__jurisdiction"), pk=pk)


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    row = _follow_up(request, pk)
    services.complete_follow_up(row, actor=request.user)
    return redirect("drills:detail", pk=row.drill_id)


@login_required
@require_POST
def follow_up_hazard(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a hazard for the follow-up (hazards' own service and checks)."""
    row = _follow_up(request, pk)
    try:
        hazard = services.open_hazard(row, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Hazard %(reference)s opened.") % {"reference": hazard.reference})
    return redirect("drills:detail", pk=row.drill_id)


@login_required
def compliance_page(request: HttpRequest) -> HttpResponse:
    """Per street and community: drills held this year against the rules, due before the year ends, behind."""
    year = _year(request)
    today = timezone.localdate()
    code = request.GET.get("area", "")
    area = get_object_or_404(Jurisdiction.objects.visible_to(request.user), code=code) if code else None
    rows = compliance.scope_rows(request.user, area, year, today)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.compliance_workbook(rows, year), f"drill-compliance-{year}")
    return render(request, "drills/compliance.html", {
        "rows": rows, "year": year, "years": range(today.year - 3, today.year + 2), "summary": compliance.summary(rows),
        "area": area, "as_of": min(today, datetime.date(year, 12, 31))})


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    may_add = has_perm_somewhere(request.user, "drills.add_drillrule")
    form = RuleForm(request.POST or None, user=request.user) if may_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.create_rule(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error(None, _("You may not do this in that jurisdiction."))
            else:
                messages.success(request, _("Saved."))
                return redirect("drills:rules")
    rules = DrillRule.objects.visible_to(request.user).select_related("jurisdiction")
    return render(request, "drills/rules.html", {"rules": rules, "form": form},
                  status=422 if form is not None and form.errors else 200)


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(DrillRule.objects.visible_to(request.user), pk=pk)
    services.delete_rule(rule, actor=request.user)
    messages.success(request, _("Removed."))
    return redirect("drills:rules")
