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


def compliance_workbook(rows: list[Any]) -> bytes:
    """Per street the enforcement figures of the week, and every inspector with their count."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    yes, no = _("Yes"), _("No")
    write_sheet(book, _("Per street"), [
        _("Street"), _("Code"), _("Inspectors"), _("Certified"), _("Certified share (%)"), _("Inspections"),
        # xgettext:no-python-format
        _("Target ≥ 50 % certified"), _("Target ≥ 1 a week each")], [
        [r.street.name, r.street.code, r.inspectors, r.certified,
         "" if r.certified_share is None else round(r.certified_share * 100, 1), r.inspections,
         yes if r.meets_certified else no, yes if r.meets_weekly else no] for r in rows],
        [16, 16, 10, 10, 14, 10, 16, 16])
    write_sheet(book, _("Per inspector"), [_("Street"), _("Staff number"), _("Name"), _("Certificate"),
                                           _("Inspections that week")],
                [[r.street.name, i.staff_number, i.name, i.certificate_number or "—", n]
                 for r in rows for i, n in r.per_inspector], [16, 14, 12, 18, 14])
    return workbook_bytes(book)


def stats_workbook(result: Any) -> bytes:
    """Per street and month the hazards found, closed and overdue; per street the totals; repeated places."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    header = [_("Street"), _("Month"), _("Found"), _("Closed"), _("Overdue")]
    rows = [[s.street.name, m, s.found.get(m, 0), s.closed.get(m, 0), s.overdue.get(m, 0)]
            for s in result.streets for m in result.months]
    write_sheet(book, _("Per street and month"), header, rows, [16, 10, 8, 8, 8])
    write_sheet(book, _("Per street"), [_("Street"), _("Found"), _("Closed"), _("Overdue"),
                                        _("Average days to close"), _("Recurrences at the same place")],
                [[s.street.name, s.found_total, s.closed_total, s.overdue_total, s.average_close_days or "",
                  s.recurrent] for s in result.streets], [16, 8, 8, 8, 16, 18])
    write_sheet(book, _("Repeated places"), [_("Place"), _("Street"), _("Hazards")],
                [[p.label, p.street, p.count] for p in result.places], [30, 16, 10])
    return workbook_bytes(book)
