"""Scoring a scheme for a period, ranking the subjects, manual scores and publishing.

The score of a subject (a street or a community) for a period:

- a computed indicator earns `points × share`, the share being what its registered function
  achieved over what it required, at most 1; a manual indicator earns the points an assessor gave
  (at most its points), nothing until scored;
- a module scores 0–100: 100 × its indicators' points earned / their points; a module measured as
  the "mean of the year's four quarters" (Futian's quarterly work) averages the quarters' module scores;
- the total is Σ module score × weight / 100, plus each bonus rule's `per_unit × extra units`, capped.

Publishing a period freezes each subject's total, rank and breakdown (PublishedScore) and refuses
every later change of its manual scores.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.assessments.grouped import Subjects, measure_all
from yingji.assessments.models import (
    Basis,
    BonusRule,
    IndicatorItem,
    IndicatorKind,
    ManualScore,
    Module,
    Period,
    PeriodKind,
    PublishedScore,
    Scheme,
)
from yingji.core import indicators as registry
from yingji.core.indicators import Measured, Window
from yingji.core.scope import ensure, ensure_in
from yingji.jurisdictions.models import Jurisdiction


def quarter_windows(year: int) -> list[tuple[int, Window]]:
    out = []
    for q in range(1, 5):
        start = datetime.date(year, 3 * q - 2, 1)
        nxt = datetime.date(year + (q == 4), (3 * q) % 12 + 1, 1)
        out.append((q, Window(start, nxt - datetime.timedelta(days=1))))
    return out


@dataclass
class IndicatorScore:
    indicator: IndicatorItem
    score: float
    share: float | None  # None for a manual indicator
    achieved: float | None = None
    required: float | None = None
    per_quarter: list[float] = field(default_factory=list)
    manual: ManualScore | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.indicator.pk, "code": self.indicator.code, "name": self.indicator.name,
                "kind": self.indicator.kind, "points": float(self.indicator.points), "score": round(self.score, 3),
                "share": None if self.share is None else round(self.share, 4), "achieved": self.achieved,
                "required": self.required}


@dataclass
class ModuleScore:
    module: Module
    score: float  # 0..100
    indicators: list[IndicatorScore]

    @property
    def contribution(self) -> float:
        return self.score * float(self.module.weight) / 100.0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.module.pk, "code": self.module.code, "name": self.module.name,
                "weight": float(self.module.weight), "score": round(self.score, 3),
                "contribution": round(self.contribution, 3), "indicators": [i.as_dict() for i in self.indicators]}


@dataclass
class BonusScore:
    rule: BonusRule
    units: float
    points: float

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.rule.code, "name": self.rule.name, "units": self.units, "points": round(self.points, 3),
                "cap": float(self.rule.cap)}


@dataclass
class SubjectScore:
    subject: Jurisdiction
    modules: list[ModuleScore]
    bonuses: list[BonusScore]
    rank: int = 0

    @property
    def total(self) -> float:
        return round(sum(m.contribution for m in self.modules) + sum(b.points for b in self.bonuses), 3)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.subject.code, "name": self.subject.name, "rank": self.rank, "total": self.total,
                "modules": [m.as_dict() for m in self.modules], "bonuses": [b.as_dict() for b in self.bonuses]}


class Scorer:
    """Scores one period; remembers what it measured, so a figure several indicators read
    (the ledger quality report) is computed once per subject and window."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.scheme = period.scheme
        self.modules = list(self.scheme.modules.prefetch_related("indicators").order_by("order", "pk"))
        self.bonuses = list(self.scheme.bonuses.all())
        self._measured: dict[tuple[str, str, Window, str], Measured] = {}
        self._manual = self._manual_scores()

    def _manual_scores(self) -> dict[tuple[int, int, int | None, int], ManualScore]:
        """Manual scores of this period and, for a year, of its quarters: (indicator, subject, quarter, …)."""
        periods = Period.objects.filter(scheme=self.scheme, year=self.period.year)
        if self.period.kind == PeriodKind.QUARTER:
            periods = periods.filter(pk=self.period.pk)
        rows = ManualScore.objects.filter(period__in=periods).select_related("period")
        return {(r.indicator_id, r.jurisdiction_id, r.period.quarter, 0): r for r in rows}

    def window(self) -> Window:
        return Window(self.period.start, self.period.end)

    def measure_all(self, subjects: list[Jurisdiction]) -> None:
        """Measure every computed indicator and bonus rule for all `subjects` at once (grouped.py: a grouped
        query per indicator and window, whatever the number of subjects); `measure` then finds them."""
        if not subjects:
            return
        wanted: dict[tuple[str, Window, str], dict[str, Any]] = {}
        for module in self.modules:
            quarterly = module.basis == Basis.QUARTERLY_MEAN and self.period.kind == PeriodKind.YEAR
            windows = [w for _q, w in quarter_windows(self.period.year)] if quarterly else [self.window()]
            for item in module.indicators.all():
                if item.kind == IndicatorKind.COMPUTED:
                    for window in windows:
                        wanted[(item.function, window, repr(sorted(item.params.items())))] = item.params
        for rule in self.bonuses:
            wanted[(rule.function, self.window(), repr(sorted(rule.params.items())))] = rule.params
        together = Subjects(self.scheme.jurisdiction, subjects, sorted({w for _k, w, _p in wanted}, key=repr))
        for (key, window, params_key), params in wanted.items():
            found = measure_all(key, together, window, params)
            for subject in subjects:
                self._measured[(subject.path, key, window, params_key)] = found[subject.pk]

    def measure(self, subject: Jurisdiction, key: str, params: dict[str, Any], window: Window) -> Measured:
        memo = (subject.path, key, window, repr(sorted(params.items())))
        if memo not in self._measured:
            self._measured[memo] = registry.get(key).function(subject, window, params)
        return self._measured[memo]

    def indicator_score(self, subject: Jurisdiction, item: IndicatorItem, window: Window,
                        quarter: int | None) -> IndicatorScore:
        points = float(item.points)
        if item.kind == IndicatorKind.MANUAL:
            manual = self._manual.get((item.pk, subject.pk, quarter, 0))
            earned = min(points, float(manual.points)) if manual else 0.0
            return IndicatorScore(item, earned, None, manual=manual)
        measured = self.measure(subject, item.function, item.params, window)
        return IndicatorScore(item, points * measured.share, measured.share, measured.achieved, measured.required)

    def module_score(self, subject: Jurisdiction, module: Module) -> ModuleScore:
        items = list(module.indicators.all())
        total_points = sum(float(i.points) for i in items) or 1.0
        if module.basis == Basis.QUARTERLY_MEAN and self.period.kind == PeriodKind.YEAR:
            quarters = [[self.indicator_score(subject, i, w, q) for i in items] for q, w in
                        quarter_windows(self.period.year)]
            per_q = [100.0 * sum(s.score for s in scores) / total_points for scores in quarters]
            merged = []
            for n, item in enumerate(items):
                scores = [quarters[q][n].score for q in range(4)]
                merged.append(IndicatorScore(item, sum(scores) / 4, None if item.kind == IndicatorKind.MANUAL
                                             else sum(quarters[q][n].share or 0 for q in range(4)) / 4,
                                             per_quarter=scores))
            return ModuleScore(module, sum(per_q) / 4, merged)
        quarter = self.period.quarter if self.period.kind == PeriodKind.QUARTER else None
        scores = [self.indicator_score(subject, i, self.window(), quarter) for i in items]
        return ModuleScore(module, 100.0 * sum(s.score for s in scores) / total_points, scores)

    def bonus(self, subject: Jurisdiction, rule: BonusRule) -> BonusScore:
        units = self.measure(subject, rule.function, rule.params, self.window()).extra
        return BonusScore(rule, units, min(float(rule.cap), float(rule.per_unit) * units))

    def score(self, subject: Jurisdiction) -> SubjectScore:
        return SubjectScore(subject, [self.module_score(subject, m) for m in self.modules],
                            [self.bonus(subject, b) for b in self.bonuses])


def subjects_of(scheme: Scheme, user: Any = None) -> list[Jurisdiction]:
    """The streets or communities a scheme scores; those the user may see when a user is given."""
    rows = Jurisdiction.objects.filter(level=scheme.subject_level, path__startswith=scheme.jurisdiction.path)
    if user is not None:
        rows = rows & Jurisdiction.objects.visible_to(user)
    return list(rows.order_by("path"))


def rank(scores: list[SubjectScore]) -> list[SubjectScore]:
    """Highest total first; equal totals share a rank (1, 1, 3)."""
    ordered = sorted(scores, key=lambda s: (-s.total, s.subject.path))
    for n, s in enumerate(ordered):
        s.rank = ordered[n - 1].rank if n and ordered[n - 1].total == s.total else n + 1
    return ordered


def compute(period: Period, subjects: list[Jurisdiction] | None = None) -> list[SubjectScore]:
    """Every subject's score, ranked among all the scheme's subjects."""
    scorer = Scorer(period)
    every = subjects_of(period.scheme)
    scorer.measure_all(every)
    ranked = rank([scorer.score(s) for s in every])
    if subjects is None:
        return ranked
    wanted = {s.pk for s in subjects}
    return [s for s in ranked if s.subject.pk in wanted]


@dataclass
class RankingRow:
    code: str
    name: str
    rank: int
    total: float
    breakdown: dict[str, Any]
    subject_id: int


def ranking(period: Period, user: Any) -> list[RankingRow]:
    """The ranking the user may see: frozen once published, computed live before."""
    visible = Jurisdiction.objects.visible_to(user)
    if period.is_published:
        rows = (PublishedScore.objects.filter(period=period, jurisdiction__in=visible)
                .select_related("jurisdiction").order_by("rank", "jurisdiction__path"))
        return [RankingRow(r.jurisdiction.code, r.jurisdiction.name, r.rank, float(r.total), r.breakdown,
                           r.jurisdiction_id) for r in rows]
    scores = compute(period, subjects_of(period.scheme, user))
    return [RankingRow(s.subject.code, s.subject.name, s.rank, s.total, s.as_dict(), s.subject.pk) for s in scores]


# ---------------------------------------------------------------- writes
def _refuse_if_published(period: Period) -> None:
    if period.is_published:
        raise ValidationError({"period": _("This period's results are published and locked; no score may change.")})


def ensure_period(scheme: Scheme, kind: str, year: int, quarter: int | None = None) -> Period:
    period, _created = Period.objects.get_or_create(scheme=scheme, kind=kind, year=year,
                                                    quarter=quarter if kind == PeriodKind.QUARTER else None)
    return period


def set_manual_score(period: Period, indicator: IndicatorItem, subject: Jurisdiction, points: Decimal | float | str,
                     *, actor: Any, note: str = "", evidence: Any = None,
                     links: list[str] | None = None) -> ManualScore:
    """Give (or change) a subject's points on a manual indicator, with the reason and evidence.

    Refused for a published period, an indicator of another scheme or a computed one, points
    outside 0..the indicator's points, a subject the scheme does not score. The audit log keeps
    every change (ManualScore is a ledger row)."""
    ensure(actor, "view", subject)
    ensure_in(actor, "assessments.score", subject.path)
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        _refuse_if_published(period)
        errors: dict[str, str] = {}
        if indicator.module.scheme_id != period.scheme_id:
            errors["indicator"] = _("This indicator belongs to another scheme.")
        elif indicator.kind != IndicatorKind.MANUAL:
            errors["indicator"] = _("This indicator is computed from the ledgers; it cannot be scored by hand.")
        if subject.level != period.scheme.subject_level or not subject.path.startswith(
                period.scheme.jurisdiction.path):
            errors["jurisdiction"] = _("This scheme does not score %(name)s.") % {"name": subject.name}
        try:
            value = Decimal(str(points))
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite():
            errors["points"] = _("Enter a number of points.")
        elif value < 0 or value > indicator.points:
            errors["points"] = _("Points lie between 0 and %(max)s.") % {"max": indicator.points}
        clean_links = [str(x).strip() for x in (links or []) if str(x).strip()]
        for link in clean_links:
            if not link.startswith("/") or link.startswith("//"):
                errors["links"] = _("A link to a record is a path on this platform, e.g. /hazards/12/.")
        if errors:
            raise ValidationError(errors)
        score = ManualScore.objects.filter(period=period, indicator=indicator, jurisdiction=subject).first()
        if score is None:
            score = ManualScore(period=period, indicator=indicator, jurisdiction=subject)
        score.points, score.note, score.links, score.scored_by = value, note.strip(), clean_links, actor
        if evidence is not None:
            score.evidence.save(_evidence_name(evidence), evidence, save=False)
        score.full_clean(exclude=["scored_by"])
        score.save()
        return score


def _evidence_name(upload: Any) -> str:
    from yingji.core.uploads import read_limited

    read_limited(upload, 20 * 1_048_576, "evidence")
    upload.seek(0)
    return str(getattr(upload, "name", "evidence")).rsplit("/", 1)[-1][-80:]


def publish(period: Period, *, actor: Any) -> list[PublishedScore]:
    """Freeze every subject's score and rank; refused when already published."""
    if not visible_schemes(actor).filter(pk=period.scheme_id).exists():
        raise Http404
    ensure_in(actor, "assessments.publish", period.scheme.jurisdiction.path)
    with transaction.atomic():
        period = Period.objects.select_for_update().select_related("scheme__jurisdiction").get(pk=period.pk)
        _refuse_if_published(period)
        scores = compute(period)
        rows = PublishedScore.objects.bulk_create([
            PublishedScore(period=period, jurisdiction=s.subject, total=Decimal(str(s.total)), rank=s.rank,
                           breakdown=s.as_dict()) for s in scores])
        period.published_at, period.published_by = timezone.now(), actor
        period.save(update_fields=["published_at", "published_by", "updated_at"])
        return rows


# ---------------------------------------------------------------- reading
def visible_schemes(user: Any) -> Any:
    """Schemes a user may read: run in their area, or run above it and scoring subjects inside it
    (a community reads the district's scheme, and only its own line of the ranking)."""
    from django.db.models import Q

    from yingji.core.scope import granted_paths

    paths = granted_paths(user, "assessments.view_scheme")
    if not paths:
        return Scheme.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(jurisdiction__path__startswith=path)
        ancestors = [path[: i + 1] for i, ch in enumerate(path) if ch == "/" and i > 0]
        condition |= Q(jurisdiction__path__in=ancestors)
    return Scheme.objects.filter(condition).select_related("jurisdiction")


def period_for(scheme: Scheme, year: int, quarter: int | None) -> Period:
    """The period row, or an unsaved one (nothing is written by reading a ranking)."""
    kind = PeriodKind.QUARTER if quarter else PeriodKind.YEAR
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError({"quarter": _("A quarter is 1 to 4.")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    found = Period.objects.filter(scheme=scheme, kind=kind, year=year, quarter=quarter).first()
    return found or Period(scheme=scheme, kind=kind, year=year, quarter=quarter)


def subject_score(period: Period, subject: Jurisdiction) -> SubjectScore | dict[str, Any]:
    """One subject's breakdown: frozen once published, computed live before (its rank among all)."""
    if period.pk and period.is_published:
        row = PublishedScore.objects.filter(period=period, jurisdiction=subject).first()
        return row.breakdown if row else {}
    return next((s for s in compute(period) if s.subject.pk == subject.pk), None) or {}


def indicator_records(period: Period, subject: Jurisdiction, item: IndicatorItem,
                      limit: int = 500) -> tuple[Measured | None, list[tuple[str, str]]]:
    """What a computed indicator counted for a subject over the period, and the records behind it
    as (label, link) pairs; for a module measured per quarter, the year's records."""
    if item.kind != IndicatorKind.COMPUTED:
        return None, []
    entry = registry.get(item.function)
    measured = entry.function(subject, Window(period.start, period.end), item.params)
    links: list[tuple[str, str]] = []
    if measured.records is not None:
        for record in measured.records[:limit]:
            url = entry.record_url(record) if entry.record_url else ""
            links.append((str(record), url))
    if "report" in measured.details:   # ledger quality: every problem row is on the report's page
        links.append((_("Ledger quality (三基)"), measured.details["report"]))
    return measured, links
