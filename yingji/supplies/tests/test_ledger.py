"""The movement ledger: balances are sums of movements, never negative, append-only."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.http import Http404

from yingji.supplies.models import MovementKind, StockBalance, StockLot, StockMovement
from yingji.supplies.services import issue_stock, receive_stock, record_count, transfer_stock, write_off
from yingji.supplies.services.check import check_stock
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cast):  # type: ignore[no-untyped-def]
    extinguisher = make_material(cast, "XF-001", "干粉灭火器", aliases=["fire extinguisher"], shelf_life_days=1825)
    store_a = make_warehouse(cast.community_a, "WA", 114.01)
    store_b = make_warehouse(cast.community_b, "WB", 114.02)
    return cast, extinguisher, store_a, store_b


def test_it_keeps_the_balance_equal_to_the_sum_of_movements(setup) -> None:  # type: ignore[no-untyped-def]
    cast, extinguisher, store_a, _store_b = setup
    receive_stock(store_a, extinguisher, 30, actor=cast.keeper_a, reason="purchase", batch="B1",
                  production_date=datetime.date(2025, 1, 1))
    receive_stock(store_a, extinguisher, 20, actor=cast.keeper_a, reason="purchase", batch="B2")
    movements = issue_stock(store_a, extinguisher, 35, actor=cast.keeper_a, reason="fire at No. 3",
                            document="JJ-2026-001")
    balance = StockBalance.objects.get(warehouse=store_a, material=extinguisher)
    assert balance.quantity == 15
    assert sum(StockMovement.objects.filter(warehouse=store_a).values_list("quantity", flat=True)) == 15
    # First expiry first out: batch B1 (expires 2029-12-31) before B2 (no expiry date).
    assert [(m.lot.batch, m.quantity) for m in movements] == [("B1", -30), ("B2", -5)]
    assert all(m.document == "JJ-2026-001" and m.kind == MovementKind.ISSUE for m in movements)
    assert StockLot.objects.get(batch="B1").expiry_date == datetime.date(2029, 12, 31)
    assert check_stock() == (1, [])


def test_it_refuses_to_issue_more_than_is_held_and_changes_nothing(setup) -> None:  # type: ignore[no-untyped-def]
    cast, extinguisher, store_a, _store_b = setup
    stock(store_a, extinguisher, 5)
    with pytest.raises(ValidationError) as error:
        issue_stock(store_a, extinguisher, 6, actor=cast.keeper_a, reason="too many")
    assert "quantity" in error.value.message_dict
    assert StockBalance.objects.get(warehouse=store_a).quantity == 5
    assert StockMovement.objects.count() == 1


def test_it_refuses_stock_moves_outside_the_actors_area(setup) -> None:  # type: ignore[no-untyped-def]
    cast, extinguisher, _store_a, store_b = setup
    stock(store_b, extinguisher, 5)
    with pytest.raises((PermissionDenied, Http404)):
        issue_stock(store_b, extinguisher, 1, actor=cast.keeper_a, reason="not mine")
    with pytest.raises((PermissionDenied, Http404)):
        issue_stock(store_b, extinguisher, 1, actor=cast.officer_b, reason="community staff only request")


def test_the_database_refuses_a_negative_balance(setup) -> None:  # type: ignore[no-untyped-def]
    _cast, extinguisher, store_a, _store_b = setup
    stock(store_a, extinguisher, 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(warehouse=store_a).update(quantity=-1)


def test_movements_are_append_only(setup) -> None:  # type: ignore[no-untyped-def]
    _cast, extinguisher, store_a, _store_b = setup
    stock(store_a, extinguisher, 2)
    movement = StockMovement.objects.get()
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        movement.delete()
    with pytest.raises(TypeError):
        StockMovement.objects.update(quantity=3)
    with pytest.raises(TypeError):
        StockMovement.objects.all().delete()


def test_transfer_write_off_and_count_keep_the_books_consistent(setup) -> None:  # type: ignore[no-untyped-def]
    cast, extinguisher, store_a, store_b = setup
    stock(store_a, extinguisher, 10, batch="B1", expiry_date=datetime.date(2027, 1, 1))
    transfer_stock(store_a, store_b, extinguisher, 4, actor=cast.street_officer, reason="rebalance")
    lot_b = StockLot.objects.get(warehouse=store_b)
    assert (lot_b.batch, lot_b.quantity, lot_b.expiry_date) == ("B1", 4, datetime.date(2027, 1, 1))
    write_off(lot_b, 1, actor=cast.street_officer, reason="dented")
    lot_a = StockLot.objects.get(warehouse=store_a)
    count = record_count(store_a, {lot_a.pk: 5}, actor=cast.keeper_a)
    line = count.lines.get()
    assert (line.expected, line.counted, line.difference) == (6, 5, -1)
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).get().quantity == -1
    assert StockBalance.objects.get(warehouse=store_a).quantity == 5
    assert StockBalance.objects.get(warehouse=store_b).quantity == 3
    checked, problems = check_stock()
    assert (checked, problems) == (2, [])
    call_command("check_stock")


def test_check_stock_reports_a_tampered_balance(setup) -> None:  # type: ignore[no-untyped-def]
    _cast, extinguisher, store_a, _store_b = setup
    stock(store_a, extinguisher, 10)
    StockBalance.objects.filter(warehouse=store_a).update(quantity=11)
    _checked, problems = check_stock()
    assert [p.what for p in problems] == ["balance vs movements", "balance vs lots"]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("check_stock")
