"""Report workbooks of the hazards capability: the four-colour map figures (and later statistics, inspections)."""

from __future__ import annotations

from typing import Any

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.tabular import workbook_bytes, write_sheet
from yingji.hazards.imports import RiskPointTable
from yingji.hazards.models import RiskCategory, RiskGrade
from yingji.hazards.services import riskmap
from yingji.jurisdictions.models import Level


def _count_rows(rows: list[riskmap.AreaCounts]) -> list[list[Any]]:
    return [[str(Level(r.jurisdiction.level).label), r.jurisdiction.code, r.jurisdiction.name,
             *(r.by_grade[g] for g in RiskGrade.values), r.total, r.score] for r in rows]


def riskmap_workbook(user: Any, flt: riskmap.MapFilter) -> bytes:
    """Counts per street and per community, the points themselves, and the filter applied."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    header = [_("Level"), _("Code"), _("Name"), *(str(g.label) for g in RiskGrade), _("Total"), _("Weighted score")]
    widths = [10, 16, 18, 14, 14, 14, 14, 8, 10]
    write_sheet(book, _("Per street"), header, _count_rows(riskmap.counts(user, flt, Level.STREET)), widths)
    write_sheet(book, _("Per community"), header, _count_rows(riskmap.counts(user, flt, Level.COMMUNITY)), widths)
    table = RiskPointTable(user)
    objects = riskmap.points(user, flt).restrict(user, "export").select_related("jurisdiction").order_by("code")
    write_sheet(book, _("Risk points"), [str(c.header) for c in table.columns], table.rows(objects),
                [c.width for c in table.columns])
    params = [
        [_("Area"), f"{flt.area.name} ({flt.area.code})" if flt.area else _("All you may see")],
        [_("Categories"), "、".join(str(RiskCategory(c).label) for c in flt.categories) or _("All")],
        [_("Grades"), "、".join(str(RiskGrade(g).label) for g in flt.grades) or _("All")],
        [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
    ]
    write_sheet(book, _("Parameters"), [_("Parameter"), _("Value")], params, [20, 40])
    return workbook_bytes(book)
