"""Expiry, maintenance and minimum-reserve lists, per jurisdiction, and their Excel export."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from yingji.core.testing import api_client, web_client
from yingji.supplies.models import StockLot, Warehouse
from yingji.supplies.services import record_maintenance
from yingji.supplies.services.reports import (
    below_minimum,
    below_minimum_page,
    expiring_lots,
    overdue_maintenance,
    overdue_maintenance_page,
)
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves(cast):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    water = make_material(cast, "SH-001", "瓶装饮用水", unit="箱", category="living", min_reserve={"community": 20})
    pump = make_material(cast, "FX-005", "潜水泵", unit="台", category="flood_control", maintenance_days=90)
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    wc = make_warehouse(cast.community_c, "WC", 114.05)
    stock(wa, water, 10, batch="old", expiry_date=today + datetime.timedelta(days=12))
    stock(wa, water, 5, batch="new", expiry_date=today + datetime.timedelta(days=300))
    stock(wc, water, 30, batch="c", expiry_date=today + datetime.timedelta(days=3))
    stock(wa, pump, 2, batch="p")
    StockLot.objects.filter(batch="p").update(received_on=today - datetime.timedelta(days=200),
                                             last_maintained_on=today - datetime.timedelta(days=100))
    return cast, water, pump, wa, wc


def test_it_lists_expiring_lots_overdue_maintenance_and_gaps(shelves) -> None:  # type: ignore[no-untyped-def]
    cast, water, pump, wa, wc = shelves
    lots = StockLot.objects.visible_to(cast.commander)
    assert [lot.batch for lot in expiring_lots(lots, 30)] == ["c", "old"]
    assert [lot.batch for lot in expiring_lots(lots, 400)] == ["c", "old", "new"]
    due = overdue_maintenance(lots)
    assert [(r.lot.batch, r.days_overdue) for r in due] == [("p", 10)]
    gaps = below_minimum(Warehouse.objects.visible_to(cast.commander))
    assert [(g.warehouse.code, g.material.code, g.held, g.missing) for g in gaps] == [("WA", "SH-001", 15, 5)]
    record_maintenance(StockLot.objects.get(batch="p"), actor=cast.keeper_a)
    assert overdue_maintenance(StockLot.objects.all()) == []


def test_the_lists_follow_the_jurisdiction_and_the_scope(shelves) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = shelves
    client = api_client(cast.commander)
    everywhere = client.get("/api/v1/supplies/reports/expiring", {"days": 30}).json()
    assert [lot["batch"] for lot in everywhere] == ["c", "old"]
    street_2 = client.get("/api/v1/supplies/reports/expiring", {"days": 30, "jurisdiction": cast.street_2.code})
    assert [lot["batch"] for lot in street_2.json()] == ["c"]
    mine = api_client(cast.officer_a).get("/api/v1/supplies/reports/expiring", {"days": 30}).json()
    assert [lot["batch"] for lot in mine] == ["old"]
    assert api_client(cast.officer_a).get("/api/v1/supplies/reports/expiring",
                                          {"jurisdiction": cast.street_2.code}).status_code == 404
    gaps = api_client(cast.officer_a).get("/api/v1/supplies/reports/below-minimum").json()
    assert gaps == [{"warehouse_code": "WA", "material_code": "SH-001", "held": 15, "minimum": 20, "missing": 5}]


def test_the_excel_export_has_one_sheet_per_list(shelves) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = shelves
    response = web_client(cast.commander, language="en").get("/supplies/operations/", {"days": 30, "export": 1})
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["Expiring within 30 days", "Maintenance overdue", "Below minimum reserve"]
    expiring = list(book.worksheets[0].iter_rows(values_only=True))
    assert [row[5] for row in expiring[1:]] == ["c", "old"]
    assert list(book.worksheets[2].iter_rows(values_only=True))[1][:2] == ("WA", "A社区WA仓库")
    page = web_client(cast.officer_a).get("/supplies/operations/", {"days": 30}).content.decode()
    assert "A社区WA仓库" in page and "C社区WC仓库" not in page


def test_lots_are_serviced_and_written_off_from_the_operations_page(shelves) -> None:  # type: ignore[no-untyped-def]
    cast, water, _pump, wa, _wc = shelves
    pump_lot = StockLot.objects.get(batch="p")
    assert web_client(cast.officer_c).post(f"/supplies/lots/{pump_lot.pk}/maintained/").status_code == 404
    keeper = web_client(cast.keeper_a)
    response = keeper.post(f"/supplies/lots/{pump_lot.pk}/maintained/", {"next": "https://evil.example/"})
    assert response["Location"] == "/supplies/operations/"
    assert overdue_maintenance(StockLot.objects.all()) == []
    old = StockLot.objects.get(batch="old")
    StockLot.objects.filter(pk=old.pk).update(expiry_date=timezone.localdate() - datetime.timedelta(days=1))
    keeper.post(f"/supplies/lots/{old.pk}/write-off/")
    old.refresh_from_db()
    assert old.quantity == 0
    assert old.movements.filter(kind="write_off").get().quantity == -10
    new = StockLot.objects.get(batch="new")
    web_client(cast.officer_a).post(f"/supplies/lots/{new.pk}/write-off/")  # community staff only request
    new.refresh_from_db()
    assert new.quantity == 5


def test_the_page_shows_first_rows_with_the_true_totals(cast) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: the page was one 48,000 px list, and its counts were the capped list's length."""
    from yingji.supplies.views import OPERATIONS_ROWS

    today = timezone.localdate()
    water = make_material(cast, "SH-001", "瓶装饮用水", unit="箱", category="living")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    for n in range(OPERATIONS_ROWS + 7):
        stock(wa, water, 1, batch=f"b{n:03d}", expiry_date=today + datetime.timedelta(days=5))
    page = web_client(cast.officer_a).get("/supplies/operations/", {"days": 30}).content.decode()
    assert f'data-testid="expiring-total">{OPERATIONS_ROWS + 7}<' in page
    assert page.count("b0") == OPERATIONS_ROWS  # rows b000…b049 listed, the rest are in the export
    assert 'data-testid="first-rows"' in page


def test_overdue_maintenance_is_worked_out_in_sql_as_each_lots_interval_says(cast) -> None:  # type: ignore[no-untyped-def]
    """The lots due are picked in SQL per interval (issue 13); the days agree with each lot's own
    dates: last service or else receipt, plus its material's interval, due on the day itself."""
    today = timezone.localdate()
    materials = [make_material(cast, f"FX-{n}", f"泵{n}", maintenance_days=n) for n in (0, 90, 365)]
    never = make_material(cast, "SH-9", "水")
    wa, wb = make_warehouse(cast.community_a, "WA", 114.01), make_warehouse(cast.community_b, "WB", 114.02)
    ages = (-3, 0, 1, 89, 90, 91, 364, 365, 400)
    for material in (*materials, never):
        for n, age in enumerate(ages):
            for house, serviced in ((wa, True), (wb, False)):
                stock(house, material, 1, batch=f"{material.code}-{age}-{house.code}")
                day = today - datetime.timedelta(days=age)
                StockLot.objects.filter(batch=f"{material.code}-{age}-{house.code}").update(
                    received_on=day - datetime.timedelta(days=30) if serviced else day,
                    last_maintained_on=day if serviced else None, quantity=0 if n == 4 and serviced else 1)
    lots = StockLot.objects.visible_to(cast.commander)
    expected = []
    for lot in lots.select_related("material", "warehouse"):
        interval = lot.material.maintenance_days
        if interval is None or lot.quantity <= 0:
            continue
        on = (lot.last_maintained_on or lot.received_on) + datetime.timedelta(days=interval)
        if on <= today:
            expected.append((-(today - on).days, lot.warehouse.code, lot.pk, on))
    expected.sort()
    listed = [(-r.days_overdue, r.lot.warehouse.code, r.lot.pk, r.due_on) for r in overdue_maintenance(lots)]
    assert listed == expected and len(expected) == 15 + 9 + 4  # intervals 0, 90, 365; one lot empty
    first, total = overdue_maintenance_page(lots, 5)
    assert [(r.lot.pk, r.days_overdue) for r in first] == [(pk, -days) for days, _c, pk, _on in expected[:5]]
    assert total == len(expected)
    assert overdue_maintenance_page(StockLot.objects.visible_to(cast.officer_b), 5)[1] == len(
        [row for row in expected if row[1] == "WB"])


def test_reserve_gaps_count_only_the_levels_with_a_minimum(cast) -> None:  # type: ignore[no-untyped-def]
    water = make_material(cast, "SH-001", "水", min_reserve={"community": 20, "street": 50, "station": 0})
    tents = make_material(cast, "SH-002", "帐篷", min_reserve={"street": "5"})
    make_material(cast, "SH-003", "绳", min_reserve={})
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    ws = make_warehouse(cast.street_1, "WS", 114.02, level="street")
    make_warehouse(cast.community_a, "WX", 114.03, level="station")
    stock(wa, water, 25)
    stock(ws, water, 10)
    stock(ws, tents, 2)
    gaps, total, houses = below_minimum_page(Warehouse.objects.visible_to(cast.commander), 1)
    assert (total, houses) == (2, 1)
    assert [(g.warehouse.code, g.material.code, g.held, g.missing) for g in gaps] == [("WS", "SH-001", 10, 40)]
    assert [(g.warehouse.code, g.material.code, g.held, g.minimum) for g in below_minimum(
        Warehouse.objects.visible_to(cast.commander))] == [("WS", "SH-001", 10, 50), ("WS", "SH-002", 2, 5)]
