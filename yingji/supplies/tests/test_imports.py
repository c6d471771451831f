"""Excel/CSV import of the catalogue, warehouses and opening stock: all or nothing, row-numbered errors."""

from __future__ import annotations

import datetime

import pytest

from yingji.core.testing import api_client
from yingji.supplies.imports import MaterialTable, StockTable
from yingji.supplies.models import Material, StockBalance, StockLot, StockMovement, Warehouse
from yingji.supplies.services.check import check_stock
from yingji.supplies.tests.builders import make_material, make_warehouse

pytestmark = pytest.mark.django_db

def csv(text: str) -> bytes:
    return text.encode("utf-8")


def test_it_imports_the_catalogue_and_reimports_it_unchanged(cast) -> None:  # type: ignore[no-untyped-def]
    text = ("code,name,category,unit,aliases,shelf_life_days,min_community\n"
            "XF-001,干粉灭火器,firefighting,具,灭火器、fire extinguisher,3650,4\n"
            "SY-001,救生衣,Water rescue,件,life jacket,1825,\n")
    result = MaterialTable(cast.commander).import_file(csv(text), "catalogue.csv")
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    powder = Material.objects.get(code="XF-001")
    assert powder.aliases == ["灭火器", "fire extinguisher"] and powder.min_reserve == {"community": 4}
    assert powder.jurisdiction == cast.city or powder.jurisdiction == cast.district
    again = MaterialTable(cast.commander).import_file(csv(text), "catalogue.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    exported = MaterialTable(cast.commander).to_xlsx()
    round_trip = MaterialTable(cast.commander).import_file(exported, "catalogue.xlsx")
    assert round_trip.ok and round_trip.unchanged == 2


def test_a_catalogue_with_bad_rows_writes_nothing(cast) -> None:  # type: ignore[no-untyped-def]
    text = ("code,name,category,unit,shelf_life_days\n"
            "XF-001,干粉灭火器,firefighting,具,3650\n"
            "XF-002,推车灭火器,weapons,具,3650\n"
            "XF-003,二氧化碳灭火器,firefighting,,-5\n")
    result = MaterialTable(cast.commander).import_file(csv(text), "catalogue.csv")
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert (3, "Category") in found or any(e.row == 3 for e in result.errors)
    assert {e.row for e in result.errors} == {3, 4}
    assert len([e for e in result.errors if e.row == 4]) == 2  # unit missing, shelf life negative
    assert Material.objects.count() == 0


def test_it_imports_opening_stock_as_receipts(cast) -> None:  # type: ignore[no-untyped-def]
    make_material(cast, "XF-001", "干粉灭火器", shelf_life_days=3650)
    make_material(cast, "SY-001", "救生衣")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    text = ("warehouse,material,batch,quantity,production_date,expiry_date,condition\n"
            "WA,XF-001,2024-03,20,2024-03-01,,good\n"
            "WA,XF-001,2025-01,5,2025/01/15,,\n"
            "WA,SY-001,,12,,2031-06-30,Good\n")
    result = StockTable(cast.keeper_a).import_file(csv(text), "stock.csv")
    assert result.ok, [str(e) for e in result.errors]
    assert result.created == 3
    assert StockBalance.objects.get(warehouse=wa, material__code="XF-001").quantity == 25
    lot = StockLot.objects.get(batch="2024-03")
    assert lot.expiry_date == datetime.date(2034, 2, 27)  # production date + shelf life
    assert StockMovement.objects.filter(kind="receipt").count() == 3
    again = StockTable(cast.keeper_a).import_file(csv(text), "stock.csv")
    assert (again.created, again.unchanged) == (0, 3)
    assert check_stock()[1] == []
    exported = StockTable(cast.keeper_a).to_xlsx()
    assert StockTable(cast.keeper_a).import_file(exported, "stock.xlsx").unchanged == 3


def test_opening_stock_with_errors_writes_nothing(cast) -> None:  # type: ignore[no-untyped-def]
    make_material(cast, "XF-001", "干粉灭火器")
    make_warehouse(cast.community_a, "WA", 114.01)
    make_warehouse(cast.community_b, "WB", 114.02)
    text = ("warehouse,material,batch,quantity,production_date\n"
            "WA,XF-001,B1,20,2024-03-01\n"
            "WB,XF-001,B1,5,\n"
            "WA,XX-999,B2,5,\n"
            "WA,XF-001,B3,0,\n"
            "WA,XF-001,B4,3,yesterday\n")
    result = StockTable(cast.keeper_a).import_file(csv(text), "stock.csv")
    assert not result.ok
    rows = sorted((e.row, e.column) for e in result.errors)
    assert [r for r, _c in rows] == [3, 4, 5, 6]
    messages = " ".join(e.message for e in result.errors)
    assert "WB" in messages and "XX-999" in messages
    assert StockLot.objects.count() == 0 and StockMovement.objects.count() == 0
    assert StockBalance.objects.filter(quantity__gt=0).count() == 0


def test_warehouses_import_through_the_api(cast) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = ("code,name,level,jurisdiction,lon,lat,keeper_name,phone,open_24h\n"
            f"WA,A社区仓库,community,{cast.community_a.code},114.01,22.52,张三,0755-83000001,是\n"
            f"WC,C社区仓库,community,{cast.community_c.code},114.05,22.52,李四,0755-83000002,否\n")
    client = api_client(cast.street_officer)
    response = client.post("/api/v1/supplies/warehouses/import",
                           {"file": SimpleUploadedFile("w.csv", csv(text), content_type="text/csv")})
    assert response.status_code == 422
    assert response.json()["errors"][0]["row"] == 3  # community C lies outside the street officer's area
    assert Warehouse.objects.count() == 0
    ok = client.post("/api/v1/supplies/warehouses/import",
                     {"file": SimpleUploadedFile("w.csv", csv("\n".join(text.splitlines()[:2]) + "\n"),
                                                 content_type="text/csv")})
    assert ok.status_code == 200 and Warehouse.objects.get().open_24h is True
