"""Rosters: the month as a table edited by drag and by form, patterns, extra shifts, Excel, holidays."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.audit.services import history_rows
from yingji.core.files import xlsx_response
from yingji.core.forms import add_service_errors
from yingji.core.scope import can, ensure_in, has_perm_somewhere, path_allowed
from yingji.duty import times
from yingji.duty.forms import (
    ExtraShiftsForm,
    GenerateForm,
    HolidayForm,
    PatternForm,
    ShiftForm,
    SwapForm,
    UploadForm,
)
from yingji.duty.imports import ShiftTable
from yingji.duty.models import (
    Handover,
    Holiday,
    LogEntry,
    RosterPattern,
    Shift,
    ShiftKind,
    ShiftMember,
    SwapRequest,
)
from yingji.duty.services import handover, rosters
from yingji.duty.views.common import home_post, post_or_404, shift_or_404, step_buttons
from yingji.duty.workflows import SWAP
from yingji.jurisdictions.models import Jurisdiction, Level

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(value: str) -> tuple[int, int]:
    match = MONTH.match(value)
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise Http404
    return int(match.group(1)), int(match.group(2))


def _neighbour(year: int, month: int, step: int) -> str:
    index = year * 12 + (month - 1) + step
    return f"{index // 12}-{index % 12 + 1:02d}"


def roster_context(request: HttpRequest, post: Jurisdiction, year: int, month: int) -> dict[str, Any]:
    """The month as rows of days and columns of the regular shifts, extra shifts beside them."""
    user = request.user
    now = timezone.now()
    days = times.month_days(year, month)
    start, _e = times.day_bounds(days[0])
    _s, end = times.day_bounds(days[-1])
    shifts = list(Shift.objects.visible_to(user).filter(jurisdiction=post, starts_at__gte=start, starts_at__lt=end)
                  .select_related("leader")
                  .prefetch_related(Prefetch("staff", ShiftMember.objects.select_related("user").order_by("user_id")))
                  .order_by("starts_at", "id"))
    with_notes = set(Handover.objects.filter(shift__in=shifts).values_list("shift_id", flat=True))
    zone = times.zone()
    columns: list[str] = []
    for shift in sorted((s for s in shifts if s.kind == ShiftKind.REGULAR),
                        key=lambda s: timezone.localtime(s.starts_at, zone).time()):
        if shift.label not in columns:
            columns.append(shift.label)
    by_day: dict[datetime.date, dict[str, Any]] = {d: {"day": d, "cells": {c: [] for c in columns}, "extra": []}
                                                   for d in days}
    for shift in shifts:
        card = {"shift": shift, "members": [m.user for m in shift.staff.all()],
                "missing": shift.kind == ShiftKind.REGULAR and shift.ends_at <= now and shift.pk not in with_notes,
                "ended": shift.ends_at <= now}
        row = by_day[times.local_day(shift.starts_at)]
        if shift.kind == ShiftKind.REGULAR:
            row["cells"][shift.label].append(card)
        else:
            row["extra"].append(card)
    may_change = path_allowed(user, "duty.change_shift", post.path)
    today = times.local_day(now)
    return {
        "post": post, "year": year, "month": month, "month_text": f"{year}-{month:02d}",
        "previous": _neighbour(year, month, -1), "next": _neighbour(year, month, 1),
        "columns": columns,
        "rows": [{**by_day[d], "cells": [by_day[d]["cells"][c] for c in columns], "today": d == today,
                  "weekend": d.weekday() >= 5} for d in days],
        "may_change": may_change, "count": len(shifts),
        "staff": list(rosters.eligible_staff(post)) if may_change else [],
    }


@login_required
def roster(request: HttpRequest, code: str, month: str) -> HttpResponse:
    post = post_or_404(request, code)
    year, number = _month(month)
    context = roster_context(request, post, year, number)
    if request.htmx:
        return render(request, "duty/roster.html#table", context)
    context.update({
        "patterns": RosterPattern.objects.filter(jurisdiction=post).order_by("name"),
        "generate_form": GenerateForm(jurisdiction=post, initial={"month": context["month_text"]}),
        "may_import": path_allowed(request.user, "duty.import_shift", post.path),
        "may_export": path_allowed(request.user, "duty.export_shift", post.path),
        "holidays": Holiday.objects.filter(day__range=(datetime.date(year, number, 1),
                                                       times.month_days(year, number)[-1]),
                                           jurisdiction__path__in=_paths_above(post)).order_by("day"),
    })
    return render(request, "duty/roster.html", context)


def _paths_above(post: Jurisdiction) -> list[str]:
    codes = post.ancestor_codes
    return [f"/{'/'.join(codes[:n])}/" for n in range(1, len(codes) + 1)]


@login_required
@require_POST
def roster_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A drop on the roster: `user` onto shift `pk` (as its leader with `as_leader`), from shift `source`.
    Answers the month's table again, or 422 with the reason."""
    target = shift_or_404(request, pk)
    source = shift_or_404(request, int(request.POST["source"])) if request.POST.get("source", "").isdigit() else None
    person = get_object_or_404(rosters.eligible_staff(target.jurisdiction), pk=request.POST.get("user") or 0) \
        if (request.POST.get("user") or "").isdigit() else None
    if person is None:
        return HttpResponse(_("This person may not stand duty in this jurisdiction."), status=422)
    try:
        rosters.move_person(actor=request.user, user=person, source=source, target=target,
                            as_leader=request.POST.get("as_leader") == "1")
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=422)
    local = timezone.localtime(target.starts_at, times.zone())
    return render(request, "duty/roster.html#table",
                  roster_context(request, target.jurisdiction, local.year, local.month))


# ---------------------------------------------------------------- one shift
def _shift_form_initial(shift: Shift) -> dict[str, Any]:
    zone = times.zone()
    return {"label": shift.label, "kind": shift.kind, "starts_at": timezone.localtime(shift.starts_at, zone),
            "ends_at": timezone.localtime(shift.ends_at, zone), "leader": shift.leader_id,
            "members": list(shift.staff.values_list("user_id", flat=True)), "note": shift.note}


@login_required
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A shift: its people and times (a form while it may change), handovers on both sides, its log."""
    shift = shift_or_404(request, pk)
    now = timezone.now()
    may_change = can(request.user, "change", shift) and shift.ends_at > now
    form = ShiftForm(request.POST or None, jurisdiction=shift.jurisdiction,
                     initial=_shift_form_initial(shift)) if may_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                rosters.update_shift(shift, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("duty:shift", pk=shift.pk)
    previous = handover.previous_shift(shift)
    is_on = handover.is_on(shift, request.user)
    return render(request, "duty/shift.html", {
        "swap_form": SwapForm(shift=shift, user=request.user) if is_on and shift.starts_at > now else None,
        "swaps": [{"swap": s, "steps": step_buttons(SWAP.allowed(request.user, s), "duty:swap_step", s.pk)} for s in
                  SwapRequest.objects.filter(shift=shift).select_related("requester", "replacement", "counterpart")
                  .order_by("-created_at")[:20]],
        "shift": shift, "form": form, "members": [m.user for m in shift.staff.select_related("user")],
        "handover": handover.handover_of(shift), "previous": previous,
        "previous_handover": handover.handover_of(previous), "next": handover.next_shift(shift),
        "missing": handover.handover_missing(shift, now), "is_on": is_on,
        "may_take_over": shift.leader_id == request.user.pk and shift.taken_over_at is None
        and shift.starts_at - handover.TAKE_OVER_EARLY <= now < shift.ends_at,
        "may_delete": can(request.user, "delete", shift) and shift.starts_at > now,
        "entries": LogEntry.objects.visible_to(request.user).filter(shift=shift).order_by("at", "id"),
        "history": history_rows(shift), "now": now,
    }, status=422 if form is not None and form.errors else 200)


@login_required
def shift_create(request: HttpRequest, code: str) -> HttpResponse:
    post = post_or_404(request, code)
    ensure_in(request.user, "duty.add_shift", post.path)
    form = ShiftForm(request.POST or None, jurisdiction=post)
    if request.method == "POST" and form.is_valid():
        try:
            shift = rosters.create_shift(actor=request.user, jurisdiction=post, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Shift added."))
            return redirect("duty:shift", pk=shift.pk)
    return render(request, "duty/form.html", {"form": form, "post": post, "title": _("New shift")},
                  status=422 if form.errors else 200)


@login_required
def extra_shifts(request: HttpRequest, code: str) -> HttpResponse:
    """Holiday or reinforced duty over several days (typhoon season, major events)."""
    post = post_or_404(request, code)
    ensure_in(request.user, "duty.add_shift", post.path)
    form = ExtraShiftsForm(request.POST or None, jurisdiction=post)
    if request.method == "POST" and form.is_valid():
        try:
            made = rosters.add_extra_shifts(actor=request.user, jurisdiction=post, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(n)s extra shifts added.") % {"n": len(made)})
            local = timezone.localtime(made[0].starts_at, times.zone())
            return redirect("duty:roster", code=post.code, month=f"{local:%Y-%m}")
    return render(request, "duty/form.html", {"form": form, "post": post, "title": _("Extra shifts")},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = shift_or_404(request, pk)
    local = timezone.localtime(shift.starts_at, times.zone())
    try:
        rosters.delete_shift(shift, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("duty:shift", pk=shift.pk)
    messages.success(request, _("Shift deleted."))
    return redirect("duty:roster", code=shift.jurisdiction.code, month=f"{local:%Y-%m}")


# ---------------------------------------------------------------- patterns and generation
@login_required
def pattern_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    post = post_or_404(request, code)
    pattern = get_object_or_404(RosterPattern.objects.visible_to(request.user), pk=pk, jurisdiction=post) \
        if pk is not None else None
    ensure_in(request.user, "duty.change_rosterpattern" if pattern else "duty.add_rosterpattern", post.path)
    form = PatternForm(request.POST or None, jurisdiction=post,
                       initial=PatternForm.initial_for(pattern) if pattern else None)
    if request.method == "POST" and form.is_valid():
        try:
            rosters.save_pattern(actor=request.user, jurisdiction=post, pattern=pattern, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pattern saved."))
            return redirect("duty:roster", code=post.code, month=f"{timezone.localtime():%Y-%m}")
    return render(request, "duty/form.html", {"form": form, "post": post, "title": _("Roster pattern")},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def generate(request: HttpRequest, code: str) -> HttpResponse:
    post = post_or_404(request, code)
    form = GenerateForm(request.POST, jurisdiction=post)
    month = request.POST.get("month", "")
    if form.is_valid():
        year, number = form.cleaned_data["month"]
        try:
            made = rosters.generate_month(form.cleaned_data["pattern"], year, number, actor=request.user,
                                          replace=form.cleaned_data["replace"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s shifts generated.") % {"n": len(made.created)})
        month = f"{year}-{number:02d}"
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    if not MONTH.match(month):
        month = f"{timezone.localtime():%Y-%m}"
    return redirect("duty:roster", code=post.code, month=month)


# ---------------------------------------------------------------- Excel
@login_required
def roster_export(request: HttpRequest, code: str, month: str) -> HttpResponse:
    post = post_or_404(request, code)
    if not path_allowed(request.user, "duty.export_shift", post.path):
        raise PermissionDenied
    year, number = _month(month)
    start, _e = times.day_bounds(datetime.date(year, number, 1))
    _s, end = times.day_bounds(times.month_days(year, number)[-1])
    table = ShiftTable(request.user)
    shifts = table.export_queryset().filter(jurisdiction__path__startswith=post.path, starts_at__gte=start,
                                            starts_at__lt=end)
    return xlsx_response(table.stream_xlsx(shifts), "-".join([_("roster"), post.name, f"{year}{number:02d}"]))


@login_required
def roster_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(ShiftTable(request.user).to_xlsx([]), _("roster-template"))


@login_required
def roster_import(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "duty.import_shift"):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = ShiftTable(request.user).import_file(upload.read(), upload.name)
        if result.ok:
            messages.success(request, _("Imported: %(c)s created, %(u)s updated, %(s)s unchanged.") % {
                "c": result.created, "u": result.updated, "s": result.unchanged})
            return redirect("duty:index")
    return render(request, "duty/import.html", {"form": form, "result": result},
                  status=422 if result is not None and not result.ok else 200)


# ---------------------------------------------------------------- holidays
@login_required
def holidays(request: HttpRequest) -> HttpResponse:
    """Public holidays of the districts (and city) the user sees; added by those who may."""
    user = request.user
    places = [j for j in Jurisdiction.objects.visible_to(user).filter(level__in=[Level.CITY, Level.DISTRICT])
              .order_by("path") if path_allowed(user, "duty.add_holiday", j.path)]
    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        if not places:
            raise PermissionDenied
        place = next((p for p in places if p.code == request.POST.get("jurisdiction")), places[0])
        if form.is_valid():
            try:
                rosters.save_holiday(actor=user, jurisdiction=place, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Holiday saved."))
                return redirect("duty:holidays")
    # Holidays apply downwards: a community's staff read their district's (not a row of their own area).
    home = home_post(user)
    shown = Holiday.objects.filter(jurisdiction__path__in=_paths_above(home)) if home is not None else \
        Holiday.objects.visible_to(user)
    return render(request, "duty/holidays.html", {
        "form": form, "places": places,
        "holidays": shown.filter(day__gte=timezone.localdate() - datetime.timedelta(days=31))
        .select_related("jurisdiction").order_by("day")[:200],
    }, status=422 if form.errors else 200)
