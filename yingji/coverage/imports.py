"""The risk-point list as a table (Excel/CSV in and out), so a street can load its register at once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.scope import ensure
from yingji.core.tabular import Column, TableSpec, boolean, choice, number, text
from yingji.coverage.models import RiskGrade, RiskKind, RiskPoint
from yingji.coverage.services import risk as services
from yingji.jurisdictions.models import Jurisdiction

COLOUR_WORDS = {"红": RiskGrade.RED, "橙": RiskGrade.ORANGE, "黄": RiskGrade.YELLOW, "蓝": RiskGrade.BLUE}


def grade() -> Any:
    """A grade by value, label (either language) or its colour in Chinese: 红/橙/黄/蓝(色)."""
    by_label = choice(RiskGrade)

    def parse(raw: str) -> str:
        word = raw.strip().removesuffix("色")
        return COLOUR_WORDS[word] if word in COLOUR_WORDS else by_label(raw)
    return parse


class RiskPointTable(TableSpec):
    model = RiskPoint
    title = gettext_lazy("Risk points")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Code"), required=True, parse=text(32), width=18),
        Column("name", gettext_lazy("Name"), required=True, parse=text(120), width=24),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, parse=text(20), width=18,
               get=lambda p: p.jurisdiction.code),
        Column("grade", gettext_lazy("Risk grade"), required=True, choices=RiskGrade, parse=grade(), width=20),
        Column("kind", gettext_lazy("Type"), choices=RiskKind, width=20),
        Column("lon", gettext_lazy("Longitude"), required=True, parse=number(-180, 180)),
        Column("lat", gettext_lazy("Latitude"), required=True, parse=number(-90, 90)),
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
        jurisdiction = Jurisdiction.objects.visible_to(self.user).filter(code=values["jurisdiction"]).first()
        if jurisdiction is None:
            raise ValidationError({"jurisdiction": _("No jurisdiction with code %(code)s in your area.") % {
                "code": values["jurisdiction"]}})
        fields = {"name": values["name"], "grade": values["grade"], "kind": values.get("kind") or RiskKind.OTHER,
                  "lon": values["lon"], "lat": values["lat"]}
        if existing is None:
            point = services.create_risk_point(actor=self.user, jurisdiction=jurisdiction, code=values["code"],
                                               **fields)
            if values.get("is_active") is False:
                services.update_risk_point(point, actor=self.user, is_active=False)
            return point
        if values.get("is_active") is not None:
            fields["is_active"] = values["is_active"]
        return services.update_risk_point(existing, actor=self.user, jurisdiction=jurisdiction, **fields)
