"""Forms of drills' pages (the services validate; these only shape the input)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.drills.models import DrillScope, DrillType, KeyField, RuleTarget
from yingji.drills.services import DRILL_LEVELS, plans_for
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.models import Member, Team

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _area_label(j: Jurisdiction) -> str:
    return f"{'　' * max(j.depth - 1, 0)}{j.name} ({j.code})"


class DrillForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("Held by"), queryset=Jurisdiction.objects.none())
    title = forms.CharField(label=pgettext_lazy("drill", "Title"), max_length=200)
    drill_type = forms.ChoiceField(label=_("Drill type"), choices=DrillType.choices)
    scope = forms.ChoiceField(label=_("Comprehensive or special"), choices=DrillScope.choices)
    key_field = forms.ChoiceField(label=_("Key field"), choices=[("", "—"), *KeyField.choices], required=False)
    held_on = forms.DateField(label=pgettext_lazy("drill", "Held on"), widget=DATE)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=7 * 24 * 60)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    plan = forms.ModelChoiceField(label=_("Plan exercised"), queryset=None, required=False)  # type: ignore[arg-type]
    teams = forms.ModelMultipleChoiceField(label=pgettext_lazy("drill", "Teams"), queryset=Team.objects.none(), required=False,
                                           widget=forms.SelectMultiple(attrs={"size": 6}))
    members = forms.ModelMultipleChoiceField(label=pgettext_lazy("drill", "Members"), queryset=Member.objects.none(), required=False,
                                             widget=forms.SelectMultiple(attrs={"size": 6}))
    participants = forms.IntegerField(label=_("Participants"), min_value=0, required=False,
                                      help_text=_("Everyone who took part; the members chosen when left empty."))
    findings = forms.CharField(label=pgettext_lazy("drill", "Findings"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        field.queryset = Jurisdiction.objects.restrict(user, "drills.add_drill").filter(
            level__in=DRILL_LEVELS).order_by("path")
        field.label_from_instance = _area_label  # type: ignore[attr-defined]
        self.fields["plan"].queryset = plans_for(user)
        self.fields["teams"].queryset = Team.objects.visible_to(user).order_by("code")
        self.fields["members"].queryset = Member.objects.visible_to(user).order_by("team__code", "name")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["teams"] = [t.code for t in data.pop("teams") or []]
        data["members"] = [m.pk for m in data.pop("members") or []]
        data["participants"] = data.get("participants") or 0
        data["key_field"] = data.get("key_field") or ""
        return data


class FollowUpForm(forms.Form):
    text = forms.CharField(label=_("Follow-up"), max_length=300)
    responsible = forms.CharField(label=_("Responsible"), max_length=100, required=False)
    due_on = forms.DateField(label=pgettext_lazy("drill", "Due on"), required=False, widget=DATE)


class RuleForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("Filed by"), queryset=Jurisdiction.objects.none())
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=RuleTarget.choices)
    scope = forms.ChoiceField(label=_("Comprehensive or special"), choices=[("", _("Any")), *DrillScope.choices],
                              required=False)
    key_field = forms.ChoiceField(label=_("Key field"), choices=[("", _("Any")), *KeyField.choices], required=False)
    minimum_per_year = forms.IntegerField(label=_("At least, per year"), min_value=1, max_value=365)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        field.queryset = Jurisdiction.objects.restrict(user, "drills.add_drillrule").filter(
            level__in=DRILL_LEVELS).order_by("path")
        field.label_from_instance = _area_label  # type: ignore[attr-defined]
