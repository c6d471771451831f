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
