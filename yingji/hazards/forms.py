"""Forms of the hazards pages: the public report (随手拍)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.hazards.models import RiskCategory
from yingji.jurisdictions.models import Jurisdiction, Level


class MultiPhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input; each is checked by the service (core/uploads.py), not here."""

    widget = MultiPhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class PublicReportForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Jurisdiction.objects.none(),
                                       to_field_name="code", empty_label=_("— choose your community —"))
    category = forms.ChoiceField(label=_("What kind of place"), choices=RiskCategory.choices,
                                 initial=RiskCategory.OTHER)
    title = forms.CharField(label=_("What is wrong"), max_length=120,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. fire lane blocked by cars")}))
    address = forms.CharField(label=_("Where exactly"), max_length=200, required=False)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=2000)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    reporter_phone = forms.RegexField(label=_("Your phone (optional, for questions)"), regex=r"^1[3-9]\d{9}$",
                                      required=False, error_messages={"invalid": _("Enter an 11-digit mobile number.")})
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Public: every community is offered (names only); the hazard lands in its queue.
        self.fields["community"].queryset = Jurisdiction.objects.filter(level=Level.COMMUNITY).order_by("path")
