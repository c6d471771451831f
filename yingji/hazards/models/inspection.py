"""Enforcement inspections (执法检查): the street's certified inspectors and what they inspected."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.models import LedgerModel


class Inspector(LedgerModel):
    """A member of a street's enforcement staff, with their enforcement certificate if they hold one.

    Certified means a certificate number and a validity date not yet past; the
    street's share of certified staff is held to at least 50 %, and each
    inspector to at least one inspection a week.
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("street"),
                                     on_delete=models.PROTECT, related_name="inspectors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="inspector_roles")
    name = models.CharField(_("name"), max_length=50)
    staff_number = models.CharField(_("staff number"), max_length=32, unique=True)
    certificate_number = models.CharField(_("enforcement certificate number"), max_length=40, blank=True)
    certificate_issuer = models.CharField(_("certificate issued by"), max_length=100, blank=True)
    certificate_valid_until = models.DateField(_("certificate valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        ordering = ["jurisdiction__path", "name"]
        permissions = [("import_inspector", "Can import inspectors"), ("export_inspector", "Can export inspectors")]

    def __str__(self) -> str:
        return self.name

    def certified_on(self, day: object) -> bool:
        return bool(self.certificate_number) and self.certificate_valid_until is not None \
            and self.certificate_valid_until >= day  # type: ignore[operator]


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("No hazard found")
    HAZARDS = "hazards", _("Hazards found")


class Inspection(LedgerModel):
    """One enforcement inspection of an enterprise or place; its findings open hazards."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(Inspector, verbose_name=_("inspector"), on_delete=models.PROTECT,
                                  related_name="inspections")
    place = models.CharField(_("enterprise or place"), max_length=120)
    risk_point = models.ForeignKey("hazards.RiskPoint", verbose_name=_("risk point"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="inspections")
    inspected_on = models.DateField(_("date"), db_index=True)
    result = models.CharField(_("result"), max_length=10, choices=InspectionResult.choices,
                              default=InspectionResult.PASSED)
    findings = models.TextField(_("findings"), blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-pk"]
        permissions = [("export_inspection", "Can export inspections")]

    def __str__(self) -> str:
        return f"{self.place} {self.inspected_on}"
