"""Assessment schemes as data (考核方案): modules with weights, indicators with points, bonus rules
with caps, the periods scored, manual scores with their evidence, and the scores frozen on publishing.

A scheme is owned by the jurisdiction that runs it (a district); its subjects are the streets or
the communities under it. Indicators are either computed — they name a function registered in
`yingji.core.indicators` with parameters such as targets — or scored by hand with evidence.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class SubjectLevel(models.TextChoices):
    STREET = "street", _("Streets")
    COMMUNITY = "community", pgettext_lazy("assessment", "Communities")


class Basis(models.TextChoices):
    """Over which time a module's indicators are measured when a year is scored."""

    PERIOD = "period", _("The period scored")
    QUARTERLY_MEAN = "quarterly_mean", _("Mean of the year's four quarters")


class IndicatorKind(models.TextChoices):
    COMPUTED = "computed", _("Computed from the ledgers")
    MANUAL = "manual", _("Scored by hand with evidence")


class Scheme(LedgerModel):
    """An assessment scheme (考核方案) a district holds its streets or communities to account with,
    e.g. Futian's quarterly work + year-end check, or Pingshan's station construction + operations."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("run by"),
                                     on_delete=models.PROTECT, related_name="assessment_schemes")
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    subject_level = models.CharField(_("subjects"), max_length=12, choices=SubjectLevel.choices,
                                     default=SubjectLevel.STREET)
    description = models.TextField(pgettext_lazy("assessment", "description"), blank=True)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["code"]
        permissions = [("score", "Can enter manual assessment scores"),
                       ("publish", "Can publish assessment results")]

    def __str__(self) -> str:
        return self.name


class Module(models.Model):
    """A part of a scheme with its weight in the total (权重), e.g. "station construction 40 %"."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="modules")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    weight = models.DecimalField(_("weight (%)"), max_digits=6, decimal_places=2)
    basis = models.CharField(_("measured over"), max_length=16, choices=Basis.choices, default=Basis.PERIOD)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="assessments_module_unique_code"),
            models.CheckConstraint(condition=models.Q(weight__gte=0, weight__lte=100),
                                   name="assessments_module_weight_0_100",
                                   violation_error_message=_("A weight lies between 0 and 100 %.")),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorItem(models.Model):
    """One indicator (指标) of a module and the points it is worth: computed from a ledger by a
    registered function with parameters (targets), or scored by hand."""

    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.CASCADE,
                               related_name="indicators")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.COMPUTED)
    function = models.CharField(_("indicator function"), max_length=60, blank=True,
                                help_text=_("The key of a registered indicator, e.g. hazards.closed_on_time."))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["module", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["module", "code"], name="assessments_indicator_unique_code"),
            models.CheckConstraint(condition=models.Q(points__gt=0), name="assessments_indicator_points_positive",
                                   violation_error_message=_("An indicator is worth more than 0 points.")),
        ]

    def __str__(self) -> str:
        return self.name


class BonusRule(models.Model):
    """A bonus (加分项) added to the total: points per unit an indicator counts beyond its target,
    capped (Pingshan: +0.1 for each station beyond the targets, at most 1)."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="bonuses")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=160)
    function = models.CharField(_("indicator function"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    per_unit = models.DecimalField(_("points per unit"), max_digits=6, decimal_places=3)
    cap = models.DecimalField(_("cap"), max_digits=6, decimal_places=3)

    class Meta:
        verbose_name = _("bonus rule")
        verbose_name_plural = _("bonus rules")
        ordering = ["scheme", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="assessments_bonus_unique_code")]

    def __str__(self) -> str:
        return self.name


class Period(LedgerModel):
    """A period a scheme is scored for (a quarter or a year); once published its scores are frozen."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_path = "scheme__jurisdiction__path"

    class Meta:
        verbose_name = _("assessment period")
        verbose_name_plural = _("assessment periods")
        ordering = ["scheme", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "kind", "year", "quarter"], name="assessments_period_unique",
                                    nulls_distinct=False),
            models.CheckConstraint(condition=(models.Q(kind="year", quarter=None)
                                              | models.Q(kind="quarter", quarter__gte=1, quarter__lte=4)),
                                   name="assessments_period_quarter_fits_kind",
                                   violation_error_message=_("A quarter is 1 to 4; a year has none.")),
        ]

    def __str__(self) -> str:
        if self.kind == PeriodKind.QUARTER:
            return _("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.quarter}
        return _("%(year)s") % {"year": self.year}

    @property
    def start(self) -> datetime.date:
        if self.kind == PeriodKind.QUARTER:
            return datetime.date(self.year, 3 * (self.quarter or 1) - 2, 1)
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        if self.kind == PeriodKind.QUARTER:
            last_month = 3 * (self.quarter or 1)
            following = datetime.date(self.year + (last_month == 12), last_month % 12 + 1, 1)
            return following - datetime.timedelta(days=1)
        return datetime.date(self.year, 12, 31)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ManualScore(LedgerModel):
    """The points an assessor gave one subject on a manual indicator for a period, with the
    evidence (a file and links to records); every change is in the audit log."""

    period = models.ForeignKey(Period, verbose_name=pgettext_lazy("assessment", "period"), on_delete=models.CASCADE,
                               related_name="manual_scores")
    indicator = models.ForeignKey(IndicatorItem, verbose_name=_("indicator"), on_delete=models.CASCADE,
                                  related_name="manual_scores")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("subject"),
                                     on_delete=models.PROTECT, related_name="assessment_scores")
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    note = models.TextField(pgettext_lazy("assessment", "reason"), blank=True)
    evidence = models.FileField(_("evidence file"), upload_to="assessments/%Y/", blank=True, max_length=200,
                                validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png", "xlsx", "docx"])])
    links = models.JSONField(_("links to records"), default=list, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("scored by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    audit_exclude = ("created_at", "updated_at", "evidence")

    class Meta:
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")
        ordering = ["period", "indicator", "jurisdiction__path"]
        constraints = [
            models.UniqueConstraint(fields=["period", "indicator", "jurisdiction"],
                                    name="assessments_manual_score_unique"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="assessments_manual_score_not_negative",
                                   violation_error_message=_("Points cannot be negative.")),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.jurisdiction_id}: {self.points}"


class PublishedScore(models.Model):
    """A subject's score frozen when its period was published: the total, its rank and the
    breakdown by module and indicator as computed then (what the ranking shows from then on)."""

    period = models.ForeignKey(Period, verbose_name=pgettext_lazy("assessment", "period"), on_delete=models.CASCADE,
                               related_name="published_scores")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("subject"),
                                     on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=3)
    rank = models.PositiveIntegerField(_("rank"))
    breakdown = models.JSONField(_("breakdown"), default=dict)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("published score")
        verbose_name_plural = _("published scores")
        ordering = ["period", "rank"]
        constraints = [models.UniqueConstraint(fields=["period", "jurisdiction"],
                                               name="assessments_published_unique")]
