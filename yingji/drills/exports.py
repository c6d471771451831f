"""The compliance view as an Excel workbook: one row per requirement of every street and community."""

from __future__ import annotations

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yingji.core.tabular import workbook_bytes, write_sheet
from yingji.drills.compliance import Row


def compliance_workbook(rows: list[Row], year: int) -> bytes:
    book = openpyxl.Workbook(write_only=False)
    book.remove(book.active)
    header = [_("Street"), _("Jurisdiction"), _("Code"), _("Requirement"), pgettext("drill", "Held"), pgettext("drill", "Required"),
              _("Due before the year ends"), _("Behind")]

    def lines():  # type: ignore[no-untyped-def]
        for row in rows:
            street = row.street.name if row.street else ""
            if not row.requirements:
                yield [street, row.jurisdiction.name, row.jurisdiction.code, _("No rule"), row.held, 0, 0, ""]
            for req in row.requirements:
                yield [street, row.jurisdiction.name, row.jurisdiction.code, req.label, req.held, req.minimum,
                       req.due, _("Yes") if req.behind else ""]

    write_sheet(book, _("Drill compliance %(year)s") % {"year": year}, header, lines(), [16, 20, 16, 28, 8, 8, 14, 8])
    return workbook_bytes(book)
