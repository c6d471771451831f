"""Forms of the hazards pages: the public report (随手拍), risk points, patrol plans and inspections.

Choice fields offer only rows the user sees; the services re-check the scope
and the rules when a form is saved (hazards/services/).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from yingji.accounts.models import Membership, User
from yingji.core.forms import FilesField, MultipleFileInput
from yingji.core.masking import may_see_personal_data
from yingji.core.validators import validate_phone
from yingji.hazards.models import HazardSeverity, Inspector, PatrolPlan, RiskCategory, RiskPoint
from yingji.hazards.services import patrol as patrol_services
from yingji.jurisdictions.models import Jurisdiction, Level


class PhotosField(FilesField):
    """Several photos from one input, the phone's camera offered; each is checked by the service
    (core/uploads.py), not here."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})


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
    # The one phone rule (core.validators.check_phone): a mobile or a landline with its area code.
    reporter_phone = forms.CharField(label=_("Your phone (optional, for questions)"), max_length=20, required=False,
                                     validators=[validate_phone])
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Public: every community is offered (names only); the hazard lands in its queue.
        self.fields["community"].queryset = Jurisdiction.objects.filter(level=Level.COMMUNITY).order_by("path")


# ---------------------------------------------------------------- ledger forms (risk points, plans, inspections)
def _area_label(j: Jurisdiction) -> str:
    return f"{'　' * max(j.depth - 1, 0)}{j.name} ({j.code})"


class ScopedForm(forms.ModelForm):
    """A ModelForm whose choices are rows `user` sees; the services check the scope and the rules on save
    (ModelForm's model validation is skipped for that reason), this form only the shape of the input."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def _post_clean(self) -> None:
        return

    def _areas(self, *levels: str) -> None:
        field = self.fields["jurisdiction"]
        field.queryset = Jurisdiction.objects.visible_to(self.user).filter(level__in=levels).order_by("path")
        field.label_from_instance = _area_label

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AreaField(forms.JSONField):
    """A GeoJSON polygon typed or pasted; no area is an empty box (not "null")."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else super().prepare_value(value)


class RiskPointForm(ScopedForm):
    reason = forms.CharField(label=_("Reason for the grade"), max_length=300, required=False,
                             help_text=_("Kept in the grading history when the grade is set or changed."))

    class Meta:
        model = RiskPoint
        fields = ["jurisdiction", "code", "name", "category", "grade", "lon", "lat", "address", "area",
                  "responsible_unit", "responsible_person", "responsible_phone", "control_measures", "review_date",
                  "is_active"]
        widgets = {"review_date": DATE, "control_measures": forms.Textarea(attrs={"rows": 3}),
                   "area": forms.Textarea(attrs={"rows": 2, "placeholder": '{"type": "Polygon", "coordinates": …}'})}
        field_classes = {"area": AreaField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._areas(Level.STREET, Level.COMMUNITY, Level.GRID)
        if self.instance.pk:
            del self.fields["code"]  # the code names the point in Excel and the API: it does not change
        path = self.instance.jurisdiction.path if self.instance.pk else None
        # Editors hold the personal-data permission (community, street, district); anyone else who may
        # edit does not get the phone in the form at all rather than a masked value to save back.
        if path is not None and not may_see_personal_data(self.user, path):
            del self.fields["responsible_phone"]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("address", "responsible_unit", "responsible_person", "responsible_phone", "code", "name"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        return data


class RouteField(forms.CharField):
    """The route as risk point codes in walking order, one a line (or separated by commas or 、)."""

    widget = forms.Textarea(attrs={"rows": 5, "placeholder": "RP-001\nRP-002"})

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        for sep in ("，", "、", ",", "\r"):
            text = text.replace(sep, "\n")
        return list(dict.fromkeys(c.strip() for c in text.split("\n") if c.strip()))


class PatrolPlanForm(ScopedForm):
    route = RouteField(label=_("Route (risk point codes in order)"),
                       help_text=_("One code a line, in the order they are walked; the points must lie in the "
                                   "grid's community."))

    class Meta:
        model = PatrolPlan
        fields = ["jurisdiction", "name", "worker", "frequency", "tolerance_m", "starts_on", "is_active"]
        widgets = {"starts_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._areas(Level.GRID)
        grids = list(self.fields["jurisdiction"].queryset[:2])
        if len(grids) == 1 and not self.instance.pk:
            self.initial.setdefault("jurisdiction", grids[0].pk)  # a community with one grid: nothing to choose
        # The service checks the same range; here it is named beside the other fields' errors.
        tolerance = self.fields["tolerance_m"]
        tolerance.validators += [MinValueValidator(5), MaxValueValidator(5000)]
        tolerance.widget.attrs.update({"min": 5, "max": 5000})
        # People holding a role somewhere the user sees; the service checks they are of the grid's community.
        people = Membership.objects.filter(
            jurisdiction__in=Jurisdiction.objects.visible_to(self.user)).values("user_id")
        self.fields["worker"].queryset = User.objects.filter(pk__in=people, is_active=True).order_by("username")
        if self.instance.pk and not self.is_bound:
            self.initial["route"] = "\n".join(self.instance.stops.order_by("order").values_list(
                "risk_point__code", flat=True))

    def clean_route(self) -> list[RiskPoint]:
        try:
            return patrol_services.route_points(self.user, self.cleaned_data["route"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["route"]) from exc

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["points"] = data.pop("route")
        return data


class InspectorForm(ScopedForm):
    """A street's inspector and their enforcement certificate (number, issuer, valid until: all or none)."""

    class Meta:
        model = Inspector
        fields = ["jurisdiction", "staff_number", "name", "certificate_number", "certificate_issuer",
                  "certificate_valid_until", "is_active"]
        widgets = {"certificate_valid_until": DATE}
        help_texts = {"certificate_number": _("Leave the three certificate fields empty for staff without one.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._areas(Level.STREET)
        if self.instance.pk:
            del self.fields["staff_number"]  # the staff number names the inspector in Excel and the API
        streets = list(self.fields["jurisdiction"].queryset[:2])
        if len(streets) == 1 and not self.instance.pk:
            self.initial.setdefault("jurisdiction", streets[0].pk)


class InspectionForm(forms.Form):
    """An enforcement inspection; each line of `hazards` opens a hazard (source: inspection)."""

    inspector = forms.ModelChoiceField(label=_("Inspector"), queryset=Inspector.objects.none())
    place = forms.CharField(label=_("Enterprise or place"), max_length=120)
    risk_point = forms.CharField(label=_("Risk point code (optional)"), max_length=32, required=False)
    inspected_on = forms.DateField(label=_("Date"), widget=DATE)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                               max_length=4000)
    hazards = forms.CharField(label=_("Hazards found (one a line)"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Each line opens a hazard in the place's community."))
    severity = forms.ChoiceField(label=_("Severity of the hazards found"), choices=HazardSeverity.choices,
                                 initial=HazardSeverity.GENERAL)
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["inspector"].queryset = (Inspector.objects.visible_to(user).filter(is_active=True)
                                             .select_related("jurisdiction").order_by("jurisdiction__path", "name"))
        self.fields["inspector"].label_from_instance = lambda i: f"{i.name} ({i.staff_number}) · {i.jurisdiction.name}"

    def clean_risk_point(self) -> RiskPoint | None:
        code = self.cleaned_data["risk_point"].strip()
        if not code:
            return None
        found = RiskPoint.objects.visible_to(self.user).filter(code=code).select_related("jurisdiction").first()
        if found is None:
            raise forms.ValidationError(_("No risk point with code %(code)s in your area.") % {"code": code})
        return found

    def clean_hazards(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["hazards"].splitlines() if line.strip()]
        too_long = [i + 1 for i, line in enumerate(lines) if len(line) > 120]
        if too_long:
            raise forms.ValidationError(_("Line %(line)s is longer than 120 characters.") % {"line": too_long[0]})
        return lines
