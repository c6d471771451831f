"""Forms of the supplies pages; their choices start from the user's scoped querysets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.scope import granted_paths
from yingji.jurisdictions.models import Jurisdiction
from yingji.supplies.models import Condition, Material, Warehouse


class WarehouseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Warehouse) -> str:
        return f"{obj.code} · {obj.name}"


class MaterialChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Material) -> str:
        return f"{obj.code} · {obj.name}（{obj.unit}）"


def _materials() -> Any:
    return Material.objects.filter(is_active=True).order_by("code")


class ReceiptForm(forms.Form):
    material = MaterialChoice(label=_("Material"), queryset=Material.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    batch = forms.CharField(label=_("Batch"), max_length=50, required=False)
    production_date = forms.DateField(label=_("Production date"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    expiry_date = forms.DateField(label=_("Expiry date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    condition = forms.ChoiceField(label=_("Condition"), choices=Condition.choices, initial=Condition.GOOD)
    reason = forms.CharField(label=pgettext_lazy("stock movement", "Reason"), max_length=200, initial=_("Purchase"))
    document = forms.CharField(label=_("Document"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = _materials()


class IssueForm(forms.Form):
    material = MaterialChoice(label=_("Material"), queryset=Material.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    reason = forms.CharField(label=pgettext_lazy("stock movement", "Reason"), max_length=200)
    document = forms.CharField(label=_("Incident or document number"), max_length=100, required=False)

    def __init__(self, *args: Any, warehouse: Warehouse, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = _materials().filter(balances__warehouse=warehouse,
                                                               balances__quantity__gt=0)


class AllocationForm(forms.Form):
    """The head of an allocation request; the lines come as a formset."""

    jurisdiction = forms.ModelChoiceField(label=_("Requested for"), queryset=Jurisdiction.objects.none())
    destination = WarehouseChoice(label=_("Destination warehouse"), queryset=Warehouse.objects.none(),
                                  required=False, help_text=_("Or leave empty and name the incident."))
    incident_ref = forms.CharField(label=_("Incident"), max_length=64, required=False)
    destination_text = forms.CharField(label=_("Deliver to"), max_length=200, required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Places the user may request for: their own subtree, down to communities.
        condition = Q(pk__in=[])
        for path in granted_paths(user, "supplies.request_allocation"):
            condition |= Q(path__startswith=path)
        self.fields["jurisdiction"].queryset = (Jurisdiction.objects.filter(condition).exclude(level="grid")
                                                .order_by("path"))
        self.fields["destination"].queryset = (Warehouse.objects.visible_to(user).filter(is_active=True)
                                               .order_by("code"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("destination") and not (data.get("incident_ref") or "").strip():
            self.add_error("incident_ref", _("Give a destination warehouse or an incident."))
        return data


class LineForm(forms.Form):
    """One line of a request: a source the user may ask from (requestable_sources_for), a material, units."""

    warehouse = WarehouseChoice(label=_("From warehouse"), queryset=Warehouse.objects.none())
    material = MaterialChoice(label=_("Material"), queryset=Material.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Its own warehouses first, then the street's depot and the district reserve (issue 13).
        self.fields["warehouse"].queryset = (Warehouse.objects.requestable_sources_for(user).filter(is_active=True)
                                             .order_by("-jurisdiction__depth", "code"))
        self.fields["material"].queryset = _materials()


LineFormSet = forms.formset_factory(LineForm, extra=0, min_num=1, validate_min=True, max_num=30)


class StepForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("Excel (.xlsx) or CSV"))
