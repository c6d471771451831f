from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.jurisdictions.models import LEVEL_ORDER, Jurisdiction, Level


class JurisdictionForm(forms.ModelForm):
    class Meta:
        model = Jurisdiction
        fields = ["name", "population", "households", "centroid_lon", "centroid_lat"]


class NewJurisdictionForm(forms.ModelForm):
    class Meta:
        model = Jurisdiction
        fields = ["level", "code", "name", "population", "households", "centroid_lon", "centroid_lat"]

    def __init__(self, *args, parent: Jurisdiction, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)

        index = LEVEL_ORDER.index(Level(parent.level))
        allowed = LEVEL_ORDER[index + 1 : index + 2]
        self.fields["level"].choices = [(level.value, level.label) for level in allowed]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("Excel (.xlsx) or CSV"))
