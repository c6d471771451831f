"""Forms of the incident pages: intake, the public form, responder reports, close-out."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.incidents import catalogue
from yingji.incidents.models import Channel, Outcome, Severity

OFFICER_CHANNELS = [(v, label) for v, label in Channel.choices if v != Channel.PUBLIC]
PUBLIC_TYPES = [c for c in catalogue.choices()]


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiFileField(forms.FileField):
    widget = MultiFileInput

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        if isinstance(data, list | tuple):
            return [super(MultiFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class IntakeForm(forms.Form):
    type_code = forms.ChoiceField(label=_("Type"), choices=catalogue.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.IV)
    channel = forms.ChoiceField(label=_("Channel"), choices=OFFICER_CHANNELS, initial=Channel.PHONE)
    address = forms.CharField(label=_("Address or place"), max_length=200, required=False,
                              help_text=_("A community, station or landmark name is found on the map; "
                                          "or click the map to pick the point."))
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180,
                           widget=forms.HiddenInput)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    reporter_name = forms.CharField(label=_("Reporter"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Reporter phone"), max_length=20, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    photos = MultiFileField(label=_("Photos"), required=False)

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("lon") is None and not (data.get("address") or "").strip():
            raise forms.ValidationError(_("Give an address or pick the point on the map."))
        return data


class PublicForm(forms.Form):
    type_code = forms.ChoiceField(label=_("What happened"), choices=catalogue.choices)
    address = forms.CharField(label=_("Where (community, building, landmark)"), max_length=200, required=False)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=2000)
    reporter_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    reporter_phone = forms.RegexField(label=_("Your phone"), regex=r"^[0-9+\- ]{5,20}$",
                                      error_messages={"invalid": _("Enter a phone number.")})
    photos = MultiFileField(label=_("Photos"), required=False)

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("lon") is None and not (data.get("address") or "").strip():
            raise forms.ValidationError(_("Tell us where, or pick the point on the map."))
        return data


class StepForm(forms.Form):
    people_sent = forms.IntegerField(label=_("People sent"), min_value=0, max_value=500, required=False)
    vehicles_sent = forms.IntegerField(label=_("Vehicles sent"), min_value=0, max_value=100, required=False)
    equipment_sent = forms.CharField(label=_("Equipment sent"), max_length=300, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)
    photo = forms.FileField(label=_("Photo"), required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[c for c in Outcome.choices if c[0] != Outcome.DUPLICATE])
    deaths = forms.IntegerField(label=_("Deaths"), min_value=0, initial=0)
    injuries = forms.IntegerField(label=_("Injuries"), min_value=0, initial=0)
    rescued = forms.IntegerField(label=_("People rescued"), min_value=0, initial=0)
    loss_yuan = forms.DecimalField(label=_("Direct loss (yuan)"), min_value=0, initial=0, decimal_places=2)
    materials = forms.CharField(label=_("Materials used"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=_("One per line: name, quantity, unit — e.g. “灭火器, 2, 具”."))
    evaluation = forms.CharField(label=_("Evaluation notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_materials(self) -> list[dict[str, object]]:
        rows = []
        for n, line in enumerate((self.cleaned_data.get("materials") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            try:
                quantity = float(parts[1]) if len(parts) > 1 else 0
            except ValueError:
                quantity = 0
            if not parts[0] or quantity <= 0:
                raise forms.ValidationError(_("Line %(n)s: give a material and a positive quantity.") % {"n": n})
            rows.append({"name": parts[0], "quantity": quantity, "unit": parts[2] if len(parts) > 2 else ""})
        return rows
