"""Risk points (风险点) and their grading history: the register behind the four-colour risk map."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet


class RiskGrade(models.TextChoices):
    """The four grades of 风险分级管控, drawn in their colours on the four-colour map."""

    RED = "red", _("Major risk (red)")
    ORANGE = "orange", _("Significant risk (orange)")
    YELLOW = "yellow", _("Moderate risk (yellow)")
    BLUE = "blue", _("Low risk (blue)")


# Most severe first: the order of legends, counts and sorting.
GRADE_ORDER = [g.value for g in RiskGrade]


class RiskCategory(models.TextChoices):
    CROWDED_PLACE = "crowded_place", _("Crowded place")
    PUBLIC_GATHERING = "public_gathering", _("Public gathering place")
    FIRE_KEY_UNIT = "fire_key_unit", _("Fire-safety key unit")
    OLD_RESIDENTIAL = "old_residential", _("Old residential area")
    THREE_SMALL = "three_small", _("Small shop, workshop or entertainment venue (三小场所)")
    SLOPE = "slope", _("Dangerous slope")
    LOW_LYING = "low_lying", _("Low-lying area")
    SMALL_WORKS = "small_works", _("Small and scattered works")
    HAZMAT = "hazmat", _("Hazardous chemicals")
    GAS_PIPELINE = "gas_pipeline", _("Gas pipeline")
    EBIKE_CHARGING = "ebike_charging", _("E-bike charging place")
    SELF_BUILT_HOUSE = "self_built_house", _("Self-built house")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
    OTHER = "other", _("Other")


class RiskPoint(LedgerModel):
    """A place whose risk is graded red/orange/yellow/blue: a mall, an old estate, a slope, a gas station…

    Graded and controlled by the community or street it lies in; the coverage
    capability also asks whether a station reaches it in time. Moved here from
    `coverage` (the rows, their ids and their change history came along).
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="risk_points")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=RiskCategory.choices,
                                default=RiskCategory.OTHER, db_index=True)
    grade = models.CharField(_("risk grade"), max_length=8, choices=RiskGrade.choices, db_index=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    area = models.JSONField(_("area"), null=True, blank=True,
                            help_text=_("GeoJSON Polygon of the place when it is an area (a slope, an estate), WGS-84."))
    address = models.CharField(_("address"), max_length=200, blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=120, blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=50, blank=True)
    responsible_phone = models.CharField(_("responsible person's phone"), max_length=20, blank=True)
    control_measures = models.TextField(_("control measures"), blank=True)
    review_date = models.DateField(_("next review"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")
        ordering = ["code"]
        permissions = [("import_riskpoint", "Can import risk points"),
                       ("export_riskpoint", "Can export risk points")]
        constraints = [
            models.CheckConstraint(condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                                   name="risk_point_coordinates_in_range"),
        ]

    def __str__(self) -> str:
        return self.name


class RiskGrading(models.Model):
    """One (re)grading of a risk point: from which grade to which, when, by whom and why.

    Written by the risk-point services whenever the grade is set; the point's
    page shows the list. Appended only.
    """

    risk_point = models.ForeignKey(RiskPoint, verbose_name=_("risk point"), on_delete=models.CASCADE,
                                   related_name="gradings")
    at = models.DateTimeField(_("time"), db_index=True)
    grade_from = models.CharField(_("previous grade"), max_length=8, choices=RiskGrade.choices, blank=True)
    grade_to = models.CharField(_("grade"), max_length=8, choices=RiskGrade.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("graded by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("graded by"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "risk_point__jurisdiction__path"

    class Meta:
        verbose_name = _("risk grading")
        verbose_name_plural = _("risk gradings")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.risk_point} {self.grade_from}→{self.grade_to}"
