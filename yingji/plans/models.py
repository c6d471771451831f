"""Emergency plans (预案) and their disposal cards (处置卡).

A plan belongs to a jurisdiction — the district, a street or a community —
or to an enterprise inside one (then `enterprise` names it and the plan is
scoped by the jurisdiction the enterprise lies in). Its card is the plan
reduced to steps of what / who / how with time limits (简化、实化、流程化、
图表化), which is what people use when an incident of a covered type opens.
The approval (draft → pending → approved) runs on yingji.workflows
(plans/workflows.py); editing an approved plan means revising it, which
opens the next version as a draft.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet


class PlanLevel(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    ENTERPRISE = "enterprise", _("Enterprise")


class PlanKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive plan")
    SPECIAL = "special", _("Special plan")
    ON_SITE = "on_site", _("On-site disposal plan")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")


class Plan(LedgerModel):
    """An emergency plan (预案) of a district, street, community or enterprise:
    the incident types it covers, its current version and when it must be
    reviewed next."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="plans")
    title = models.CharField(pgettext_lazy("plan", "title"), max_length=200)
    kind = models.CharField(pgettext_lazy("plan", "kind"), max_length=16, choices=PlanKind.choices)
    # An enterprise's plan is filed under the jurisdiction the enterprise lies in; its name makes the
    # plan's level "enterprise" (enterprises are not part of the jurisdiction tree).
    enterprise = models.CharField(_("enterprise"), max_length=200, blank=True)
    incident_types = models.JSONField(_("incident types covered"), default=list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    summary = models.TextField(pgettext_lazy("plan", "summary"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT,
                              db_index=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["jurisdiction__path", "title"]
        permissions = [("submit", "Can submit plans for approval"), ("approve", "Can approve plans")]
        constraints = [models.CheckConstraint(condition=models.Q(version__gte=1), name="plans_plan_version_positive",
                                              violation_error_message=_("The version starts at 1."))]

    def __str__(self) -> str:
        return self.title

    @property
    def level(self) -> str:
        if self.enterprise:
            return PlanLevel.ENTERPRISE
        return self.jurisdiction.level

    def get_level_display(self) -> str:
        try:
            return str(PlanLevel(self.level).label)
        except ValueError:
            return self.level


class WhoKind(models.TextChoices):
    ROLE = "role", _("A role")
    TEAM_KIND = "team_kind", _("A team type")
    TEAM = "team", _("A named team")


class CardStep(LedgerModel):
    """One step of a plan's disposal card (处置卡): what is done, who does it
    (a role, a type of team or one named team), how, and within how many
    minutes of the incident opening."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(pgettext_lazy("card", "order"))
    what = models.CharField(pgettext_lazy("card", "what"), max_length=200)
    who_kind = models.CharField(pgettext_lazy("card", "who"), max_length=12, choices=WhoKind.choices)
    # One of the three says who, by who_kind: a role of accounts.Role, a resources.TeamKind, or a team.
    who_role = models.CharField(_("role"), max_length=32, blank=True)
    who_team_kind = models.CharField(_("team type"), max_length=32, blank=True)
    who_team = models.ForeignKey("resources.Team", verbose_name=_("team"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    how = models.TextField(pgettext_lazy("card", "how"), blank=True)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), null=True, blank=True)

    scope_path = "plan__jurisdiction__path"

    class Meta:
        verbose_name = _("card step")
        verbose_name_plural = _("card steps")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="plans_cardstep_unique_order",
                                               violation_error_message=_("Two steps of a card have one number."))]

    def __str__(self) -> str:
        return f"{self.order}. {self.what}"

    def who_label(self) -> str:
        """The person, team type or team in words, for the card."""
        return who_words(self.who_kind, self.who_role, self.who_team_kind, self.who_team)


def who_words(kind: str, role: str, team_kind: str, team: Any) -> str:
    """Whom a step names, in the user's language: the role, the team type or the team's name ("" if none).

    One wording for the card (CardStep.who_label) and the incident's checklist (ChecklistItem.who_display).
    """
    from yingji.accounts.roles import Role
    from yingji.resources.models import TeamKind

    if kind == WhoKind.ROLE:
        return str(Role(role).label) if role in Role.values else role
    if kind == WhoKind.TEAM_KIND:
        return str(TeamKind(team_kind).label) if team_kind in TeamKind.values else team_kind
    if kind == WhoKind.TEAM:
        return team.name if team else ""
    return ""


class ChecklistItem(LedgerModel):
    """One step of a plan's card copied onto an incident when it opened: the
    incident's checklist, ticked off with the time and the person. A copy, so
    that revising the plan later does not change what was asked at the time."""

    incident = models.ForeignKey("incidents.Incident", verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="checklist")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+")
    plan_version = models.PositiveIntegerField(_("plan version"))
    order = models.PositiveIntegerField(pgettext_lazy("card", "order"))
    what = models.CharField(pgettext_lazy("card", "what"), max_length=200)
    who = models.CharField(pgettext_lazy("card", "who"), max_length=200)
    # Whom the step names, copied from the card: only they tick it (checklists.may_tick).
    who_kind = models.CharField(pgettext_lazy("card", "who"), max_length=12, choices=WhoKind.choices, blank=True)
    who_role = models.CharField(_("role"), max_length=32, blank=True)
    who_team_kind = models.CharField(_("team type"), max_length=32, blank=True)
    who_team = models.ForeignKey("resources.Team", verbose_name=_("team"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    how = models.TextField(pgettext_lazy("card", "how"), blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey("accounts.User", verbose_name=_("done by"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    scope_path = "incident__jurisdiction__path"

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["incident", "order"]
        constraints = [models.UniqueConstraint(fields=["incident", "order"], name="plans_checklist_unique_order",
                                               violation_error_message=_("Two checklist items have one number."))]

    def __str__(self) -> str:
        return f"{self.order}. {self.what}"

    @property
    def who_display(self) -> str:
        """Whom the step names, for the checklist on the incident's page and in the API: in words from the
        copied who_* fields (the viewer's language); else the words copied when the incident opened (items
        copied before the who_* fields existed and not matched by migration 0005, or whose named team is
        gone); else that the step is for whoever works the incident — which is who may tick it
        (checklists.is_named)."""
        return (who_words(self.who_kind, self.who_role, self.who_team_kind, self.who_team) or self.who
                or str(_("Whoever works the incident")))


class PlanVersion(models.Model):
    """An approved version of a plan as it was approved: its fields and card, kept when the plan is revised,
    with what changed since the version before (services.approve writes it)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(pgettext_lazy("plan", "title"), max_length=200)
    kind = models.CharField(pgettext_lazy("plan", "kind"), max_length=16, choices=PlanKind.choices)
    incident_types = models.JSONField(_("incident types covered"), default=list)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    summary = models.TextField(pgettext_lazy("plan", "summary"), blank=True)
    # The card as approved: [{"order", "what", "who", "how", "time_limit_minutes"}…]
    steps = models.JSONField(_("card"), default=list)
    # What changed since the previous approved version: [{"field", "before", "after"}…]
    changes = models.JSONField(_("changes"), default=list)
    approved_at = models.DateTimeField(_("approved at"))
    approved_by = models.ForeignKey("accounts.User", verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "plan__jurisdiction__path"

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan", "-version"]
        constraints = [models.UniqueConstraint(fields=["plan", "version"], name="plans_version_once",
                                               violation_error_message=_("This version was approved already."))]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PlanAttachment(LedgerModel):
    """A file of a plan (the full text, maps, contact sheets), kept through Django's storage API and served
    only after the scope check."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="plans/%Y/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey("accounts.User", verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    scope_path = "plan__jurisdiction__path"

    class Meta:
        verbose_name = _("plan attachment")
        verbose_name_plural = _("plan attachments")
        ordering = ["plan", "created_at", "pk"]

    def __str__(self) -> str:
        return self.name
