"""Reports up the chain: incident reports (首报、续报、终报), the steps of daily and incident reports, the queue
of the level above."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.scope import can
from yingji.duty.forms import IncidentReportForm
from yingji.duty.models import DailyReport, IncidentReport, ReportStatus
from yingji.duty.services import reports, upward
from yingji.duty.views.common import step_buttons
from yingji.duty.workflows import DAILY_REPORT, INCIDENT_REPORT
from yingji.incidents.models import Incident


def _incident_report(request: HttpRequest, pk: int) -> IncidentReport:
    return get_object_or_404(IncidentReport.objects.visible_to(request.user).select_related(
        "incident", "jurisdiction", "jurisdiction__parent", "submitted_by"), pk=pk)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """What the units below sent up to the user's command centre and what is overdue there."""
    return render(request, "duty/queue.html", {**upward.queue(request.user, timezone.now()), "now": timezone.now()})


@login_required
def incident_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = _incident_report(request, pk)
    now = timezone.now()
    editable = report.status == ReportStatus.DRAFT and can(request.user, "change", report)
    form = IncidentReportForm(request.POST or None, initial={"title": report.title, "body": report.body}) \
        if editable else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                upward.edit_report(report, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Saved."))
                return redirect("duty:incident_report", pk=report.pk)
    return render(request, "duty/incident_report.html", {
        "report": report, "form": form, "steps": step_buttons(INCIDENT_REPORT.allowed(request.user, report), "duty:incident_report_step", report.pk),
        "history": INCIDENT_REPORT.history(report), "late": upward.is_late(report, now),
        "others": IncidentReport.objects.visible_to(request.user).filter(incident=report.incident)
        .exclude(pk=report.pk).order_by("drafted_at"),
    }, status=422 if form is not None and form.errors else 200)


@login_required
@require_POST
def incident_report_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    report = _incident_report(request, pk)
    if name not in INCIDENT_REPORT.by_name:
        raise Http404
    try:
        upward.step(report, name, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done: %(step)s.") % {"step": INCIDENT_REPORT.by_name[name].label})
    return redirect("duty:incident_report", pk=report.pk)


@login_required
@require_POST
def follow_up(request: HttpRequest, incident_pk: int) -> HttpResponse:
    """Draft a follow-up report (续报) of an incident the user sees."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user).select_related("jurisdiction"),
                                 pk=incident_pk)
    try:
        report = upward.draft_follow_up(incident, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("incidents:detail", pk=incident.pk)
    return redirect("duty:incident_report", pk=report.pk)


@login_required
@require_POST
def daily_report_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    report = get_object_or_404(DailyReport.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    if name not in DAILY_REPORT.by_name:
        raise Http404
    try:
        reports.step(report, name, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done: %(step)s.") % {"step": DAILY_REPORT.by_name[name].label})
    return redirect("duty:report", pk=report.pk)
