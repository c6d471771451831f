"""Imports and exports at their root (core.tabular): hard limits while reading, clean cells out.

Generated over every export the platform serves (web and API, found from the URL
configuration): with every name, address and note of the demo district holding
control characters and a leading "=", each answers a readable workbook without a
formula; a role without the export permission gets none of a ledger's rows.
Imports: a small file declaring a huge sheet, a file over the limits, a cell too
long — each refused while reading with the row and column, nothing written.
"""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest
from django.db.models import Value
from django.db.models.functions import Cast, Concat
from django.urls import URLPattern, URLResolver, get_resolver

from yingji.core.tabular import FileError, read_table
from yingji.core.testing import api_client, web_client

pytestmark = pytest.mark.django_db

NASTY = "=HYPERLINK(\"http://x\")\x01\x02\x1f名"


def export_urls() -> list[str]:
    """Every URL without a parameter that answers an Excel file (…xlsx, …/export)."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for p in patterns:
            route = str(p.pattern)
            if "<" in route or route.startswith("^"):
                if isinstance(p, URLResolver) and "<" not in route and route.startswith("^"):
                    walk(p.url_patterns, prefix)
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern) and (route.endswith(".xlsx") or route.endswith("/export")):
                found.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def poison_text_fields(value: str) -> int:
    from yingji.core.tests.test_browser_xss import text_fields

    changed = 0
    for model, field, max_length in text_fields():
        if model._meta.label == "supplies.StockMovement" or (max_length is not None and max_length < len(value) + 12):
            continue
        changed += model._default_manager.update(
            **{field: Concat(Value(value), Cast("pk", output_field=__import__("django").db.models.CharField()))})
    return changed


def test_every_export_writes_clean_cells_without_formulas(db):
    from yingji.accounts.models import Membership
    from yingji.accounts.roles import Role
    from yingji.core.demo import run_demo

    run_demo("small", 2026, io.StringIO())
    assert poison_text_fields(NASTY) > 1000
    urls = export_urls() + [f"/supplies/export/{kind}.xlsx" for kind in ("materials", "warehouses", "stock")]
    assert len(urls) >= 15, urls
    commander = Membership.objects.filter(role=Role.DISTRICT_ADMIN).first().user
    web, api = web_client(commander), api_client(commander)
    checked, needs_parameters = 0, []
    for url in urls:
        response = (api if url.startswith("/api/") else web).get(url)
        if response.status_code == 422:  # e.g. a roster month: asks which one, in the error shape
            needs_parameters.append(url)
            continue
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
        book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not any(ord(c) < 32 and c not in "\t\n\r" for c in cell.value), (url, cell.value)
                        checked += cell.value.startswith("=HYPERLINK")
    assert checked > 100  # the names really were exported, as text
    assert len(needs_parameters) <= 2, needs_parameters


LEDGER_EXPORTS = ["/api/v1/resources/teams/export", "/api/v1/resources/members/export",
                  "/api/v1/supplies/warehouses/export", "/api/v1/supplies/stock/export",
                  "/api/v1/supplies/materials/export", "/supplies/export/warehouses.xlsx",
                  "/supplies/export/stock.xlsx", "/resources/teams/export.xlsx"]


@pytest.mark.parametrize("who", ["expert", "grid_worker_a", "responder_a"])
def test_a_role_without_the_export_permission_exports_no_ledger(cast, who):
    user = getattr(cast, who)
    for url in LEDGER_EXPORTS:
        response = (api_client(user) if url.startswith("/api/") else web_client(user)).get(url)
        assert response.status_code in (403, 404), (url, response.status_code)


def _xlsx_declaring(rows: int, columns: str) -> bytes:
    """A tiny workbook whose sheet says it spans A1:<columns><rows>."""
    book = openpyxl.Workbook()
    book.active.append(["名称", "电话"])
    book.active.append(["甲", "1"])
    raw = io.BytesIO()
    book.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B2"/>', f'<dimension ref="A1:{columns}{rows}"/>'.encode())
                assert columns.encode() in data
            dst.writestr(item, data)
    return out.getvalue()


def test_a_small_file_declaring_a_huge_sheet_is_read_as_what_it_holds():
    data = _xlsx_declaring(1_048_576, "XFD")
    assert len(data) < 100_000
    start = time.process_time()
    header, records = read_table(data, "huge.xlsx")
    assert time.process_time() - start < 2
    assert header == ["名称", "电话"] and records == [(2, ["甲", "1"])]


def test_limits_are_enforced_while_reading_and_name_the_row_and_column(settings):
    settings.YINGJI_IMPORT_LIMITS = {"rows": 5, "columns": 3, "cell_chars": 10, "bytes": 10_000}
    with pytest.raises(FileError) as rows:
        read_table(("a,b\n" + "1,2\n" * 50).encode(), "x.csv")
    assert rows.value.row == 7
    with pytest.raises(FileError) as columns:
        read_table(b"a,b\n1,2,3,4,5\n", "x.csv")
    assert (columns.value.row, columns.value.column) == (2, "D")
    with pytest.raises(FileError) as chars:
        read_table("名称,备注\n甲,01234567890\n".encode(), "x.csv")
    assert (chars.value.row, chars.value.column) == (2, "备注")
    with pytest.raises(FileError):
        read_table(b"a,b\n" + b"1,2\n" * 5000, "x.csv")


def test_an_import_over_a_limit_names_the_row_and_column_and_writes_nothing(cast, settings):
    from yingji.resources.models import Team

    settings.YINGJI_IMPORT_LIMITS = {"cell_chars": 50}
    before = Team.objects.count()
    csv = "名称,管辖区域编码,类型\n一队,440304001001,志愿者队伍\n二队," + "9" * 60 + ",志愿者队伍\n"
    response = api_client(cast.officer_a).post("/api/v1/resources/teams/import",
                                               {"file": _upload(csv.encode(), "teams.csv")})
    body = response.json()
    assert not body["ok"] and body["errors"][0]["row"] == 3 and body["errors"][0]["column"]
    assert Team.objects.count() == before


def test_control_characters_in_an_import_never_reach_the_ledger(cast):
    from yingji.core.tabular import clean_text

    assert clean_text("甲\x00乙\x01\t丙") == "甲乙\t丙"


def _upload(data: bytes, name: str):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
