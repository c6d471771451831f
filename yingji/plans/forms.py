"""Forms of the plan pages: the plan's fields and its card (a formset of steps).

Choice fields offer only rows the user sees; the services re-check the scope
and the rules when the form is saved (plans/services.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.accounts.roles import Role
from yingji.incidents import catalogue
from yingji.jurisdictions.models import Jurisdiction
from yingji.plans.models import CardStep, Plan, PlanKind, WhoKind
from yingji.plans.services import PLAN_LEVELS, StepIn
from yingji.resources.models import Team, TeamKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _area_label(j: Jurisdiction) -> str:
    return f"{'　' * max(j.depth - 1, 0)}{j.name} ({j.code})"


class PlanForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("Jurisdiction"), queryset=Jurisdiction.objects.none())
    title = forms.CharField(label=pgettext_lazy("plan", "Title"), max_length=200)
    kind = forms.ChoiceField(label=pgettext_lazy("plan", "Kind"), choices=PlanKind.choices)
    enterprise = forms.CharField(label=_("Enterprise"), max_length=200, required=False,
                                 help_text=_("Only for an enterprise's plan: the enterprise's name."))
    incident_types = forms.MultipleChoiceField(label=_("Incident types covered"), choices=catalogue.choices,
                                               required=False, widget=forms.SelectMultiple(attrs={"size": 8}))
    review_due = forms.DateField(label=_("Review due"), required=False, widget=DATE)
    summary = forms.CharField(label=pgettext_lazy("plan", "Summary"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any, plan: Plan | None = None, **kwargs: Any) -> None:
        if plan is not None:
            kwargs.setdefault("initial", {
                "title": plan.title, "kind": plan.kind, "enterprise": plan.enterprise,
                "incident_types": plan.incident_types, "review_due": plan.review_due, "summary": plan.summary})
        super().__init__(*args, **kwargs)
        if plan is not None:
            del self.fields["jurisdiction"]  # a plan stays where it was filed
        else:
            field = self.fields["jurisdiction"]
            field.queryset = Jurisdiction.objects.restrict(user, "plans.add_plan").filter(
                level__in=PLAN_LEVELS).order_by("path")
            field.label_from_instance = _area_label  # type: ignore[attr-defined]


def who_choices(user: Any) -> list[tuple[str, Any]]:
    """One select for who does a step: roles, team types and the named teams the user sees."""
    teams = Team.objects.visible_to(user).order_by("code").only("code", "name")
    return [("", "—"),
            (_("A role"), [(f"role:{v}", label) for v, label in Role.choices]),
            (_("A team type"), [(f"team_kind:{v}", label) for v, label in TeamKind.choices]),
            (_("A named team"), [(f"team:{t.code}", f"{t.name} ({t.code})") for t in teams])]


def who_value(step: CardStep) -> str:
    if step.who_kind == WhoKind.ROLE:
        return f"role:{step.who_role}"
    if step.who_kind == WhoKind.TEAM_KIND:
        return f"team_kind:{step.who_team_kind}"
    return f"team:{step.who_team.code}" if step.who_team else ""


class StepForm(forms.Form):
    what = forms.CharField(label=pgettext_lazy("card", "What"), max_length=200, required=False)
    who = forms.ChoiceField(label=pgettext_lazy("card", "Who"), required=False)
    how = forms.CharField(label=pgettext_lazy("card", "How"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    time_limit_minutes = forms.IntegerField(label=_("Time limit (minutes)"), required=False, min_value=1,
                                            max_value=7 * 24 * 60)

    def __init__(self, *args: Any, who: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = who

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("who") or data.get("how")) and not data.get("what"):
            self.add_error("what", _("Say what is done."))
        if data.get("what") and not data.get("who"):
            self.add_error("who", _("Say who does it."))
        return data

    def step(self) -> StepIn | None:
        """The step typed, or None for an empty row."""
        data = self.cleaned_data
        if not data.get("what"):
            return None
        kind, _sep, who = data["who"].partition(":")
        return StepIn(what=data["what"], who_kind=kind, who=who, how=data.get("how") or "",
                      time_limit_minutes=data.get("time_limit_minutes"))


StepFormSet = forms.formset_factory(StepForm, extra=3, max_num=60, validate_max=True)
