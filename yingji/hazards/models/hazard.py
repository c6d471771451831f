"""Hazards (隐患): found, assigned to a responsible unit, rectified, rechecked, closed."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.hazards.models.risk import RiskCategory


class HazardSource(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    PATROL = "patrol", _("Patrol")
    PUBLIC = "public", _("Public report")
    IOT = "iot", _("IoT alarm")
    STATION = "station", _("Service station")
    INSPECTION = "inspection", _("Enforcement inspection")


class HazardSeverity(models.TextChoices):
    """How grave a hazard is; sets the rectification deadline (settings.YINGJI_HAZARD_DEADLINE_DAYS)."""

    MAJOR = "major", _("Major hazard")
    GENERAL = "general", _("General hazard")
    MINOR = "minor", _("Minor hazard")


class HazardStatus(models.TextChoices):
    # A context of their own: other ledgers use the same English words for other Chinese ones.
    REPORTED = "reported", pgettext_lazy("hazard status", "Reported")
    ASSIGNED = "assigned", pgettext_lazy("hazard status", "Assigned")
    RECTIFYING = "rectifying", pgettext_lazy("hazard status", "Rectifying")
    RECHECKING = "rechecking", pgettext_lazy("hazard status", "Awaiting recheck")
    CLOSED = "closed", pgettext_lazy("hazard status", "Closed")
    DISMISSED = "dismissed", pgettext_lazy("hazard status", "Dismissed")


OPEN_STATUSES = (HazardStatus.REPORTED, HazardStatus.ASSIGNED, HazardStatus.RECTIFYING, HazardStatus.RECHECKING)
# Statuses in which the responsible unit owes the rectification, so the deadline runs.
DEADLINE_STATUSES = (HazardStatus.ASSIGNED, HazardStatus.RECTIFYING)


def new_reference(day: datetime.date | None = None) -> str:
    """A receipt number that can be read aloud: YH, the date, five digits (YH20261201-48213).

    Random rather than counted, so a receipt does not tell how many were filed
    or let a resident guess another's; the saving service retries a collision.
    """
    return f"YH{(day or timezone.localdate()):%Y%m%d}-{secrets.randbelow(100_000):05d}"


class Hazard(LedgerModel):
    """A hazard someone found (a blocked fire lane, a cracked slope, an e-bike charging in a stairwell).

    The community assigns a responsible unit and person with a deadline set by
    the severity; the unit rectifies and uploads evidence; someone other than
    the rectifier rechecks; only then is it closed. Overdue hazards escalate
    one level up the jurisdiction tree (`escalate_at` is when the next step is due).
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="hazards")
    reference = models.CharField(_("receipt number"), max_length=20, unique=True, default=new_reference)
    title = models.CharField(_("what"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=RiskCategory.choices,
                                default=RiskCategory.OTHER)
    severity = models.CharField(_("severity"), max_length=8, choices=HazardSeverity.choices,
                                default=HazardSeverity.GENERAL)
    source = models.CharField(_("found by"), max_length=12, choices=HazardSource.choices)
    status = models.CharField(_("status"), max_length=12, choices=HazardStatus.choices,
                              default=HazardStatus.REPORTED)
    risk_point = models.ForeignKey("hazards.RiskPoint", verbose_name=_("risk point"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="hazards")
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    # A phone resends a queued report with the same key; the second arrival answers the first hazard.
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    check_in = models.ForeignKey("hazards.CheckIn", verbose_name=_("patrol check-in"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="hazards")
    inspection = models.ForeignKey("hazards.Inspection", verbose_name=_("inspection"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="hazards")
    responsible_unit = models.CharField(_("responsible unit"), max_length=120, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsible person"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="assigned_hazards")
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    rectified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rectified by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectification = models.TextField(_("what was done"), blank=True)
    rechecked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rechecked by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    escalated_to = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("escalated to"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    escalate_at = models.DateTimeField(_("next escalation"), null=True, blank=True)

    # The phone's resend key means nothing to a reader of the history.
    audit_exclude = ("created_at", "updated_at", "idempotency_key")

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-reported_at", "-pk"]
        permissions = [("export_hazard", "Can export hazards"), ("report", "Can report hazards"),
                       ("assign", "Can assign hazards"), ("rectify", "Can rectify hazards"),
                       ("recheck", "Can recheck hazards")]
        indexes = [
            # The overdue job reads only the hazards whose next escalation is due.
            models.Index(fields=["escalate_at"], name="hazard_escalation_due",
                         condition=models.Q(escalate_at__isnull=False)),
            models.Index(fields=["assignee", "status"], name="hazard_assignee_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reported_by", "idempotency_key"], name="hazard_idempotency_key",
                                    condition=~models.Q(idempotency_key="")),
            models.CheckConstraint(condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                                   name="hazard_coordinates_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.status in DEADLINE_STATUSES and self.deadline is not None and self.deadline < moment  # type: ignore[operator]
