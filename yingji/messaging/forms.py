"""Forms of the messaging pages: robot targets, contact lists and contacts, imports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.messaging.models import RobotFormat, Topic


class RobotForm(forms.Form):
    """A robot target (a duty group's robot); `jurisdictions` are those the user may add one in."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. the street duty group"))
    jurisdiction = forms.ModelChoiceField(label=_("Jurisdiction"), queryset=None,  # type: ignore[arg-type]
                                          help_text=_("It hears about this area and all inside it."))
    format = forms.ChoiceField(label=_("Format"), choices=RobotFormat.choices, initial=RobotFormat.GENERIC)
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("The robot's webhook address, from the group's robot settings."))
    secret = forms.CharField(label=_("Signing secret"), max_length=200, required=False, strip=True,
                             widget=forms.PasswordInput(render_value=False),
                             help_text=_("DingTalk robots: the SEC… secret; generic: HMAC-SHA256 key."))
    topics = forms.MultipleChoiceField(label=_("Topics"), choices=Topic.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple, initial=[Topic.INCIDENTS],
                                       help_text=_("What the group hears about."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, jurisdictions: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions  # type: ignore[attr-defined]
        if editing:
            self.fields["secret"].help_text = _("Leave empty to keep the stored secret.")
            self.fields["clear_secret"] = forms.BooleanField(label=_("Remove the signing secret"), required=False)


class ContactListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. the key people of a building"))
    jurisdiction = forms.ModelChoiceField(label=_("Jurisdiction"), queryset=None)  # type: ignore[arg-type]
    description = forms.CharField(label=pgettext_lazy("message", "Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, jurisdictions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions  # type: ignore[attr-defined]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    unit = forms.CharField(label=_("Unit"), max_length=100, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel or CSV file"))
