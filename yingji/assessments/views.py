"""Pages of assessments: schemes, the ranking of a period, a subject's breakdown, the records behind an
indicator, manual scores, publishing, the Excel export and the ledger quality report ("三基")."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.assessments import exports, services
from yingji.assessments.models import IndicatorItem, IndicatorKind, ManualScore, Period, Scheme
from yingji.assessments.quality import CHECKS, quality_report
from yingji.core.files import xlsx_response
from yingji.core.scope import path_allowed
from yingji.jurisdictions.models import Jurisdiction


def _scheme(request: HttpRequest, code: str) -> Scheme:
    return get_object_or_404(services.visible_schemes(request.user), code=code)


def _period(scheme: Scheme, year: int, quarter: int | None) -> Period:
    try:
        return services.period_for(scheme, year, quarter)
    except ValidationError as exc:
        raise Http404(str(exc)) from None


def _subject(request: HttpRequest, scheme: Scheme, code: str) -> Jurisdiction:
    """A subject of the scheme the user may see; anything else is 404, like a missing one."""
    return get_object_or_404(Jurisdiction.objects.visible_to(request.user), code=code,
                             level=scheme.subject_level, path__startswith=scheme.jurisdiction.path)


def _url(name: str, scheme: Scheme, period: Period, *args: Any) -> str:
    if period.quarter:
        return reverse(f"assessments:{name}_quarter", args=[scheme.code, period.year, period.quarter, *args])
    return reverse(f"assessments:{name}", args=[scheme.code, period.year, *args])


@login_required
def index(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    schemes = list(services.visible_schemes(request.user).order_by("code"))
    for scheme in schemes:
        scheme.years = [(y, reverse("assessments:ranking", args=[scheme.code, y]),  # type: ignore[attr-defined]
                         [reverse("assessments:ranking_quarter", args=[scheme.code, y, q]) for q in range(1, 5)])
                        for y in range(year, year - 4, -1)]
    return render(request, "assessments/index.html", {"schemes": schemes})


@login_required
def ranking(request: HttpRequest, code: str, year: int, quarter: int | None = None) -> HttpResponse:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    rows = services.ranking(period, request.user)
    modules = list(scheme.modules.order_by("order", "pk"))
    for row in rows:
        by_code = {m["code"]: m for m in row.breakdown.get("modules", [])}
        row.module_scores = [by_code.get(m.code, {}).get("score") for m in modules]  # type: ignore[attr-defined]
        row.url = _url("subject", scheme, period, row.code)  # type: ignore[attr-defined]
        row.bonus = sum(b["points"] for b in row.breakdown.get("bonuses", []))  # type: ignore[attr-defined]
    may_publish = (not period.is_published
                   and path_allowed(request.user, "assessments.publish", scheme.jurisdiction.path))
    return render(request, "assessments/ranking.html", {
        "scheme": scheme, "period": period, "rows": rows, "modules": modules, "may_publish": may_publish,
        "export_url": _url("export", scheme, period), "publish_url": _url("publish", scheme, period),
        "has_bonus": scheme.bonuses.exists()})


@login_required
def export(request: HttpRequest, code: str, year: int, quarter: int | None = None) -> HttpResponse:
    scheme = _scheme(request, code)
    if not path_allowed(request.user, "assessments.export_scheme", scheme.jurisdiction.path) and not any(
            path_allowed(request.user, "assessments.export_scheme", s.path)
            for s in services.subjects_of(scheme, request.user)):
        raise Http404
    period = _period(scheme, year, quarter)
    rows = services.ranking(period, request.user)
    content = exports.ranking_workbook(scheme, period, rows)
    return xlsx_response(content, f"assessment-{scheme.code}-{period.year}{f'-q{quarter}' if quarter else ''}")


@login_required
@require_POST
def publish(request: HttpRequest, code: str, year: int, quarter: int | None = None) -> HttpResponse:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    if period.pk is None:
        period = services.ensure_period(scheme, period.kind, year, quarter)
    try:
        services.publish(period, actor=request.user)
        messages.success(request, _("Published: the scores of this period are locked."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_url("ranking", scheme, period))


@login_required
def subject(request: HttpRequest, code: str, year: int, subject: str, quarter: int | None = None) -> HttpResponse:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    place = _subject(request, scheme, subject)
    score = services.subject_score(period, place)
    breakdown = score.as_dict() if isinstance(score, services.SubjectScore) else score
    for module in breakdown.get("modules", []):
        for item in module["indicators"]:
            item["url"] = _url("indicator", scheme, period, place.code, item["id"])
    return render(request, "assessments/subject.html", {
        "scheme": scheme, "period": period, "subject": place, "breakdown": breakdown,
        "ranking_url": _url("ranking", scheme, period)})


@login_required
def indicator(request: HttpRequest, code: str, year: int, subject: str, item: int,
              quarter: int | None = None) -> HttpResponse:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    place = _subject(request, scheme, subject)
    entry = get_object_or_404(IndicatorItem.objects.select_related("module"), pk=item, module__scheme=scheme)
    measured, links = services.indicator_records(period, place, entry)
    manual = None
    if entry.kind == IndicatorKind.MANUAL and period.pk:
        manual = ManualScore.objects.filter(period=period, indicator=entry, jurisdiction=place).first()
    history = []
    if manual is not None:
        from yingji.audit.services import history_rows

        history = history_rows(manual)
    may_score = (entry.kind == IndicatorKind.MANUAL and not period.is_published
                 and path_allowed(request.user, "assessments.score", place.path))
    return render(request, "assessments/indicator.html", {
        "scheme": scheme, "period": period, "subject": place, "item": entry, "measured": measured, "links": links,
        "manual": manual, "history": history, "may_score": may_score,
        "score_url": _url("score", scheme, period, place.code, entry.pk),
        "subject_url": _url("subject", scheme, period, place.code)})


@login_required
@require_POST
def manual_score(request: HttpRequest, code: str, year: int, subject: str, item: int,
                 quarter: int | None = None) -> HttpResponse:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    place = _subject(request, scheme, subject)
    entry = get_object_or_404(IndicatorItem.objects.select_related("module"), pk=item, module__scheme=scheme)
    try:
        if period.pk is None:
            period = services.ensure_period(scheme, period.kind, year, quarter)
        services.set_manual_score(period, entry, place, request.POST.get("points", ""), actor=request.user,
                                  note=request.POST.get("note", ""), evidence=request.FILES.get("evidence"),
                                  links=request.POST.get("links", "").split())
        messages.success(request, _("The score is saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_url("indicator", scheme, period, place.code, entry.pk))


@login_required
def quality(request: HttpRequest) -> HttpResponse:
    """The ledger quality report ("三基") of an area the user sees (their own by default)."""
    visible = Jurisdiction.objects.visible_to(request.user)
    code = request.GET.get("jurisdiction", "")
    if code:
        area = get_object_or_404(visible, code=code)
    else:
        area = visible.order_by("path").first()
        if area is None:
            raise Http404
    ledger = request.GET.get("ledger", "")
    try:
        days = max(1, min(3650, int(request.GET.get("days", "90"))))
    except ValueError:
        days = 90
    report = quality_report(area, stock_days=days, ledgers=[ledger] if ledger else None)
    children = visible.filter(path__startswith=area.path).exclude(pk=area.pk).order_by("path")[:200]
    return render(request, "assessments/quality.html", {
        "area": area, "report": report, "problems": report.problems[:1000], "days": days, "ledger": ledger,
        "ledgers": [(c.key, c.label) for c in CHECKS], "children": children,
        "today": datetime.date.today()})
