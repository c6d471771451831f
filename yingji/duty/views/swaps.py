"""Shift swaps (换班): asking from the shift's page, the list of swaps that wait on me, their steps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.scope import granted_paths
from yingji.duty.forms import SwapForm
from yingji.duty.models import SwapRequest, SwapStatus
from yingji.duty.services import swaps
from yingji.duty.views.common import shift_or_404, step_buttons
from yingji.duty.workflows import APPROVE_SWAP, SWAP

OPEN = (SwapStatus.REQUESTED, SwapStatus.AGREED)


@login_required
@require_POST
def swap_request(request: HttpRequest, pk: int) -> HttpResponse:
    shift = shift_or_404(request, pk)
    form = SwapForm(request.POST, shift=shift, user=request.user)
    if form.is_valid():
        try:
            swaps.request_swap(shift, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            messages.error(request, _("Only the people of a shift ask to swap it."))
        else:
            messages.success(request, _("Swap requested: the colleague and the roster's manager are asked."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("duty:shift", pk=shift.pk)


@login_required
def swap_list(request: HttpRequest) -> HttpResponse:
    """Swaps I asked for, swaps I am asked to stand in, and the open ones I may approve."""
    user = request.user
    visible = SwapRequest.objects.visible_to(user).select_related(
        "shift", "shift__jurisdiction", "requester", "replacement", "counterpart")
    managed = Q()
    for path in granted_paths(user, APPROVE_SWAP):
        managed |= Q(shift__jurisdiction__path__startswith=path)
    rows = visible.filter(Q(requester=user) | Q(replacement=user) | (managed & Q(status__in=OPEN)) if managed
                          else Q(requester=user) | Q(replacement=user)).order_by("-created_at")[:200]
    return render(request, "duty/swaps.html", {
        "rows": [{"swap": s, "steps": step_buttons(SWAP.allowed(user, s), "duty:swap_step", s.pk)} for s in rows]})


@login_required
@require_POST
def swap_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    swap = get_object_or_404(SwapRequest.objects.visible_to(request.user).select_related("shift", "counterpart"),
                             pk=pk)
    if name not in SWAP.by_name:
        raise Http404
    try:
        swaps.step(swap, name, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done: %(step)s.") % {"step": SWAP.by_name[name].label})
    return redirect("duty:swaps")
