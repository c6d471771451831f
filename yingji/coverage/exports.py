"""The coverage table as an Excel workbook: figures per street and community, the 1+3+1 targets, the parameters."""

from __future__ import annotations

from typing import Any

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.tabular import workbook_bytes, write_sheet
from yingji.coverage.services.report import AreaRow, CoverageReport
from yingji.coverage.services.targets import TargetRow
from yingji.jurisdictions.models import Level
from yingji.resources.models import StationKind


def _area_row(row: AreaRow) -> list[Any]:
    return [str(Level(row.level).label), row.code, row.name, round(row.population), round(row.covered_population),
            round(row.share * 100, 1), row.cells, row.covered_cells, row.risk_points, row.covered_risk_points,
            "" if row.risk_share is None else round(row.risk_share * 100, 1)]


def coverage_workbook(report: CoverageReport, community_rows: list[AreaRow], targets: list[TargetRow]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    header = [_("Level"), _("Code"), _("Name"), _("Population"), _("Covered population"), _("Covered share (%)"),
              _("Cells"), _("Covered cells"), _("Risk points"), _("Covered risk points"),
              _("Covered risk points (%)")]
    rows = [_area_row(report.total)] + [_area_row(r) for r in report.rows]
    if community_rows and community_rows is not report.rows:
        rows += [_area_row(r) for r in community_rows]
    write_sheet(book, _("Coverage"), header, rows, [10, 16, 18, 12, 14, 12, 8, 10, 10, 12, 12])
    kinds = [str(StationKind(k).label) for k in (targets[0].need if targets else [])]
    target_header = [_("Street"), _("Code")] + [f"{k} ({_('have')}/{_('need')})" for k in kinds] + [
        _("Missing"), _("Target met")]
    target_rows = []
    for t in targets:
        cells = [f"{have}/{need}" for _kind, have, need, _missing in t.cells]
        missing = "、".join(f"{StationKind(k).label} {m}" for k, _h, _n, m in t.cells if m)
        target_rows.append([t.street.name, t.street.code, *cells, missing, _("Yes") if t.met else _("No")])
    write_sheet(book, _("1+3+1 targets"), target_header, target_rows, [16, 16] + [22] * len(kinds) + [30, 10])
    network = _("straight-line estimate") if report.estimated else (
        report.network.name if report.network else report.network_name)
    params = [
        [_("Area"), f"{report.area.name} ({report.area.code})"],
        [_("Target time (min)"), report.minutes],
        [_("Station types"), "、".join(str(StationKind(k).label) for k in report.station_set.kinds) or _("All")],
        [_("Stations counted"), len(report.sites)],
        [_("Added sites (what-if)"), sum(1 for s in report.sites if s.added)],
        [_("Road network"), network],
        [_("Computed at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
    ]
    write_sheet(book, _("Parameters"), [_("Parameter"), _("Value")], params, [24, 40])
    return workbook_bytes(book)
