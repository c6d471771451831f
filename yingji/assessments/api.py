"""API of assessments: /api/v1/assessments/.

    /schemes                                              schemes you may read, with modules and indicators
    /schemes/{code}/ranking?year=&quarter=                the ranking (frozen once published), your subjects only
    /schemes/{code}/subjects/{subject}?year=&quarter=     a subject's breakdown by module and indicator
    /schemes/{code}/subjects/{subject}/indicators/{id}?year=&quarter=   the records behind an indicator
    /schemes/{code}/subjects/{subject}/indicators/{id}/score  POST a manual score (points, note, links)
    /schemes/{code}/publish?year=&quarter=                POST: freeze and lock the period
    /quality?jurisdiction=&ledger=&days=                  the ledger quality report ("三基")

Every answer is built from the caller's scope; out of scope answers 404.
"""

from typing import Annotated, Any, Literal

import annotated_types
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from yingji.assessments import services
from yingji.assessments.models import IndicatorItem, Period, Scheme
from yingji.assessments.quality import CHECKS, quality_report
from yingji.core.api import ErrorOut, refuses, request_user
from yingji.jurisdictions.models import Jurisdiction

router = Router(tags=["assessments"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

#: The years a scheme is assessed over and its quarters (services.period_for refuses any other).
Year = Annotated[int, annotated_types.Ge(2000), annotated_types.Le(2100)]
Quarter = Annotated[int, annotated_types.Ge(1), annotated_types.Le(4)]
#: The ledgers the quality report checks (quality.CHECKS): a fixed list in code.
Ledger = Literal[tuple(c.key for c in CHECKS)]  # type: ignore[valid-type]
#: A period once published is locked (services._refuse_if_published): a state JSON Schema cannot state.
PUBLISHED = "a period not yet published (published results are locked)"


def _scheme(request: HttpRequest, code: str) -> Scheme:
    return get_object_or_404(services.visible_schemes(request_user(request)), code=code)


def _subject(request: HttpRequest, scheme: Scheme, code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)), code=code,
                             level=scheme.subject_level, path__startswith=scheme.jurisdiction.path)


def _period(scheme: Scheme, year: int, quarter: int | None) -> Period:
    return services.period_for(scheme, year, quarter)   # a ValidationError answers 422 naming the field


def _period_out(period: Period) -> dict[str, Any]:
    return {"kind": period.kind, "year": period.year, "quarter": period.quarter,
            "published_at": period.published_at}


@router.get("/schemes", response={200: list[dict[str, Any]], **ERRORS})
def schemes(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for scheme in services.visible_schemes(request_user(request)).prefetch_related("modules__indicators", "bonuses"):
        out.append({"code": scheme.code, "name": scheme.name, "subjects": scheme.subject_level,
                    "modules": [{"code": m.code, "name": m.name, "weight": float(m.weight), "basis": m.basis,
                                 "indicators": [{"id": i.pk, "code": i.code, "name": i.name, "kind": i.kind,
                                                 "function": i.function, "params": i.params,
                                                 "points": float(i.points)} for i in m.indicators.all()]}
                                for m in scheme.modules.all()],
                    "bonuses": [{"code": b.code, "name": b.name, "per_unit": float(b.per_unit), "cap": float(b.cap)}
                                for b in scheme.bonuses.all()]})
    return out


@router.get("/schemes/{code}/ranking", response={200: dict[str, Any], **ERRORS})
def ranking(request: HttpRequest, code: str, year: Year, quarter: Quarter | None = None) -> dict[str, Any]:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    rows = services.ranking(period, request_user(request))
    return {"period": _period_out(period),
            "items": [{"code": r.code, "name": r.name, "rank": r.rank, "total": r.total} for r in rows]}


@router.get("/schemes/{code}/subjects/{subject}", response={200: dict[str, Any], **ERRORS})
def subject(request: HttpRequest, code: str, subject: str, year: Year, quarter: Quarter | None = None) -> dict[str, Any]:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    place = _subject(request, scheme, subject)
    score = services.subject_score(period, place)
    return {"period": _period_out(period),
            "score": score.as_dict() if isinstance(score, services.SubjectScore) else score}


@router.get("/schemes/{code}/subjects/{subject}/indicators/{item}", response={200: dict[str, Any], **ERRORS})
def indicator(request: HttpRequest, code: str, subject: str, item: int, year: Year,
              quarter: Quarter | None = None) -> dict[str, Any]:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    place = _subject(request, scheme, subject)
    entry = get_object_or_404(IndicatorItem, pk=item, module__scheme=scheme)
    measured, links = services.indicator_records(period, place, entry)
    return {"indicator": entry.name, "kind": entry.kind,
            "achieved": None if measured is None else measured.achieved,
            "required": None if measured is None else measured.required,
            "share": None if measured is None else measured.share,
            "records": [{"label": label, "url": url} for label, url in links]}


class ScoreIn(Schema):
    points: str
    note: str = ""
    links: list[str] = []


@router.post("/schemes/{code}/subjects/{subject}/indicators/{item}/score", response={200: dict[str, Any], **ERRORS},
             openapi_extra=refuses(points="a number from 0 to the indicator's points",
                                   indicator="an indicator of the scheme scored by hand (not computed)",
                                   links="paths on this platform, e.g. /hazards/12/", period=PUBLISHED))
def score(request: HttpRequest, code: str, subject: str, item: int, payload: ScoreIn, year: Year,
          quarter: Quarter | None = None) -> dict[str, Any]:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    place = _subject(request, scheme, subject)
    entry = get_object_or_404(IndicatorItem, pk=item, module__scheme=scheme)
    if period.pk is None:
        period = services.ensure_period(scheme, period.kind, year, quarter)
    row = services.set_manual_score(period, entry, place, payload.points, actor=request_user(request),
                                    note=payload.note, links=payload.links)
    return {"id": row.pk, "points": float(row.points), "note": row.note, "links": row.links}


@router.post("/schemes/{code}/publish", response={200: dict[str, Any], **ERRORS},
             openapi_extra=refuses(period=PUBLISHED))
def publish(request: HttpRequest, code: str, year: Year, quarter: Quarter | None = None) -> dict[str, Any]:
    scheme = _scheme(request, code)
    period = _period(scheme, year, quarter)
    if period.pk is None:
        period = services.ensure_period(scheme, period.kind, year, quarter)
    rows = services.publish(period, actor=request_user(request))
    period.refresh_from_db()
    return {"period": _period_out(period), "subjects": len(rows)}


@router.get("/quality", response={200: dict[str, Any], **ERRORS})
def quality(request: HttpRequest, jurisdiction: str | None = None, ledger: Ledger | None = None,
            days: int = 90) -> dict[str, Any]:
    visible = Jurisdiction.objects.visible_to(request_user(request))
    area = get_object_or_404(visible, code=jurisdiction) if jurisdiction else visible.order_by("path").first()
    if area is None:
        raise Http404
    if ledger and ledger not in {c.key for c in CHECKS}:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError({"ledger": _("Unknown ledger.")})
    report = quality_report(area, stock_days=max(1, min(3650, days)), ledgers=[ledger] if ledger else None)
    return {"jurisdiction": area.code,
            "ledgers": [{"key": s.key, "label": s.label, "rows": s.rows, "problem_rows": s.problem_rows,
                         "missing": s.missing, "invalid": s.invalid} for s in report.ledgers],
            "problems": [p.as_dict() for p in report.problems[:1000]]}
