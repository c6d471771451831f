"""The ranking of a period as an Excel workbook (core's sheet writer: no cell becomes a formula)."""

from __future__ import annotations

from typing import Any

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yingji.assessments.models import Period, Scheme
from yingji.core.tabular import workbook_bytes, write_sheet


def ranking_workbook(scheme: Scheme, period: Period, rows: list[Any]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    modules = list(scheme.modules.order_by("order", "pk"))
    header = [_("Rank"), _("Code"), _("Name"), pgettext("assessment", "Total")] + [f"{m.name} ({m.weight}%)" for m in modules] + [
        _("Bonus")]
    table = []
    for row in rows:
        by_code = {m["code"]: m for m in row.breakdown.get("modules", [])}
        table.append([row.rank, row.code, row.name, row.total]
                     + [by_code.get(m.code, {}).get("score") for m in modules]
                     + [sum(b["points"] for b in row.breakdown.get("bonuses", []))])
    write_sheet(book, _("Ranking"), header, table, [8, 16, 20, 10] + [16] * len(modules) + [8])
    detail = []
    for row in rows:
        for module in row.breakdown.get("modules", []):
            for item in module["indicators"]:
                detail.append([row.code, row.name, module["name"], item["name"], item["points"], item["score"],
                               item["achieved"], item["required"]])
    write_sheet(book, _("Indicators"), [_("Code"), _("Name"), _("Module"), _("Indicator"), pgettext("assessment", "Points"), _("Score"),
                                        _("Achieved"), pgettext("assessment", "Required")], detail, [16, 20, 16, 30, 8, 8, 10, 10])
    status = _("Published %(at)s") % {"at": period.published_at} if period.is_published else _("Not published")
    write_sheet(book, _("Scheme"), [_("Scheme"), pgettext("assessment", "Period"), _("Status")], [[scheme.name, str(period), status]],
                [40, 12, 30])
    return workbook_bytes(book)
