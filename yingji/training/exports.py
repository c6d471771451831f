"""Excel workbooks of training figures: days per person against the rules, coverage, monthly 应知应会."""

from __future__ import annotations

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yingji.core.tabular import workbook_bytes, write_sheet
from yingji.jurisdictions.models import Jurisdiction
from yingji.training import services
from yingji.training.models import OrganiserLevel

LEVELS = list(OrganiserLevel)


def _days(value: object) -> float | str:
    return float(value) if value is not None else ""  # type: ignore[arg-type]


def training_workbook(area: Jurisdiction, year: int, rows: list[services.MemberYear]) -> bytes:
    """Three sheets: each member's days per level with the required days, coverage, months missed per team."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    header = [pgettext("person", "Name"), _("Team"), _("Community")]
    for level in LEVELS:
        header += [str(level.label), _("%(level)s required") % {"level": level.label}]
    header += [_("Total days"), pgettext("training", "Hours"), _("Meets the rules")]
    lines = []
    for row in rows:
        line: list[object] = [row.member.name, row.member.team.name, row.member.team.jurisdiction.name]
        for level in LEVELS:
            line += [_days(row.days.get(level.value, 0)), _days(row.required.get(level.value))]
        line += [float(row.total_days), float(row.hours), _("Yes") if row.meets else _("No")]
        lines.append(line)
    write_sheet(book, _("Training days %(year)s") % {"year": year}, header, lines,
                [12, 22, 14] + [10, 10] * len(LEVELS) + [10, 10, 10])
    cover = services.coverage(area, year)
    write_sheet(book, _("Coverage"), [_("Jurisdiction"), _("Year"), _("Members"), _("Trained"), _("Coverage (%)")],
                [[area.name, year, cover.members, cover.covered, cover.percent]]
                + [[m.name, "", m.team.name, _("Not trained in the cycle"), ""] for m in cover.missing],
                [22, 8, 22, 18, 12])
    gaps = services.must_know_gaps(area, year)
    write_sheet(book, _("Monthly must-know"), [_("Team"), _("Months held"), _("Months missed")],
                [[g.team.name, "、".join(map(str, g.held)), "、".join(map(str, g.missed))] for g in gaps],
                [26, 24, 24])
    return workbook_bytes(book)
