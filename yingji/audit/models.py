"""The generic change log of every ledger row."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.prepared import CompiledInsert
from yingji.core.scope import ScopedQuerySet


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", pgettext_lazy("audit action", "Updated")
    DELETE = "delete", _("Deleted")


class ChangeRecord(CompiledInsert, models.Model):
    """Who changed which ledger row, when, from where, and what changed.

    Rows are only ever appended. The jurisdiction path is copied from the row
    at the time of the change, so the history of a deleted row stays scoped.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True, help_text=_("web, api, import, command, task"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    # Both are found through audit_object_history (content type, object, time); no index of their own.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.CharField(_("object ID"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    jurisdiction_path = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, help_text=_("field: [old, new]"))

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction_path"

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-at", "-id"]
        # Every ledger write adds a row here, so it keeps only the indexes its reads use.
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_history"),
            # The scope rule reads subtrees (path LIKE '/440304/%'): one pattern index serves that and equality.
            models.Index(fields=["jurisdiction_path"], name="audit_path", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()} {self.object_repr}"
