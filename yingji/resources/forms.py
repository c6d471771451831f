"""Forms of the registry's pages. Choice fields offer only rows the user sees;
the services re-check the scope and the rules when the form is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.accounts.services import users_visible_to
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import (
    CertificateKind,
    Equipment,
    Expert,
    Facility,
    Member,
    MemberCertificate,
    Service,
    Specialty,
    Station,
    Team,
)


class ScopedForm(forms.ModelForm):
    """A ModelForm whose related-row choices are limited to what `user` may see.

    Model validation is left to the services (they run it with the scope
    checks), so the form only checks the shape of the input.
    """

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if "jurisdiction" in self.fields:
            field = self.fields["jurisdiction"]
            field.queryset = Jurisdiction.objects.visible_to(user).exclude(level=Level.CITY).order_by("path")
            field.label_from_instance = lambda j: f"{'　' * max(j.depth - 1, 0)}{j.name} ({j.code})"
        if "station" in self.fields:
            self.fields["station"].queryset = Station.objects.visible_to(user).order_by("code")
        if "team" in self.fields:
            self.fields["team"].queryset = Team.objects.visible_to(user).order_by("code")

    def _post_clean(self) -> None:
        # Skip ModelForm's model validation: the service validates (with scope) on save.
        return

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class StationForm(ScopedForm):
    services = forms.MultipleChoiceField(label=_("services offered"), choices=Service.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Station
        fields = ["jurisdiction", "code", "name", "kind", "address", "lon", "lat", "phone", "open_24h", "hours",
                  "services", "is_active", "photo"]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("photo") is None or (self.instance.pk and data.get("photo") == self.instance.photo):
            data.pop("photo", None)  # keep the current photo unless a new one was uploaded
        elif data.get("photo") is False:
            data["photo"] = ""  # "clear" ticked
        return data


class TeamForm(ScopedForm):
    specialties = forms.MultipleChoiceField(label=_("specialties"), choices=Specialty.choices, required=False,
                                            widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Team
        fields = ["jurisdiction", "station", "code", "name", "kind", "specialties", "status", "contact_name",
                  "contact_phone", "lon", "lat"]


class SkillsField(forms.CharField):
    """Skills as one line of text separated by 、 or commas; stored as a list."""

    def prepare_value(self, value: Any) -> Any:
        return "、".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        return [s.strip() for s in text.replace("，", ",").replace("、", ",").split(",") if s.strip()]


class MemberForm(ScopedForm):
    skills = SkillsField(label=_("skills"), required=False, help_text=_("Separate skills with 、 or commas."))

    class Meta:
        model = Member
        fields = ["team", "name", "phone", "id_number", "team_role", "skills", "training_hours", "on_duty", "user"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)

        self.fields["user"].queryset = users_visible_to(user).order_by("username")


class CertificateForm(forms.ModelForm):
    class Meta:
        model = MemberCertificate
        fields = ["kind", "number", "issued_on", "expires_on"]
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}),
                   "expires_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CertificateKind.choices
        self.fields["kind"].widget.attrs["aria-label"] = _("certificate")
        self.fields["number"].widget.attrs.update(placeholder=_("certificate number"),
                                                  **{"aria-label": _("certificate number")})

    def _post_clean(self) -> None:
        return


class ExpertForm(ScopedForm):
    class Meta:
        model = Expert
        fields = ["jurisdiction", "code", "name", "field", "organisation", "title", "phone", "available", "notes"]


class EquipmentForm(ScopedForm):
    class Meta:
        model = Equipment
        fields = ["jurisdiction", "station", "team", "code", "name", "kind", "count", "status", "plate_number",
                  "last_maintained_on", "next_maintenance_on"]
        widgets = {"last_maintained_on": forms.DateInput(attrs={"type": "date"}),
                   "next_maintenance_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["jurisdiction"].required = False
        self.fields["jurisdiction"].help_text = _("Leave empty to use the home station's or team's.")


class FacilityForm(ScopedForm):
    class Meta:
        model = Facility
        fields = ["jurisdiction", "code", "name", "kind", "status", "address", "lon", "lat", "contact_phone",
                  "capacity", "area_m2", "supplies_on_site"]


class MaintenanceForm(forms.Form):
    on = forms.DateField(label=_("maintained on"), widget=forms.DateInput(attrs={"type": "date"}))
    next_on = forms.DateField(label=_("next maintenance"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("Excel (.xlsx) or CSV"))
