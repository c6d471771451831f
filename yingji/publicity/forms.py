"""The publicity event form: the event's fields and its photos in one go.

It only shapes the input: the jurisdictions offered are those where the user may add events
(core.scope), and services.create_event checks the fields and every photo (core/uploads.py: size,
real image bytes, at most MAX_PHOTOS at once) as it does for the API — one bad photo refuses the event.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.forms import FilesField, MultipleFileInput
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.publicity.models import Campaign, Venue
from yingji.publicity.services import MAX_AUDIENCE, MAX_PHOTOS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EVENT_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)


class EventForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("Jurisdiction"), queryset=Jurisdiction.objects.none())
    title = forms.CharField(label=pgettext_lazy("event", "Title"), max_length=200)
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    venue = forms.ChoiceField(label=_("Venue"), choices=[("", "—"), *Venue.choices], required=False)
    campaign = forms.ChoiceField(label=_("Campaign"), choices=[("", "—"), *Campaign.choices], required=False,
                                 help_text=_("An event of a campaign is held in its month."))
    place = forms.CharField(label=_("Place"), max_length=200)
    audience = forms.IntegerField(label=_("People reached"), min_value=0, max_value=MAX_AUDIENCE, required=False)
    organiser = forms.CharField(label=_("Organiser"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = FilesField(label=_("Photos"), required=False,
                        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                        help_text=_("Up to %(n)s photos (JPEG, PNG or WebP); more can be added later.")
                        % {"n": MAX_PHOTOS})

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        field.queryset = Jurisdiction.objects.restrict(user, "publicity.add_publicityevent").filter(
            level__in=EVENT_LEVELS).order_by("path")
        field.label_from_instance = lambda j: f"{'　' * max(j.depth - 1, 0)}{j.name} ({j.code})"  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["audience"] = data.get("audience") or 0
        return data
