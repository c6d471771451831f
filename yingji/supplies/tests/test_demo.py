"""The demo step: Futian's 189 kinds and 107,572 items, exactly, with a consistent ledger."""

from __future__ import annotations

import io

import pytest
from django.db.models import Count, Sum

from yingji.accounts.demo import generate_accounts
from yingji.core.demo import DemoContext
from yingji.jurisdictions.demo import generate_jurisdictions
from yingji.supplies.demo import distribute, generate_supplies
from yingji.supplies.models import Material, StockBalance, StockMovement, Warehouse, WarehouseLevel
from yingji.supplies.services.check import check_stock


def run(scale: str) -> DemoContext:
    context = DemoContext(scale=scale, seed=2026, out=io.StringIO())
    generate_jurisdictions(context)
    generate_accounts(context)
    generate_supplies(context)
    return context


def test_distribute_adds_up_exactly() -> None:
    counts = distribute(107_572, [0.3, 5.0, 1e-6, 2.5, 100.0])
    assert sum(counts) == 107_572 and min(counts) >= 1


@pytest.mark.django_db
def test_the_futian_district_holds_exactly_its_published_figures() -> None:
    context = run("futian")
    levels = dict(Warehouse.objects.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    assert levels == {WarehouseLevel.DISTRICT: 1, WarehouseLevel.STREET: 10, WarehouseLevel.COMMUNITY: 92}
    assert Material.objects.count() == 189
    assert StockBalance.objects.values("material").distinct().count() == 189
    assert StockBalance.objects.aggregate(n=Sum("quantity"))["n"] == 107_572
    assert StockMovement.objects.aggregate(n=Sum("quantity"))["n"] == 107_572
    assert check_stock()[1] == []
    keeper = context.users["keeper"]
    assert Warehouse.objects.get(keeper=keeper).jurisdiction == context.communities[0]
    # Something to show on the operations page.
    from yingji.supplies.services.reports import below_minimum

    assert below_minimum(Warehouse.objects.all())


@pytest.mark.django_db
def test_the_small_scale_is_fast_and_consistent() -> None:
    run("small")
    assert Warehouse.objects.count() == 1 + 3 + 12
    assert check_stock()[1] == []
    # Issue 13: communities waiting on the street's depot and on the district reserve, asked by their own staff.
    from yingji.accounts.models import Membership
    from yingji.supplies.models import Allocation, AllocationStatus

    pending = Allocation.objects.filter(status=AllocationStatus.REQUESTED, jurisdiction__level="community",
                                        lines__warehouse__level__in=["street", "district"])
    asked = {(a.lines.get().warehouse.level, Membership.objects.get(user=a.requested_by).role,
              a.jurisdiction.path.startswith(a.lines.get().warehouse.jurisdiction.path)) for a in pending}
    assert asked == {("street", "community_staff", True), ("district", "community_staff", True)}


@pytest.mark.django_db
def test_no_demo_movement_is_dated_in_the_future() -> None:
    """Issue 13: an opening-stock receipt of today was dated 09:00 even when generated before nine."""
    import datetime
    from unittest import mock
    from zoneinfo import ZoneInfo

    from yingji.supplies.models import StockMovement

    early = datetime.datetime(2026, 12, 5, 6, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with mock.patch("django.utils.timezone.now", return_value=early):
        run("small")
    assert StockMovement.objects.exists()
    assert not StockMovement.objects.filter(occurred_at__gt=early).exists()
