"""Abstract bases shared by the ledgers of every capability app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.scope import ScopedQuerySet


class LedgerModel(models.Model):
    """A row of a ledger (台账): scoped to a jurisdiction, timestamped, audited.

    Subclasses set `scope_path` to the lookup that reaches `Jurisdiction.path`.
    Every create, update and delete of a subclass writes an audit record
    (yingji/audit/signals.py).
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    scope_path: str = "jurisdiction__path"
    # Fields never copied into the audit log (secrets, derived caches).
    audit_exclude: tuple[str, ...] = ("created_at", "updated_at")

    class Meta:
        abstract = True


class ScheduledJob(models.Model):
    """A periodic job that an app declares in its jobs.py (see core/jobs.py): when it is next
    due, which runner holds it now, and how its last run went.

    One row per job. A runner claims the row (a lease) before running the job, so
    several tick processes never run the same job at once; a lease that a crashed
    runner left behind expires at `lease_until`.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    due_at = models.DateTimeField(_("due at"))
    lease_until = models.DateTimeField(_("held until"), null=True, blank=True)
    lease_owner = models.CharField(_("held by"), max_length=100, blank=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_duration_s = models.FloatField(_("last duration (s)"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_result = models.JSONField(_("last result"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    failures = models.PositiveIntegerField(_("failed runs"), default=0)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IdempotentRequest(models.Model):
    """An API write a client sent with an `Idempotency-Key` header, and the answer it got
    (core/idempotency.py): the same key from the same user again is answered from here without
    running the write twice — a stock issue retried after a dropped connection books one movement.

    Kept `YINGJI_IDEMPOTENCY_HOURS`; the job core.forget_idempotent_requests deletes older rows.
    """

    user_id = models.BigIntegerField(_("user"))
    key = models.CharField(_("idempotency key"), max_length=200)
    #: SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status code"))
    content_type = models.CharField(_("content type"), max_length=100)
    body = models.BinaryField(_("response body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["user_id", "key"], name="idempotent_request_once_per_user")]
