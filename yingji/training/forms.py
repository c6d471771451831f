"""Forms of the training pages: courses, sessions, the rules.

They only shape the input: choice fields offer rows the user sees (core.scope), and the services
(training/services.py) check everything again when the form is saved, as they do for the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.models import CertificateKind, Member, Team, TeamKind
from yingji.training.models import (
    Course,
    CoverageRule,
    OrganiserLevel,
    SessionKind,
    Topic,
    TrainingRule,
    TrainingSession,
)
from yingji.training.services import BACKBONE_ROLES, ORGANISER_LEVELS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DECIMAL = {"inputmode": "decimal", "step": "0.5"}


def area_label(j: Jurisdiction) -> str:
    return f"{'　' * max(j.depth - 1, 0)}{j.name} ({j.code})"


def _areas(user: Any, perm: str) -> Any:
    return Jurisdiction.objects.restrict(user, perm).filter(level__in=ORGANISER_LEVELS).order_by("path")


class CourseForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("Organiser"), queryset=Jurisdiction.objects.none(),
                                          help_text=_("The district, a street or a community: the course is "
                                                      "district-run, street-run or community-run."))
    title = forms.CharField(label=pgettext_lazy("course", "Title"), max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices, initial=Topic.GENERAL)
    hours = forms.DecimalField(label=pgettext_lazy("training", "Hours"), min_value=0, max_value=1000, decimal_places=1,
                               widget=forms.NumberInput(attrs=DECIMAL),
                               help_text=_("Hours of one whole session; an attendee is credited the share of "
                                           "the days attended."))
    certificate_kind = forms.ChoiceField(label=_("Certificate granted"), required=False,
                                         choices=[("", "—"), *CertificateKind.choices],
                                         help_text=_("Passing issues or renews this certificate of the member "
                                                     "(the resources ledger)."))
    certificate_years = forms.IntegerField(label=_("Certificate valid for (years)"), required=False, min_value=1,
                                           max_value=20)

    def __init__(self, *args: Any, user: Any, course: Course | None = None, **kwargs: Any) -> None:
        if course is not None:
            kwargs.setdefault("initial", {name: getattr(course, name) for name in
                                          ("title", "topic", "hours", "certificate_kind", "certificate_years")})
        super().__init__(*args, **kwargs)
        if course is not None:
            del self.fields["jurisdiction"]  # a course stays with its organiser
        else:
            field = self.fields["jurisdiction"]
            field.queryset = _areas(user, "training.add_course")
            field.label_from_instance = area_label  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["certificate_kind"] = data.get("certificate_kind") or ""
        data["hours"] = data.get("hours") if data.get("hours") is not None else 0
        return data


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    jurisdiction = forms.ModelChoiceField(label=_("Held in"), queryset=Jurisdiction.objects.none(),
                                          help_text=_("Inside the area of the course's organiser."))
    kind = forms.ChoiceField(label=pgettext_lazy("session", "Kind"), choices=SessionKind.choices,
                             initial=SessionKind.COURSE)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    days = forms.DecimalField(label=pgettext_lazy("training", "Days"), decimal_places=1,
                              widget=forms.NumberInput(attrs=DECIMAL))  # the range: services.create_session
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    trainer = forms.CharField(label=_("Trainer"), max_length=100, required=False,
                              help_text=_("Left empty: the backbone member's name."))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False,
                                  help_text=_("A monthly must-know session names its team."))
    trainer_member = forms.ModelChoiceField(label=_("Backbone member"), queryset=Member.objects.none(),
                                            required=False,
                                            help_text=_("Captain, vice captain, communicator or safety officer "
                                                        "who gave a monthly must-know session."))

    def __init__(self, *args: Any, user: Any, session: TrainingSession | None = None, **kwargs: Any) -> None:
        if session is not None:
            kwargs.setdefault("initial", {name: getattr(session, name) for name in
                                          ("course", "starts_on", "days", "place", "trainer", "team",
                                           "trainer_member")})
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = (Course.objects.visible_to(user).select_related("jurisdiction")
                                          .order_by("jurisdiction__path", "title"))
        self.fields["course"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.title} · {c.jurisdiction.name}")
        self.fields["team"].queryset = Team.objects.visible_to(user).order_by("code")
        self.fields["team"].label_from_instance = lambda t: f"{t.name} ({t.code})"  # type: ignore[attr-defined]
        self.fields["trainer_member"].queryset = (Member.objects.visible_to(user)
                                                  .filter(team_role__in=BACKBONE_ROLES).select_related("team")
                                                  .order_by("team__code", "name"))
        self.fields["trainer_member"].label_from_instance = (  # type: ignore[attr-defined]
            lambda m: f"{m.name} · {m.team.name} · {m.get_team_role_display()}")
        if session is not None:
            del self.fields["jurisdiction"], self.fields["kind"]  # where it is held and its kind stay
        else:
            field = self.fields["jurisdiction"]
            field.queryset = _areas(user, "training.add_trainingsession")
            field.label_from_instance = area_label  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TrainingRuleForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("Filed by"), queryset=Jurisdiction.objects.none(),
                                          help_text=_("Applies to every team member below it; the nearest rule wins."))
    organiser_level = forms.ChoiceField(label=_("Organiser level"), choices=OrganiserLevel.choices)
    min_days = forms.DecimalField(label=_("Required days a year"), min_value=0, max_value=365, decimal_places=1,
                                  widget=forms.NumberInput(attrs=DECIMAL))

    def __init__(self, *args: Any, user: Any, rule: TrainingRule | None = None, **kwargs: Any) -> None:
        if rule is not None:
            kwargs.setdefault("initial", {"min_days": rule.min_days})
        super().__init__(*args, **kwargs)
        if rule is not None:
            del self.fields["jurisdiction"], self.fields["organiser_level"]
        else:
            field = self.fields["jurisdiction"]
            field.queryset = _areas(user, "training.add_trainingrule")
            field.label_from_instance = area_label  # type: ignore[attr-defined]


class CoverageRuleForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("Filed by"), queryset=Jurisdiction.objects.none())
    cycle_years = forms.TypedChoiceField(label=_("Every how many years"), coerce=int,
                                         choices=[(n, str(n)) for n in range(1, 6)])
    team_kinds = forms.MultipleChoiceField(label=_("Team types"), choices=TeamKind.choices,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("Every member of these teams is trained once a cycle."))

    def __init__(self, *args: Any, user: Any, rule: CoverageRule | None = None, **kwargs: Any) -> None:
        if rule is not None:
            kwargs.setdefault("initial", {"cycle_years": rule.cycle_years, "team_kinds": rule.team_kinds})
        super().__init__(*args, **kwargs)
        if rule is not None:
            del self.fields["jurisdiction"]
        else:
            field = self.fields["jurisdiction"]
            field.queryset = _areas(user, "training.add_coveragerule")
            field.label_from_instance = area_label  # type: ignore[attr-defined]
