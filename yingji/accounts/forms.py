"""Forms of the user management pages (accounts/views.py); the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.jurisdictions.models import Jurisdiction

PASSWORD_HELP = _("Leave empty to make a one-time password, shown to you once. Either way the person "
                  "chooses their own password at the first sign-in.")


class JurisdictionChoice(forms.ModelChoiceField):
    """A jurisdiction picker indented by level (street › community › grid)."""

    def label_from_instance(self, obj: Jurisdiction) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


class MembershipForm(forms.Form):
    """A role in a jurisdiction; the choices are what the actor may grant (accounts/services.py)."""

    role = forms.ChoiceField(label=_("Role"))
    jurisdiction = JurisdictionChoice(label=_("Jurisdiction"), queryset=Jurisdiction.objects.none())

    def __init__(self, *args: Any, roles: list[tuple[str, str]], jurisdictions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "---------"), *roles]  # type: ignore[attr-defined]
        self.fields["jurisdiction"].queryset = jurisdictions.order_by("path")  # type: ignore[attr-defined]


class PersonForm(forms.Form):
    display_name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))


class UserEditForm(PersonForm):
    email = forms.CharField(label=pgettext_lazy("person", "Email"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "off"}))


class UserCreateForm(PersonForm, MembershipForm):
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("What the person signs in with: letters, digits and @/./+/-/_."),
                               widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}))
    password = forms.CharField(label=_("Initial password"), required=False, strip=False, help_text=PASSWORD_HELP,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    field_order = ["username", "display_name", "phone", "role", "jurisdiction", "password"]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New password"), required=False, strip=False, help_text=PASSWORD_HELP,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
