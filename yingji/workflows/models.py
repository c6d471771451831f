"""The history and the pending deadlines of every object that moves through a workflow (machine.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.scope import ScopedQuerySet


class WorkflowEvent(models.Model):
    """One step of an object through its workflow: who moved it from which state to which, when, and why.

    Scoped by the jurisdiction path the object had at the time, so the history
    stays visible to the right people even after the object is gone.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    workflow = models.CharField(_("workflow"), max_length=60)
    transition = models.CharField(_("step"), max_length=40)
    from_state = models.CharField(_("from"), max_length=30, blank=True)
    to_state = models.CharField(_("to"), max_length=30)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    path = models.CharField(_("jurisdiction path"), max_length=255)

    objects = ScopedQuerySet.as_manager()
    scope_path = "path"

    class Meta:
        verbose_name = _("workflow event")
        verbose_name_plural = _("workflow events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="workflow_event_subject")]

    def __str__(self) -> str:
        return f"{self.workflow} {self.object_id}: {self.from_state} → {self.to_state}"


class WorkflowDeadline(models.Model):
    """A state an object must leave by `due_at`; the deadlines job escalates it when it has not.

    Written when the object enters a state with a deadline, closed when it leaves it.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    workflow = models.CharField(_("workflow"), max_length=60)
    state = models.CharField(_("state"), max_length=30)
    due_at = models.DateTimeField(_("due at"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    path = models.CharField(_("jurisdiction path"), max_length=255)

    objects = ScopedQuerySet.as_manager()
    scope_path = "path"

    class Meta:
        verbose_name = _("workflow deadline")
        verbose_name_plural = _("workflow deadlines")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["due_at"], condition=models.Q(escalated_at__isnull=True),
                                name="workflow_deadline_pending")]

    def __str__(self) -> str:
        return f"{self.workflow} {self.object_id} {self.state} by {self.due_at:%Y-%m-%d %H:%M}"
