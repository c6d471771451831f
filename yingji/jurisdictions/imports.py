"""The jurisdiction ledger as a table (Excel/CSV in and out)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.tabular import Column, TableSpec, integer, number, text
from yingji.jurisdictions import services
from yingji.jurisdictions.models import Jurisdiction, Level


class JurisdictionTable(TableSpec):
    model = Jurisdiction
    title = gettext_lazy("Jurisdictions")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Code"), required=True, parse=text(20), width=18),
        Column("name", gettext_lazy("Name"), required=True, parse=text(100), width=20),
        Column("level", gettext_lazy("Level"), required=True, choices=Level),
        Column("parent", gettext_lazy("Parent code"), parse=text(20), width=18,
               get=lambda j: j.parent.code if j.parent_id else ""),
        Column("centroid_lon", gettext_lazy("Centroid longitude"), parse=number(-180, 180)),
        Column("centroid_lat", gettext_lazy("Centroid latitude"), parse=number(-90, 90)),
        Column("population", gettext_lazy("Population"), parse=integer(0)),
        Column("households", gettext_lazy("Households"), parse=integer(0)),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return super().export_queryset().select_related("parent").order_by("path")

    def has_changes(self, existing: Any, values: dict[str, Any]) -> bool:
        parent_code = existing.parent.code if existing.parent_id else None
        if (values.get("parent") or None) != parent_code:
            return True
        return super().has_changes(existing, values)

    def save_row(self, values: dict[str, Any], existing: Jurisdiction | None) -> Jurisdiction:
        parent = None
        if values.get("parent"):
            parent = Jurisdiction.objects.visible_to(self.user).filter(code=values["parent"]).first()
            if parent is None:
                raise ValidationError({"parent": _("No jurisdiction with code %(code)s in your area.") % {
                    "code": values["parent"]}})
        fields = {key: values[key] for key in ("centroid_lon", "centroid_lat") if values.get(key) is not None}
        for key in ("population", "households"):
            if values.get(key) is not None:
                fields[key] = values[key]
        if existing is None:
            return services.create_jurisdiction(actor=self.user, level=values["level"], code=values["code"],
                                                name=values["name"], parent=parent, **fields)
        if existing.level != values["level"] or existing.parent_id != (parent.pk if parent else None):
            raise ValidationError({"level": _("Level and parent of an existing jurisdiction cannot be changed "
                                              "by import.")})
        return services.update_jurisdiction(existing, actor=self.user, name=values["name"], **fields)
