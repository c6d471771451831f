"""The duty room: who is on duty, my shifts, a command centre's duty page with its log and handover."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.forms import add_service_errors
from yingji.core.scope import path_allowed
from yingji.duty import times
from yingji.duty.forms import HandoverForm, LogEntryForm
from yingji.duty.models import Handover, LogEntry, Shift
from yingji.duty.services import handover, log
from yingji.duty.services import now as duty_now
from yingji.duty.services.rosters import DUTY_LEVELS
from yingji.duty.views.common import home_post, post_or_404, post_rows, shift_or_404, shift_rows
from yingji.jurisdictions.models import Jurisdiction


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """My shifts (under way and coming), and who is on duty at my command centre and the ones below it."""
    user = request.user
    now = timezone.now()
    mine = list(Shift.objects.visible_to(user).filter(Q(leader=user) | Q(staff__user=user), ends_at__gt=now,
                                                      starts_at__lt=now + datetime.timedelta(days=7))
                .distinct().select_related("jurisdiction", "leader").order_by("starts_at")[:20])
    home = home_post(user)
    places: list[Jurisdiction] = []
    if home is not None:
        places = [home, *Jurisdiction.objects.visible_to(user).filter(parent=home, level__in=DUTY_LEVELS)
                  .order_by("code")]
    found, _changes = duty_now.shifts_at([p.pk for p in places], now)
    board = [{"place": p, "shifts": shift_rows(user, found.get(p.pk, []), p.path)} for p in places]
    return render(request, "duty/index.html", {
        "mine": mine, "home": home, "board": board, "now": now, "month": times.local_day(now).strftime("%Y-%m")})


@login_required
def post_page(request: HttpRequest, code: str) -> HttpResponse:
    """A command centre's duty: on duty now, today's shifts, the last day of its log, my shift's forms."""
    post = post_or_404(request, code)
    user = request.user
    now = timezone.now()
    start, end = times.day_bounds(times.local_day(now))
    today = list(Shift.objects.filter(jurisdiction=post, starts_at__lt=end, ends_at__gt=start)
                 .select_related("leader").order_by("starts_at", "id"))
    with_notes = set(Handover.objects.filter(shift__in=today).values_list("shift_id", flat=True))
    my_shift = log.duty_shift_of(user, post, now)
    previous = handover.previous_shift(my_shift) if my_shift is not None else None
    context: dict[str, Any] = {
        "post": post, "now": now, "month": times.local_day(now).strftime("%Y-%m"),
        "chain": post_rows(user, duty_now.posts_for_path(post.path)),
        "today": [{"shift": s, "missing": s.ends_at <= now and s.kind == "regular" and s.pk not in with_notes}
                  for s in today],
        "entries": LogEntry.objects.visible_to(user).filter(jurisdiction=post,
                                                            at__gte=now - datetime.timedelta(hours=24))
        .order_by("-at", "-id")[:100],
        "my_shift": my_shift, "previous": previous, "previous_handover": handover.handover_of(previous),
        "my_handover": handover.handover_of(my_shift),
        "may_take_over": my_shift is not None and my_shift.leader_id == user.pk and my_shift.taken_over_at is None,
        "may_plan": path_allowed(user, "duty.change_shift", post.path),
        "may_compile": path_allowed(user, "duty.compile_report", post.path),
    }
    if my_shift is not None:
        context["log_form"] = LogEntryForm(subjects=log.recent_subjects(user, post, now=now))
        context["handover_form"] = HandoverForm(initial={"notes": getattr(context["my_handover"], "notes", "")})
    return render(request, "duty/post.html", context)


@login_required
@require_POST
def log_add(request: HttpRequest, code: str) -> HttpResponse:
    post = post_or_404(request, code)
    form = LogEntryForm(request.POST, subjects=log.recent_subjects(request.user, post))
    if form.is_valid():
        data = form.cleaned_data
        try:
            log.add_entry(actor=request.user, jurisdiction=post, kind=data["kind"], summary=data["summary"],
                          at=data["at"], subject=log.resolve_subject(request.user, data["subject"]))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            messages.error(request, _("You may not write the duty log here."))
            return redirect("duty:post", code=post.code)
        else:
            messages.success(request, _("Entry recorded."))
            return redirect("duty:post", code=post.code)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("duty:post", code=post.code)


@login_required
@require_POST
def handover_write(request: HttpRequest, pk: int) -> HttpResponse:
    shift = shift_or_404(request, pk)
    form = HandoverForm(request.POST)
    if form.is_valid():
        try:
            handover.write_handover(shift, actor=request.user, notes=form.cleaned_data["notes"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Handover notes saved; the next shift's leader sees them."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back(request, reverse("duty:post", args=[shift.jurisdiction.code]))


@login_required
@require_POST
def take_over(request: HttpRequest, pk: int) -> HttpResponse:
    shift = shift_or_404(request, pk)
    try:
        taken = handover.take_over(shift, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if taken.previous_left_no_handover:
            messages.warning(request, _("Shift taken over. The previous shift left no handover notes: it is flagged."))
        else:
            messages.success(request, _("Shift taken over."))
    return _back(request, reverse("duty:post", args=[shift.jurisdiction.code]))
