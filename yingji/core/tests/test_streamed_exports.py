"""Ledger exports are streamed (core.xlsx_stream) and read plain records (TableSpec.export_fields).

What must hold: the file reads back as the rows that were written (text never a formula, control
characters gone, dates as dates, the header styled and frozen); it is sent in pieces while the rows
are still being read; a spec's records give exactly the rows its model instances give, masked
the same way for a role without personal data; and the export's queries do not grow with its rows.
"""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core import xlsx_stream
from yingji.core.tabular import TableSpec, records
from yingji.core.testing import web_client
from yingji.incidents.imports import IncidentTable
from yingji.incidents.tests.builders import fire_in_a
from yingji.resources.imports import MemberTable
from yingji.resources.tests.builders import make_certificate, make_member, make_team
from yingji.supplies.imports import StockTable
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = pytest.mark.django_db


def _read(pieces) -> list[tuple]:  # type: ignore[no-untyped-def]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(pieces)))
    return [tuple(cell.value for cell in row) for row in book.active.iter_rows()]


def test_the_writer_keeps_text_as_text_and_dates_as_dates():
    when = datetime.datetime(2026, 12, 5, 8, 30, 15)
    row = ["=HYPERLINK(\"http://x\",\"点\")", "甲\x00乙\x1f丙", "<b>&amp;</b>", "  两端空格 ", 42, 2.5, 0.0,
           datetime.date(2026, 2, 28), when, datetime.time(7, 5), None, ""]
    pieces = list(xlsx_stream.stream("库存/台账?", [("编码 *", True), ("名称", False)], [16, 30], [row]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(pieces)))
    sheet = book.active
    assert sheet.title == "库存 台账"  # characters Excel refuses in a sheet name are replaced
    assert [c.value for c in sheet[1]][:3] == ["编码 *", "名称", None]
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("FCE4D6")
    assert sheet["B1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["B"].width == 30
    cells = list(sheet[2])
    assert cells[0].data_type == "s" and cells[0].value == row[0]  # a formula typed by a user stays text
    assert [c.value for c in cells[1:7]] == ["甲乙丙", "<b>&amp;</b>", "  两端空格 ", 42, 2.5, 0]
    assert cells[7].value == datetime.datetime(2026, 2, 28) and cells[7].is_date
    assert cells[8].value == when and cells[9].value == datetime.time(7, 5)
    assert len(cells) == 10  # None and "" leave the cell empty


def test_the_file_is_sent_in_pieces_while_the_rows_are_read():
    drawn = 0

    def rows():  # type: ignore[no-untyped-def]
        nonlocal drawn
        for n in range(20_000):
            drawn += 1
            yield [f"第{n}行", n, "一段用来占位的说明文字" * 3]

    pieces = xlsx_stream.stream("sheet", [("a", False), ("b", False), ("c", False)], [10, 10, 10], rows())
    next(pieces)  # the start of the archive and the header, before any row is read
    assert drawn == 0
    next(pieces)
    assert 0 < drawn < 20_000  # a piece of the sheet left before the last row was read
    rest = list(pieces)
    assert drawn == 20_000 and len(rest) > 3
    written = _read(list(xlsx_stream.stream("s", [("a", False)], [10], ([n] for n in range(3)))))
    assert written == [("a",), (0,), (1,), (2,)]


def _stock(cast):  # type: ignore[no-untyped-def]
    material = make_material(cast, "XF-001", "灭火器", spec="4kg")
    warehouse = make_warehouse(cast.community_a, "CK-A", 114.01)
    stock(warehouse, material, 12, batch="2026-01", production_date=datetime.date(2026, 1, 5),
          expiry_date=datetime.date(2031, 1, 5))
    stock(warehouse, material, 3)
    return StockTable


def _members(cast):  # type: ignore[no-untyped-def]
    team = make_team(cast.community_a)
    member = make_member(team, id_number="440304199001011234", skills=["急救", "水域救援"], on_duty=True,
                         user=cast.responder_a)
    make_certificate(member, "first_aid", datetime.date(2028, 1, 1))
    make_member(team, phone="")
    return MemberTable


def _incidents(cast):  # type: ignore[no-untyped-def]
    fire_in_a(cast, reporter_phone="13812345678", reporter_name="王先生")
    fire_in_a(cast, type_code="91200", address="B栋", lon=114.02, lat=22.51)
    return IncidentTable


@pytest.mark.parametrize("build", [_stock, _members, _incidents], ids=["stock", "members", "incidents"])
@pytest.mark.parametrize("who", ["commander", "auditor"])
def test_records_give_the_rows_the_model_instances_give(cast, build, who):
    table: TableSpec = build(cast)(getattr(cast, who))
    assert table.export_fields
    from_models = list(table.rows(table.export_queryset()))
    from_records = list(table.rows(records(table.export_queryset(), table.export_fields)))
    assert len(from_models) == 2
    assert from_records == from_models
    assert _read(table.stream_xlsx())[1:] == _read(xlsx_stream.stream(
        "x", [("", False)] * len(table.columns), [], from_models))[1:]


def test_the_auditor_gets_the_members_numbers_masked_through_records(cast):
    _members(cast)
    rows = _read(MemberTable(cast.auditor).stream_xlsx())
    assert "440304199001011234" not in str(rows) and "440304********1234" in str(rows)


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.streaming and response.getvalue().startswith(b"PK")
    return len(captured)


def test_an_exports_queries_do_not_grow_with_its_rows(cast):
    _stock(cast)
    team = make_team(cast.community_a)
    make_certificate(make_member(team), "first_aid")
    fire_in_a(cast)
    client = web_client(cast.commander)
    urls = ("/supplies/export/stock.xlsx", "/resources/members/export.xlsx", "/incidents/export.xlsx?status=all")
    before = {url: _queries(client, url) for url in urls}
    material = make_material(cast, "XF-002", "水带")
    warehouse = make_warehouse(cast.community_b, "CK-B", 114.02, lat=22.55)
    for n in range(15):
        stock(warehouse, material, n + 1, batch=f"B{n}")
        make_certificate(make_member(make_team(cast.community_b)), "first_aid")
        fire_in_a(cast, address=f"{n}栋")
    after = {url: _queries(client, url) for url in urls}
    assert after == before
    assert max(after.values()) <= 12
