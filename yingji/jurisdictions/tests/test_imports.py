"""Excel/CSV import and export of jurisdictions, and GeoJSON boundaries."""

from __future__ import annotations

import io
import json

import openpyxl

from yingji.audit.models import ChangeRecord
from yingji.core.testing import api_client, web_client
from yingji.jurisdictions.imports import JurisdictionTable
from yingji.jurisdictions.models import Jurisdiction

HEADER = "代码,名称,层级,上级代码,人口\n"


def upload(client, content: bytes, name: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/jurisdictions/import", {"file": _file(content, name)})


def _file(content: bytes, name: str):  # type: ignore[no-untyped-def]
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def test_it_imports_new_grids_from_csv_with_chinese_headers(cast):
    csv = HEADER + "44030400100102,A社区第2网格,网格,440304001001,900\n44030400100103,A社区第3网格,grid,440304001001,\n"
    response = upload(api_client(cast.commander), csv.encode(), "grids.csv")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    grid = Jurisdiction.objects.get(code="44030400100102")
    assert grid.parent == cast.community_a and grid.population == 900 and grid.level == "grid"
    assert ChangeRecord.objects.filter(object_id=str(grid.pk), action="create", source="api").exists()


def test_a_failing_row_names_row_and_column_and_nothing_is_written(cast):
    csv = (HEADER + "44030400100102,好网格,网格,440304001001,900\n"
           "44030400100103,,网格,440304001001,abc\n"
           "44030400100104,坏层级,村,440304001001,1\n"
           "44030400100105,外区网格,网格,999999999999,1\n")
    response = upload(api_client(cast.commander), csv.encode(), "grids.csv")
    assert response.status_code == 422
    errors = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert errors == {(3, "名称"), (3, "人口"), (4, "层级"), (5, "上级代码")}
    texts = [e["text"] for e in response.json()["errors"]]
    assert "第 3 行" in texts[0] or "Row 3" in texts[0]
    assert not Jurisdiction.objects.filter(code__startswith="440304001001").exclude(code__in=[
        cast.community_a.code, cast.grid_a1.code]).exists()


def test_a_missing_required_column_is_reported(cast):
    response = upload(api_client(cast.commander, language="en"), "代码,名称\n1,x\n".encode(), "bad.csv")
    assert response.status_code == 422
    assert {e["column"] for e in response.json()["errors"]} == {"Level"}


def test_export_then_import_changes_nothing(cast):
    client = api_client(cast.commander)
    exported = client.get("/api/v1/jurisdictions/export")
    data = exported.getvalue()  # a streamed body is read once
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.max_row == 1 + 8  # the district and everything under it
    before = ChangeRecord.objects.count()
    result = upload(client, data, "export.xlsx").json()
    assert result == {"ok": True, "created": 0, "updated": 0, "unchanged": 8, "errors": []}
    assert ChangeRecord.objects.count() == before


def test_reimport_updates_instead_of_duplicating(cast):
    client = api_client(cast.commander)
    upload(client, (HEADER + f"{cast.community_a.code},A社区,社区,{cast.street_1.code},130000\n").encode(), "a.csv")
    assert Jurisdiction.objects.get(pk=cast.community_a.pk).population == 130000
    assert Jurisdiction.objects.filter(code=cast.community_a.code).count() == 1


def test_a_community_officer_cannot_import_into_the_tree(cast):
    csv = HEADER + "44030400100102,A社区第2网格,网格,440304001001,900\n"
    response = upload(api_client(cast.officer_a), csv.encode(), "grids.csv")
    assert response.status_code == 403  # refused before the file is read (core.tabular)
    assert not Jurisdiction.objects.filter(code="44030400100102").exists()


def test_a_row_for_a_neighbours_jurisdiction_is_refused(cast):
    csv = HEADER + f"{cast.community_c.code},改名,社区,{cast.street_2.code},1\n"
    from yingji.accounts.models import Membership
    from yingji.accounts.roles import Role

    Membership.objects.create(user=cast.street_officer, jurisdiction=cast.street_1, role=Role.DISTRICT_ADMIN)
    response = upload(api_client(cast.street_officer), csv.encode(), "c.csv")
    assert response.status_code == 422
    assert Jurisdiction.objects.get(pk=cast.community_c.pk).name == "C社区"


def test_the_template_has_chinese_headers(cast):
    content = JurisdictionTable(cast.commander).to_xlsx([])
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(content)).active[1]]
    assert header[:4] == ["代码 *", "名称 *", "层级 *", "上级代码"]


def test_boundaries_import_from_geojson_all_or_nothing(cast):
    square = {"type": "Polygon", "coordinates": [[[114.0, 22.5], [114.01, 22.5], [114.01, 22.51], [114.0, 22.51],
                                                  [114.0, 22.5]]]}
    good = {"type": "Feature", "properties": {"code": cast.grid_a1.code}, "geometry": square}
    unknown = {"type": "Feature", "properties": {"code": "000"}, "geometry": square}
    client = api_client(cast.commander)
    bad = client.post("/api/v1/jurisdictions/boundaries", {"file": _file(json.dumps(
        {"type": "FeatureCollection", "features": [good, unknown]}).encode(), "b.geojson")})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["feature"] == 2
    assert Jurisdiction.objects.get(pk=cast.grid_a1.pk).boundary != square
    ok = client.post("/api/v1/jurisdictions/boundaries", {"file": _file(json.dumps(
        {"type": "FeatureCollection", "features": [good]}).encode(), "b.geojson")})
    assert ok.status_code == 200 and ok.json()["updated"] == 1
    grid = Jurisdiction.objects.get(pk=cast.grid_a1.pk)
    assert grid.boundary["type"] == "Polygon"
    assert abs(grid.centroid_lon - 114.005) < 1e-6


def test_the_web_import_page_shows_row_errors(cast):
    client = web_client(cast.commander)
    csv = HEADER + "44030400100102,,网格,440304001001,900\n"
    response = client.post("/jurisdictions/import/", {"file": _file(csv.encode(), "g.csv")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-testid=\"import-errors\"" in page and "名称" in page
    assert not Jurisdiction.objects.filter(code="44030400100102").exists()


def test_a_name_that_looks_like_a_formula_is_exported_as_text(cast):
    """What a user typed never runs in the spreadsheet of whoever opens the export (core.tabular.safe_row)."""
    Jurisdiction.objects.filter(pk=cast.grid_a1.pk).update(name='=HYPERLINK("http://evil.example","点我")')
    exported = api_client(cast.commander).get("/api/v1/jurisdictions/export")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.getvalue())).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if str(c.value).startswith("=HYPERLINK")]
    assert len(cells) == 1 and cells[0].data_type == "s"
