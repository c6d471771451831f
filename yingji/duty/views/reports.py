"""Daily duty reports: the list, compiling, the report page, its Excel and its printable PDF."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

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
from yingji.core.scope import path_allowed
from yingji.duty import exports, times
from yingji.duty.forms import ReportForm
from yingji.duty.models import DailyReport, ReportStatus
from yingji.duty.services import reports
from yingji.duty.services.rosters import DUTY_LEVELS
from yingji.duty.views.common import home_post, post_or_404, step_buttons
from yingji.duty.workflows import DAILY_REPORT
from yingji.jurisdictions.models import Jurisdiction


def _report(request: HttpRequest, pk: int) -> DailyReport:
    return get_object_or_404(DailyReport.objects.visible_to(request.user).select_related("jurisdiction",
                                                                                        "compiled_by"), pk=pk)


def _compile_places(user: Any) -> list[Jurisdiction]:
    """Command centres whose report the user may compile (their own and the ones below)."""
    places = Jurisdiction.objects.visible_to(user).filter(level__in=DUTY_LEVELS).order_by("path")[:200]
    return [p for p in places if path_allowed(user, "duty.compile_report", p.path)]


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    queryset = DailyReport.objects.visible_to(user).select_related("jurisdiction").order_by("-day",
                                                                                             "jurisdiction__path")
    code = request.GET.get("jurisdiction", "").strip()
    if code:
        place = Jurisdiction.objects.visible_to(user).filter(code=code).first()
        queryset = queryset.in_subtree(place.path) if place is not None else queryset.none()
    page = Paginator(queryset.defer("content"), 50).get_page(request.GET.get("page"))
    home = home_post(user)
    return render(request, "duty/reports.html", {
        "page": page, "jurisdiction": code, "places": _compile_places(user),
        "form": ReportForm(initial={"day": times.local_day(timezone.now())}),
        "home": home,
    })


@login_required
@require_POST
def report_compile(request: HttpRequest, code: str) -> HttpResponse:
    """Compile (or compile again, with the summary) a command centre's report of a day."""
    post = post_or_404(request, code)
    form = ReportForm(request.POST)
    if form.is_valid():
        summary = form.cleaned_data["summary"] if "summary" in request.POST else None
        try:
            report = reports.compile_report(actor=request.user, jurisdiction=post, day=form.cleaned_data["day"],
                                            summary=summary)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Report compiled."))
            return redirect("duty:report", pk=report.pk)
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect("duty:reports")


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    may_compile = path_allowed(request.user, "duty.compile_report", report.jurisdiction.path)
    below = (DailyReport.objects.visible_to(request.user).filter(jurisdiction__parent=report.jurisdiction,
                                                                  day=report.day)
             .select_related("jurisdiction").defer("content").order_by("jurisdiction__code"))
    may_compile = may_compile and report.status == ReportStatus.DRAFT
    return render(request, "duty/report.html", {
        "report": report, "view": exports.present(report), "may_compile": may_compile, "below": below,
        "form": ReportForm(initial={"day": report.day, "summary": report.summary}) if may_compile else None,
        "steps": step_buttons(DAILY_REPORT.allowed(request.user, report), "duty:report_step", report.pk), "history": DAILY_REPORT.history(report),
        "may_export": path_allowed(request.user, "duty.export_dailyreport", report.jurisdiction.path),
    })


def _exportable(request: HttpRequest, pk: int) -> DailyReport:
    report = _report(request, pk)
    if not path_allowed(request.user, "duty.export_dailyreport", report.jurisdiction.path):
        raise PermissionDenied
    return report


def _stem(report: DailyReport) -> str:
    return "-".join([_("daily-duty-report"), report.jurisdiction.name, f"{report.day:%Y%m%d}"])


@login_required
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _exportable(request, pk)
    return xlsx_response(exports.report_xlsx(report), _stem(report))


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _exportable(request, pk)
    response = HttpResponse(exports.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=\"report.pdf\"; filename*=UTF-8''{quote(_stem(report))}.pdf"
    return response
