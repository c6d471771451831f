"""Two duty officers issue the last units at the same moment: only one succeeds (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from yingji.supplies.models import Material, StockBalance, StockMovement, Warehouse
from yingji.supplies.services import issue_stock
from yingji.supplies.services.check import check_stock
from yingji.supplies.tests.builders import make_material, make_warehouse, race, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_issues_of_the_last_units_cannot_both_succeed(cast) -> None:  # type: ignore[no-untyped-def]
    assert connection.vendor == "postgresql"
    material = make_material(cast, "XF-001", "干粉灭火器")
    warehouse = make_warehouse(cast.community_a, "WA", 114.01)
    stock(warehouse, material, 3, batch="B1")
    stock(warehouse, material, 2, batch="B2")

    def issue(_i: int) -> object:
        return issue_stock(Warehouse.objects.get(pk=warehouse.pk), Material.objects.get(pk=material.pk), 5,
                           actor=cast.keeper_a, reason="race")

    outcomes = race(2, issue)
    successes = [o for o in outcomes if isinstance(o, list)]
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(successes) == 1 and len(refusals) == 1, outcomes
    assert StockBalance.objects.get(warehouse=warehouse).quantity == 0
    assert StockMovement.objects.filter(quantity__lt=0).count() == 2  # one per lot, one winner
    assert check_stock()[1] == []


def test_many_concurrent_issues_never_oversell(cast) -> None:  # type: ignore[no-untyped-def]
    material = make_material(cast, "XF-001", "干粉灭火器")
    other = make_material(cast, "XF-002", "二氧化碳灭火器")
    first = make_warehouse(cast.community_a, "WA", 114.01)
    second = make_warehouse(cast.community_a, "WA2", 114.015)
    for warehouse in (first, second):
        stock(warehouse, material, 10)
        stock(warehouse, other, 10)

    def issue(i: int) -> object:
        # Alternate the order of materials and warehouses: the fixed lock order keeps this deadlock-free.
        warehouse = Warehouse.objects.get(pk=(first if i % 2 else second).pk)
        chosen = Material.objects.get(pk=(material if i % 3 else other).pk)
        return issue_stock(warehouse, chosen, 3, actor=cast.keeper_a, reason=f"race {i}")

    outcomes = race(12, issue)
    issued = sum(-m.quantity for o in outcomes if isinstance(o, list) for m in o)
    assert all(isinstance(o, list | ValidationError) for o in outcomes), outcomes
    assert issued == 40 - sum(StockBalance.objects.values_list("quantity", flat=True))
    assert min(StockBalance.objects.values_list("quantity", flat=True)) >= 0
    assert check_stock()[1] == []


def test_the_database_refuses_to_rewrite_a_movement(cast) -> None:  # type: ignore[no-untyped-def]
    from django.db import DatabaseError, transaction

    material = make_material(cast, "XF-001", "干粉灭火器")
    warehouse = make_warehouse(cast.community_a, "WA", 114.01)
    stock(warehouse, material, 3)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE supplies_stockmovement SET quantity = 4")


def test_two_approvals_cannot_reserve_the_same_units(cast) -> None:  # type: ignore[no-untyped-def]
    from yingji.supplies.models import Allocation, AllocationStatus
    from yingji.supplies.services import LineRequest, approve_allocation, request_allocation

    material = make_material(cast, "SY-001", "救生衣")
    source = make_warehouse(cast.community_b, "WB", 114.02)
    target = make_warehouse(cast.community_a, "WA", 114.01)
    stock(source, material, 10)
    numbers = [request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=target,
                                  lines=[LineRequest(source, material, 8)], purpose=f"p{i}").pk for i in range(2)]

    def approve(i: int) -> object:
        return approve_allocation(Allocation.objects.get(pk=numbers[i]), actor=cast.street_officer)

    outcomes = race(2, approve)
    assert sorted(type(o).__name__ for o in outcomes) == ["Allocation", "ValidationError"], outcomes
    assert Allocation.objects.filter(status=AllocationStatus.APPROVED).count() == 1
    balance = StockBalance.objects.get(warehouse=source)
    assert (balance.quantity, balance.reserved) == (10, 8)
    assert check_stock()[1] == []
