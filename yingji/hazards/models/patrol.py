"""Patrol plans of a grid, the patrols walked and the GPS check-ins at their points."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet


class PatrolFrequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class PatrolPlan(LedgerModel):
    """A grid's patrol: which risk points to visit, in which order, how often, by whom.

    Each period (a day or an ISO week from Monday) asks for one patrol record
    with a check-in at every point; a period that ends without one is a missed
    patrol (listed, and reminded by the patrol job).
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("grid"),
                                     on_delete=models.PROTECT, related_name="patrol_plans")
    name = models.CharField(_("name"), max_length=120)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="patrol_plans")
    frequency = models.CharField(_("frequency"), max_length=8, choices=PatrolFrequency.choices,
                                 default=PatrolFrequency.DAILY)
    tolerance_m = models.PositiveIntegerField(
        _("check-in tolerance (m)"), default=100,
        help_text=_("A check-in farther than this from the point is refused."))
    starts_on = models.DateField(_("starts on"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("patrol plan")
        verbose_name_plural = _("patrol plans")
        ordering = ["jurisdiction__path", "name"]
        permissions = [("import_patrolplan", "Can import patrol plans"),
                       ("export_patrolplan", "Can export patrol plans")]
        constraints = [
            models.CheckConstraint(condition=models.Q(tolerance_m__gte=5, tolerance_m__lte=5000),
                                   name="patrol_plan_tolerance_in_range"),
        ]

    def __str__(self) -> str:
        return self.name


class PatrolStop(models.Model):
    """A risk point on a patrol plan's route, in walking order."""

    plan = models.ForeignKey(PatrolPlan, verbose_name=_("patrol plan"), on_delete=models.CASCADE,
                             related_name="stops")
    risk_point = models.ForeignKey("hazards.RiskPoint", verbose_name=_("risk point"), on_delete=models.CASCADE,
                                   related_name="patrol_stops")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_path = "plan__jurisdiction__path"

    class Meta:
        verbose_name = _("patrol stop")
        verbose_name_plural = _("patrol stops")
        ordering = ["plan", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "risk_point"], name="patrol_stop_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.plan} #{self.order} {self.risk_point}"


class PatrolRecord(models.Model):
    """One patrol walked for one period of a plan: who, when, and its check-ins.

    Done when every stop of the plan has a check-in. One per plan and period.
    """

    plan = models.ForeignKey(PatrolPlan, verbose_name=_("patrol plan"), on_delete=models.CASCADE,
                             related_name="records")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("grid"),
                                     on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period"), help_text=_("The day, or the Monday of the week, it covers."))
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("patrol record")
        verbose_name_plural = _("patrol records")
        ordering = ["-period_start", "-pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "period_start"], name="patrol_record_once_per_period")]

    def __str__(self) -> str:
        return f"{self.plan} {self.period_start}"

    @property
    def is_done(self) -> bool:
        return self.finished_at is not None


class CheckIn(models.Model):
    """A grid worker at a patrol point: where the phone was, how far from the point, the checklist answers.

    Refused (not stored) when the phone is farther from the point than the plan's tolerance.
    """

    record = models.ForeignKey(PatrolRecord, verbose_name=_("patrol record"), on_delete=models.CASCADE,
                               related_name="check_ins")
    risk_point = models.ForeignKey("hazards.RiskPoint", verbose_name=_("risk point"), on_delete=models.CASCADE,
                                   related_name="check_ins")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("grid"),
                                     on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    distance_m = models.FloatField(_("distance to the point (m)"))
    # [{"key": "…", "ok": true, "note": ""}], the checklist of the point's category as answered, by the
    # items' stable keys (hazards/checklists.py), never by their translated text.
    answers = models.JSONField(_("checklist answers"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked in by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # A phone resends a queued check-in with the same key; the second arrival answers the first check-in
    # (as a queued hazard report does: Hazard.idempotency_key).
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["record", "risk_point"], name="check_in_once_per_point"),
                       models.UniqueConstraint(fields=["checked_by", "idempotency_key"],
                                               condition=~models.Q(idempotency_key=""),
                                               name="check_in_once_per_key")]

    def __str__(self) -> str:
        return f"{self.risk_point} {self.at:%Y-%m-%d %H:%M}"
