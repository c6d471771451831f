"""Drills (演练): a plan exercised, by whom and how, what was found and what follows.

A drill is held by a jurisdiction (a street or a community, or the district)
on a date; its type says how (tabletop 桌面推演, functional 功能演练, full-scale
实战演练) and its scope whether it exercises the whole response (comprehensive
综合演练) or one key field (special 专项演练: fire, flood…). The required
frequencies are data (DrillRule): the district files "every street holds two
comprehensive drills a year", "every street one fire drill a year", a
community its own rule; the compliance view (compliance.py) counts the drills
of the year against them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel


class DrillType(models.TextChoices):
    TABLETOP = "tabletop", _("Tabletop exercise")
    FUNCTIONAL = "functional", _("Functional drill")
    FULL_SCALE = "full_scale", _("Full-scale drill")


class DrillScope(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive drill")
    SPECIAL = "special", _("Special drill")


class KeyField(models.TextChoices):
    """The key fields (重点领域) special drills and the frequency rules are about."""

    FIRE = "fire", _("Fire")
    FLOOD = "flood", _("Flood and waterlogging")
    TYPHOON = "typhoon", pgettext_lazy("drill", "Typhoon")
    GEOLOGICAL = "geological", _("Geological hazards")
    HAZARDOUS_CHEMICALS = "hazardous_chemicals", _("Hazardous chemicals")
    GAS = "gas", _("Gas")
    ELEVATOR = "elevator", _("Elevators and special equipment")
    CROWDED_PLACES = "crowded_places", _("Crowded places")
    EARTHQUAKE = "earthquake", _("Earthquake")


class Drill(LedgerModel):
    """One drill held by a jurisdiction: the plan it exercised, type and scope, date and duration, the
    teams and members who took part, what was found."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="drills")
    plan = models.ForeignKey("plans.Plan", verbose_name=_("plan exercised"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="drills")
    title = models.CharField(pgettext_lazy("drill", "title"), max_length=200)
    drill_type = models.CharField(_("drill type"), max_length=16, choices=DrillType.choices)
    scope = models.CharField(_("comprehensive or special"), max_length=16, choices=DrillScope.choices,
                             db_index=True)
    key_field = models.CharField(_("key field"), max_length=24, choices=KeyField.choices, blank=True)
    held_on = models.DateField(pgettext_lazy("drill", "held on"), db_index=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    teams = models.ManyToManyField("resources.Team", verbose_name=pgettext_lazy("drill", "teams"), blank=True, related_name="drills")
    members = models.ManyToManyField("resources.Member", verbose_name=pgettext_lazy("drill", "members"), blank=True,
                                     related_name="drills")
    participants = models.PositiveIntegerField(_("participants"), default=0)
    findings = models.TextField(pgettext_lazy("drill", "findings"), blank=True)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_on", "pk"]
        indexes = [models.Index(fields=["jurisdiction", "held_on"], name="drills_place_day")]

    def __str__(self) -> str:
        return self.title


class FollowUp(LedgerModel):
    """Something to put right after a drill (整改): who, by when; it may open a hazard in the hazards app."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(_("follow-up"), max_length=300)
    responsible = models.CharField(_("responsible"), max_length=100, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    hazard = models.ForeignKey("hazards.Hazard", verbose_name=_("hazard"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")

    scope_path = "drill__jurisdiction__path"

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["drill", "pk"]

    def __str__(self) -> str:
        return self.text


class RuleTarget(models.TextChoices):
    STREET = "street", _("Every street under it")
    COMMUNITY = "community", _("Every community under it")
    SELF = "self", _("This jurisdiction only")


class DrillRule(LedgerModel):
    """A required frequency, as data: filed at a jurisdiction, it asks every street or every community
    under it (or that jurisdiction alone) for at least `minimum_per_year` drills of the scope and key field
    named (blank: any) in each calendar year."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("filed by"),
                                     on_delete=models.PROTECT, related_name="drill_rules")
    applies_to = models.CharField(_("applies to"), max_length=12, choices=RuleTarget.choices)
    scope = models.CharField(_("comprehensive or special"), max_length=16, choices=DrillScope.choices, blank=True)
    key_field = models.CharField(_("key field"), max_length=24, choices=KeyField.choices, blank=True)
    minimum_per_year = models.PositiveIntegerField(_("at least, per year"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("drill rule")
        verbose_name_plural = _("drill rules")
        ordering = ["jurisdiction__path", "applies_to", "scope", "key_field"]
        constraints = [
            models.CheckConstraint(condition=models.Q(minimum_per_year__gte=1), name="drills_rule_minimum_positive",
                                   violation_error_message=_("A rule asks for at least one drill.")),
            models.UniqueConstraint(fields=["jurisdiction", "applies_to", "scope", "key_field"],
                                    name="drills_rule_once",
                                    violation_error_message=_("This rule exists already; change its minimum.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_applies_to_display()} · {self.requirement_label()} ≥ {self.minimum_per_year}"

    def requirement_label(self) -> str:
        return requirement_label(self.scope, self.key_field)


def requirement_label(scope: str, key_field: str) -> str:
    """'Comprehensive drill', 'Special drill · Fire', 'Fire', or 'Any drill'."""
    parts = []
    if scope:
        parts.append(str(DrillScope(scope).label))
    if key_field:
        parts.append(str(KeyField(key_field).label))
    return " · ".join(parts) if parts else str(_("Any drill"))
