"""Forms of the duty pages. People are chosen among those who may stand duty in the jurisdiction."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from yingji.accounts.models import User
from yingji.duty import times
from yingji.duty.models import EXTRA_KINDS, EntryKind, RosterPattern, Shift, ShiftKind
from yingji.duty.services import rosters
from yingji.jurisdictions.models import Jurisdiction

SLOT_LINE = re.compile(r"^\s*(?P<label>\S.*?)\s+(?P<start>\d{1,2}[:：]\d{2})\s*[-–—~至到]\s*(?P<end>\d{1,2}[:：]\d{2})\s*$")
LIST_SPLIT = re.compile(r"[、,，;；]+")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return rosters.person_label(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return rosters.person_label(obj)


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _StaffForm(forms.Form):
    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        staff = rosters.eligible_staff(jurisdiction)
        self.fields["leader"].queryset = staff
        self.fields["members"].queryset = staff


class ShiftForm(_StaffForm):
    label = forms.CharField(label=gettext_lazy("Shift"), max_length=40)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ShiftKind.choices, initial=ShiftKind.REGULAR)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=_datetime_input())
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends at"), widget=_datetime_input())
    leader = PersonChoice(label=gettext_lazy("Leader"), queryset=None)
    members = PeopleChoice(label=gettext_lazy("People on duty"), queryset=None, required=False,
                           widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class ExtraShiftsForm(_StaffForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[(k.value, k.label) for k in EXTRA_KINDS],
                             initial=ShiftKind.REINFORCED)
    label = forms.CharField(label=gettext_lazy("Shift"), max_length=40, initial=gettext_lazy("Reinforced duty"))
    first_day = forms.DateField(label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=gettext_lazy("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=gettext_lazy("Start"), initial=datetime.time(8),
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=gettext_lazy("End"), initial=datetime.time(8),
                          help_text=gettext_lazy("An end at or before the start is on the next day."),
                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    leader = PersonChoice(label=gettext_lazy("Leader"), queryset=None)
    members = PeopleChoice(label=gettext_lazy("People on duty"), queryset=None, required=False,
                           widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False,
                           help_text=gettext_lazy("For example: typhoon “Haikui”, orange warning."))


class GenerateForm(forms.Form):
    pattern = forms.ModelChoiceField(label=gettext_lazy("Pattern"), queryset=RosterPattern.objects.none())
    month = forms.CharField(label=gettext_lazy("Month"), widget=forms.TextInput(attrs={"type": "month"}))
    replace = forms.BooleanField(label=gettext_lazy("Replace the shifts of that month that have not started"),
                                 required=False)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pattern"].queryset = RosterPattern.objects.filter(jurisdiction=jurisdiction).order_by("name")

    def clean_month(self) -> tuple[int, int]:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", self.cleaned_data["month"].strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(_("Give a month as YYYY-MM."))
        return int(match.group(1)), int(match.group(2))


def _slot_lines(text: str) -> list[dict[str, str]]:
    slots = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = SLOT_LINE.match(line)
        if match is None:
            raise ValidationError(_("Line %(n)s: write a shift as “Day 08:00-20:00”.") % {"n": number})
        slots.append({k: match.group(k).replace("：", ":") for k in ("label", "start", "end")})
    return slots


def _crew_lines(text: str, staff: list[Any]) -> list[dict[str, Any]]:
    """"张三：李四、王五" — the leader before the colon, the members after it."""
    crews = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        leader_text, _sep, members_text = line.replace("：", ":").partition(":")
        try:
            leader = rosters.find_person(leader_text, staff)
            members = [rosters.find_person(m, staff) for m in LIST_SPLIT.split(members_text) if m.strip()]
        except ValueError as exc:
            raise ValidationError(_("Line %(n)s: %(error)s") % {"n": number, "error": exc}) from exc
        crews.append({"leader": leader.pk, "members": [m.pk for m in members]})
    return crews


def crews_as_text(crews: list[dict[str, Any]]) -> str:
    people = {u.pk: rosters.person_label(u) for u in
              User.objects.filter(pk__in={p for c in crews for p in [c["leader"], *c["members"]]})}
    return "\n".join(f"{people.get(c['leader'], '?')}：{'、'.join(people.get(m, '?') for m in c['members'])}"
                     for c in crews)


def slots_as_text(slots: list[dict[str, str]]) -> str:
    return "\n".join(f"{s['label']} {s['start']}-{s['end']}" for s in slots)


class PatternForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60, initial=gettext_lazy("Day and night"))
    slots = forms.CharField(label=gettext_lazy("Shifts of a day"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=gettext_lazy("One a line: name, start-end (an end at or before the start "
                                                   "is on the next day), e.g. “Day 08:00-20:00”."))
    crews = forms.CharField(label=gettext_lazy("Crews, in turn"), widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=gettext_lazy("One a line: the leader, a colon, the members separated by 、 "
                                                   "(names or user names)."))
    holiday_slots = forms.CharField(label=gettext_lazy("Extra shifts on public holidays"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    holiday_crews = forms.CharField(label=gettext_lazy("Crews of the holiday shifts"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = list(rosters.eligible_staff(jurisdiction))

    def clean_slots(self) -> list[dict[str, str]]:
        return _slot_lines(self.cleaned_data["slots"])

    def clean_holiday_slots(self) -> list[dict[str, str]]:
        return _slot_lines(self.cleaned_data.get("holiday_slots") or "")

    def clean_crews(self) -> list[dict[str, Any]]:
        return _crew_lines(self.cleaned_data["crews"], self.staff)

    def clean_holiday_crews(self) -> list[dict[str, Any]]:
        return _crew_lines(self.cleaned_data.get("holiday_crews") or "", self.staff)

    @classmethod
    def initial_for(cls, pattern: RosterPattern) -> dict[str, Any]:
        return {"name": pattern.name, "slots": slots_as_text(pattern.slots), "crews": crews_as_text(pattern.crews),
                "holiday_slots": slots_as_text(pattern.holiday_slots),
                "holiday_crews": crews_as_text(pattern.holiday_crews)}


class LogEntryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=EntryKind.choices, initial=EntryKind.CALL)
    summary = forms.CharField(label=pgettext_lazy("duty log", "What"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    at = forms.DateTimeField(label=gettext_lazy("Time"), required=False, widget=_datetime_input(),
                             help_text=gettext_lazy("Leave empty for now."))
    subject = forms.ChoiceField(label=gettext_lazy("About"), required=False, choices=[])

    def __init__(self, *args: Any, subjects: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", _("—"))] + list(subjects)


class HandoverForm(forms.Form):
    notes = forms.CharField(label=gettext_lazy("Handover notes"), max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=gettext_lazy("What happened, what is pending, what the next shift must follow up."))


class ReportForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label=gettext_lazy("Duty summary"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def clean_day(self) -> datetime.date:
        day = self.cleaned_data["day"]
        if day > times.local_day(timezone.now()):
            raise ValidationError(_("A day to come has no report yet."))
        return day


class HolidayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=40)


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel or CSV file"))


class IncidentReportForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Report title"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Report"), max_length=8000, widget=forms.Textarea(attrs={"rows": 10}))


class ShiftChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Shift) -> str:
        start = timezone.localtime(obj.starts_at, times.zone())
        return f"{start:%m-%d %H:%M} {obj.label} · {obj.leader}"


class SwapForm(forms.Form):
    replacement = PersonChoice(label=gettext_lazy("Colleague who stands in"), queryset=None)
    counterpart = ShiftChoice(label=gettext_lazy("In exchange for their shift (optional)"), queryset=None,
                              required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    def __init__(self, *args: Any, shift: Shift, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_it = [shift.leader_id, *shift.staff.values_list("user_id", flat=True)]
        self.fields["replacement"].queryset = rosters.eligible_staff(shift.jurisdiction).exclude(pk__in=on_it)
        self.fields["counterpart"].queryset = (
            Shift.objects.filter(jurisdiction=shift.jurisdiction, starts_at__gt=timezone.now(),
                                 starts_at__lt=shift.starts_at + datetime.timedelta(days=31))
            .exclude(pk=shift.pk).select_related("leader").order_by("starts_at"))
