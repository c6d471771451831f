"""The hazards ledgers as tables (Excel/CSV in and out): risk points, inspectors.

Exports pass personal data (phones) through the masking gate; the same
columns are read back on import, rows matched by code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.masking import phone_for
from yingji.core.scope import ensure
from yingji.core.tabular import Column, TableSpec, boolean, choice, date, number, text
from yingji.hazards.models import Inspector, RiskCategory, RiskGrade, RiskPoint
from yingji.hazards.services import inspections as inspection_services
from yingji.hazards.services import risk as services
from yingji.jurisdictions.models import Jurisdiction

COLOUR_WORDS = {"红": RiskGrade.RED, "橙": RiskGrade.ORANGE, "黄": RiskGrade.YELLOW, "蓝": RiskGrade.BLUE}
LEVEL_WORDS = {"重大": RiskGrade.RED, "较大": RiskGrade.ORANGE, "一般": RiskGrade.YELLOW, "低": RiskGrade.BLUE}


def grade() -> Any:
    """A grade by value, label (either language), its colour (红/橙/黄/蓝色) or its level (重大/较大/一般/低风险)."""
    by_label = choice(RiskGrade)

    def parse(raw: str) -> str:
        word = raw.strip().removesuffix("色")
        level = raw.strip().removesuffix("风险")
        if word in COLOUR_WORDS:
            return COLOUR_WORDS[word]
        if level in LEVEL_WORDS:
            return LEVEL_WORDS[level]
        return by_label(raw)
    return parse


def _visible_jurisdiction(user: Any, code: str) -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.visible_to(user).filter(code=code).first()
    if jurisdiction is None:
        raise ValidationError({"jurisdiction": _("No jurisdiction with code %(code)s in your area.") % {"code": code}})
    return jurisdiction


class _MaskedPhones(TableSpec):
    """Exports show a phone only to those who may see personal data over the row."""

    phone_fields: tuple[str, ...] = ()

    def rows(self, objects: Iterable[Any]) -> Iterator[list[Any]]:
        for obj in objects:
            for name in self.phone_fields:
                setattr(obj, name, phone_for(self.user, getattr(obj, name), obj.jurisdiction.path))
            yield [column.value_of(obj) for column in self.columns]


class RiskPointTable(_MaskedPhones):
    model = RiskPoint
    title = gettext_lazy("Risk points")
    natural_key = ("code",)
    phone_fields = ("responsible_phone",)
    columns = [
        Column("code", gettext_lazy("Code"), required=True, parse=text(32), width=18),
        Column("name", gettext_lazy("Name"), required=True, parse=text(120), width=24),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, parse=text(20), width=18,
               get=lambda p: p.jurisdiction.code),
        Column("grade", gettext_lazy("Risk grade"), required=True, choices=RiskGrade, parse=grade(), width=20),
        Column("category", gettext_lazy("Category"), choices=RiskCategory, width=20),
        Column("lon", gettext_lazy("Longitude"), required=True, parse=number(-180, 180)),
        Column("lat", gettext_lazy("Latitude"), required=True, parse=number(-90, 90)),
        Column("address", gettext_lazy("Address"), parse=text(200), width=24),
        Column("responsible_unit", gettext_lazy("Responsible unit"), parse=text(120), width=20),
        Column("responsible_person", gettext_lazy("Responsible person"), parse=text(50)),
        Column("responsible_phone", gettext_lazy("Responsible person's phone"), parse=text(20)),
        Column("control_measures", gettext_lazy("Control measures"), parse=text(2000), width=30),
        Column("review_date", gettext_lazy("Next review"), parse=date(), width=12),
        Column("is_active", gettext_lazy("Active"), parse=boolean(), width=8),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return RiskPoint.objects.restrict(self.user, "export").select_related("jurisdiction").order_by("code")

    def find_existing(self, values: dict[str, Any]) -> RiskPoint | None:
        existing = RiskPoint.objects.filter(code=values["code"]).select_related("jurisdiction").first()
        if existing is not None:
            ensure(self.user, "change", existing)  # another area's code: 404, like any lookup
        return existing

    def has_changes(self, existing: Any, values: dict[str, Any]) -> bool:
        if values.get("jurisdiction") != existing.jurisdiction.code:
            return True
        return super().has_changes(existing, values)

    def save_row(self, values: dict[str, Any], existing: RiskPoint | None) -> RiskPoint:
        jurisdiction = _visible_jurisdiction(self.user, values["jurisdiction"])
        fields = {"name": values["name"], "grade": values["grade"],
                  "category": values.get("category") or RiskCategory.OTHER,
                  "lon": values["lon"], "lat": values["lat"]}
        for name in ("address", "responsible_unit", "responsible_person", "responsible_phone", "control_measures"):
            if name in values:
                fields[name] = values[name] or ""
        if "review_date" in values:
            fields["review_date"] = values["review_date"]
        reason = _("Imported")
        if existing is None:
            point = services.create_risk_point(actor=self.user, jurisdiction=jurisdiction, code=values["code"],
                                               reason=reason, **fields)
            if values.get("is_active") is False:
                services.update_risk_point(point, actor=self.user, is_active=False)
            return point
        if values.get("is_active") is not None:
            fields["is_active"] = values["is_active"]
        return services.update_risk_point(existing, actor=self.user, jurisdiction=jurisdiction, reason=reason,
                                          **fields)


class InspectorTable(TableSpec):
    model = Inspector
    title = gettext_lazy("Inspectors")
    natural_key = ("staff_number",)
    columns = [
        Column("staff_number", gettext_lazy("Staff number"), required=True, parse=text(32), width=16),
        Column("name", gettext_lazy("Name"), required=True, parse=text(50)),
        Column("jurisdiction", gettext_lazy("Street code"), required=True, parse=text(20), width=18,
               get=lambda i: i.jurisdiction.code),
        Column("certificate_number", gettext_lazy("Enforcement certificate number"), parse=text(40), width=22),
        Column("certificate_issuer", gettext_lazy("Certificate issued by"), parse=text(100), width=22),
        Column("certificate_valid_until", gettext_lazy("Certificate valid until"), parse=date(), width=14),
        Column("is_active", gettext_lazy("Active"), parse=boolean(), width=8),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return Inspector.objects.restrict(self.user, "export").select_related("jurisdiction").order_by("staff_number")

    def find_existing(self, values: dict[str, Any]) -> Inspector | None:
        existing = Inspector.objects.filter(staff_number=values["staff_number"]).select_related("jurisdiction").first()
        if existing is not None:
            ensure(self.user, "change", existing)
        return existing

    def has_changes(self, existing: Any, values: dict[str, Any]) -> bool:
        if values.get("jurisdiction") != existing.jurisdiction.code:
            return True
        return super().has_changes(existing, values)

    def save_row(self, values: dict[str, Any], existing: Inspector | None) -> Inspector:
        jurisdiction = _visible_jurisdiction(self.user, values["jurisdiction"])
        fields = {"name": values["name"], "certificate_number": values.get("certificate_number") or "",
                  "certificate_issuer": values.get("certificate_issuer") or "",
                  "certificate_valid_until": values.get("certificate_valid_until")}
        if values.get("is_active") is not None:
            fields["is_active"] = values["is_active"]
        if existing is None:
            return inspection_services.create_inspector(actor=self.user, jurisdiction=jurisdiction,
                                                        staff_number=values["staff_number"], **fields)
        return inspection_services.update_inspector(existing, actor=self.user, jurisdiction=jurisdiction, **fields)
