"""Forms of the incident pages: intake, the public form, responder reports, close-out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.forms import FilesField
from yingji.incidents import catalogue
from yingji.incidents.models import Channel, Outcome, Severity

OFFICER_CHANNELS = [(v, label) for v, label in Channel.choices if v != Channel.PUBLIC]


def type_choices() -> list[tuple[str, object]]:
    """The types, with nothing chosen first: a type is picked, never defaulted to a flood (issue 13)."""
    return [("", _("— choose the type —")), *catalogue.choices()]


class IntakeForm(forms.Form):
    type_code = forms.ChoiceField(label=_("Type"), choices=type_choices)
    severity = forms.ChoiceField(label=pgettext_lazy("incident", "Severity"), choices=Severity.choices, initial=Severity.IV)
    channel = forms.ChoiceField(label=pgettext_lazy("incident", "Channel"), choices=OFFICER_CHANNELS, initial=Channel.PHONE)
    address = forms.CharField(label=_("Address or place"), max_length=200, required=False,
                              help_text=_("A community, station or landmark name is found on the map; "
                                          "or click the map to pick the point."))
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180,
                           widget=forms.HiddenInput)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    reporter_name = forms.CharField(label=_("Reporter"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Reporter phone"), max_length=20, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    photos = FilesField(label=_("Photos"), required=False)

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("lon") is None and not (data.get("address") or "").strip():
            raise forms.ValidationError(_("Give an address or pick the point on the map."))
        return data


class PublicForm(forms.Form):
    type_code = forms.ChoiceField(label=_("What happened"), choices=type_choices)
    address = forms.CharField(label=_("Where (community, building, landmark)"), max_length=200, required=False)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=2000)
    reporter_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    reporter_phone = forms.RegexField(label=_("Your phone"), regex=r"^[0-9+\- ]{5,20}$",
                                      error_messages={"invalid": _("Enter a phone number.")})
    photos = FilesField(label=_("Photos"), required=False)

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
    evaluation = forms.CharField(label=_("Evaluation notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class MaterialLineForm(forms.Form):
    """One line of the materials used at close-out: what, how many, and the warehouse it came from.

    `warehouse` is a code the close-out page offers (the nearest stores the
    officer may issue the material from, loaded as the material is picked);
    the service checks it again. Without one the line is only recorded.
    """

    name = forms.CharField(label=_("Material"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"list": "catalogue-materials", "autocomplete": "off"}))
    quantity = forms.DecimalField(label=_("Quantity"), required=False, min_value=Decimal("0.01"), decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False)
    warehouse = forms.CharField(label=_("Issued from"), max_length=32, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("name") and not data.get("quantity"):
            self.add_error("quantity", _("Enter a quantity."))
        elif not data.get("name") and (data.get("quantity") or data.get("warehouse")):
            self.add_error("name", _("Choose a material."))
        return data

    def line(self) -> dict[str, Any] | None:
        """The line as close_incident takes it; None for a blank row."""
        data = self.cleaned_data
        if not data.get("name"):
            return None
        return {"name": data["name"], "quantity": data["quantity"], "unit": data.get("unit", ""),
                "warehouse": data.get("warehouse") or None}


MaterialLineFormSet = forms.formset_factory(MaterialLineForm, extra=3, max_num=30)
MATERIALS_PREFIX = "materials"


def material_lines(data: Any = None) -> Any:
    """The close-out form's material lines, bound to `data` when it carries them."""
    if data is not None and f"{MATERIALS_PREFIX}-TOTAL_FORMS" in data:
        return MaterialLineFormSet(data, prefix=MATERIALS_PREFIX)
    return MaterialLineFormSet(prefix=MATERIALS_PREFIX)
