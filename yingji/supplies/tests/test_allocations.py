"""Allocations: every transition, the movements each writes, and the refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.supplies.models import AllocationStatus, MovementKind, StockBalance, StockMovement
from yingji.supplies.services import (
    LineRequest,
    approve_allocation,
    cancel_allocation,
    dispatch_allocation,
    issue_stock,
    receive_allocation,
    reject_allocation,
    request_allocation,
)
from yingji.supplies.services.allocations import timeline
from yingji.supplies.services.check import check_stock
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):  # type: ignore[no-untyped-def]
    jackets = make_material(cast, "SY-001", "救生衣", unit="件")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    wb = make_warehouse(cast.community_b, "WB", 114.02)
    wc = make_warehouse(cast.community_c, "WC", 114.05)
    stock(wb, jackets, 6, batch="2024-01")
    stock(wb, jackets, 4, batch="2025-01")
    stock(wc, jackets, 10)
    return cast, jackets, wa, wb, wc


def held(warehouse, material):  # type: ignore[no-untyped-def]
    balance = StockBalance.objects.filter(warehouse=warehouse, material=material).first()
    return (balance.quantity, balance.reserved) if balance else (0, 0)


def test_it_moves_stock_between_warehouses_step_by_step(world) -> None:  # type: ignore[no-untyped-def]
    cast, jackets, wa, wb, _wc = world
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                                    lines=[LineRequest(wb, jackets, 8)], purpose="flood season")
    assert allocation.status == AllocationStatus.REQUESTED and allocation.number.startswith("DB-")
    approve_allocation(allocation, actor=cast.street_officer)
    assert held(wb, jackets) == (10, 8)
    dispatch_allocation(allocation, actor=cast.street_officer)
    assert held(wb, jackets) == (2, 0)
    out = StockMovement.objects.filter(allocation=allocation, kind=MovementKind.TRANSFER_OUT)
    assert sorted((m.lot.batch, m.quantity) for m in out) == [("2024-01", -6), ("2025-01", -2)]
    line = allocation.lines.get()
    receive_allocation(allocation, actor=cast.keeper_a, received={line.pk: 7}, note="one torn")
    assert held(wa, jackets) == (7, 0)
    line.refresh_from_db()
    assert (line.dispatched, line.received, line.shortfall, line.discrepancy_note) == (8, 7, 1, "one torn")
    # Batches travel with the stock.
    assert sorted(wa.lots.values_list("batch", "quantity")) == [("2024-01", 6), ("2025-01", 1)]
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.RECEIVED
    steps = [row["status"] for row in timeline(allocation) if row["kind"] == "status"]
    assert steps == ["requested", "approved", "dispatched", "received"]
    assert len([row for row in timeline(allocation) if row["kind"] == "movement"]) == 4
    assert check_stock()[1] == []


def test_an_allocation_to_an_incident_issues_the_stock(world) -> None:  # type: ignore[no-untyped-def]
    cast, jackets, _wa, wb, _wc = world
    allocation = request_allocation(actor=cast.officer_b, jurisdiction=cast.community_b, incident_ref="JJ-0042",
                                    destination_point=(114.03, 22.55), lines=[LineRequest(wb, jackets, 3)],
                                    purpose="waterlogged underpass")
    approve_allocation(allocation, actor=cast.street_officer)
    dispatch_allocation(allocation, actor=cast.street_officer)
    movement = StockMovement.objects.get(allocation=allocation)
    assert (movement.kind, movement.quantity, movement.document) == (MovementKind.ISSUE, -3, "JJ-0042")
    receive_allocation(allocation, actor=cast.officer_b)
    assert allocation.lines.get().received == 3
    assert held(wb, jackets) == (7, 0)


def test_approval_is_refused_outside_the_source_warehouses_jurisdiction(world) -> None:  # type: ignore[no-untyped-def]
    cast, jackets, wa, wb, wc = world
    allocation = request_allocation(actor=cast.commander, jurisdiction=cast.community_a, destination=wa,
                                    lines=[LineRequest(wb, jackets, 2), LineRequest(wc, jackets, 2)],
                                    purpose="drill")
    with pytest.raises(PermissionDenied):
        approve_allocation(allocation, actor=cast.street_officer)  # WC lies in the other street
    with pytest.raises(PermissionDenied):
        approve_allocation(allocation, actor=cast.keeper_a)  # keepers may not approve
    with pytest.raises(PermissionDenied):
        approve_allocation(allocation, actor=cast.officer_b)  # community staff may only request
    approve_allocation(allocation, actor=cast.commander)
    assert held(wb, jackets) == (10, 2) and held(wc, jackets) == (10, 2)


def test_approval_is_refused_when_the_stock_is_not_there(world) -> None:  # type: ignore[no-untyped-def]
    cast, jackets, wa, wb, _wc = world
    first = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                               lines=[LineRequest(wb, jackets, 7)], purpose="first")
    second = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                                lines=[LineRequest(wb, jackets, 4)], purpose="second")
    approve_allocation(first, actor=cast.street_officer)
    with pytest.raises(ValidationError) as error:
        approve_allocation(second, actor=cast.street_officer)
    assert "only 3" in str(error.value.messages).lower() or "3" in error.value.messages[0]
    # The reserved units cannot be issued elsewhere either.
    with pytest.raises(ValidationError):
        issue_stock(wb, jackets, 4, actor=cast.street_officer, reason="fire")
    second.refresh_from_db()
    assert second.status == AllocationStatus.REQUESTED and held(wb, jackets) == (10, 7)


def test_reject_and_cancel_release_the_reservation(world) -> None:  # type: ignore[no-untyped-def]
    cast, jackets, wa, wb, _wc = world
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                                    lines=[LineRequest(wb, jackets, 5)], purpose="x")
    approve_allocation(allocation, actor=cast.street_officer)
    with pytest.raises(ValidationError):
        reject_allocation(allocation, actor=cast.street_officer, note="")  # a reason is required
    reject_allocation(allocation, actor=cast.street_officer, note="not needed after all")
    assert held(wb, jackets) == (10, 0)
    mine = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_b, incident_ref="JJ-1",
                              lines=[LineRequest(wb, jackets, 5)], purpose="y")
    approve_allocation(mine, actor=cast.street_officer)
    with pytest.raises(Http404):  # community C may not even see it (the scope rule: 404, not 403)
        cancel_allocation(mine, actor=cast.officer_c)
    cancel_allocation(mine, actor=cast.officer_b)  # the requesting community may cancel
    assert held(wb, jackets) == (10, 0)
    assert check_stock()[1] == []


def test_steps_out_of_order_and_double_receipt_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    cast, jackets, wa, wb, _wc = world
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                                    lines=[LineRequest(wb, jackets, 2)], purpose="x")
    with pytest.raises(ValidationError):
        dispatch_allocation(allocation, actor=cast.street_officer)
    with pytest.raises(ValidationError):
        receive_allocation(allocation, actor=cast.keeper_a)
    approve_allocation(allocation, actor=cast.street_officer)
    with pytest.raises(ValidationError):
        approve_allocation(allocation, actor=cast.street_officer)
    dispatch_allocation(allocation, actor=cast.street_officer)
    with pytest.raises(ValidationError):
        cancel_allocation(allocation, actor=cast.street_officer)
    line = allocation.lines.get()
    with pytest.raises(ValidationError):
        receive_allocation(allocation, actor=cast.keeper_a, received={line.pk: 3})  # more than dispatched
    with pytest.raises(Http404):
        receive_allocation(allocation, actor=cast.officer_c)  # not the receiving side, nor may see it
    with pytest.raises(PermissionDenied, match="只有接收方"):
        receive_allocation(allocation, actor=cast.officer_b)  # sees it (the source side), may not receive
    receive_allocation(allocation, actor=cast.keeper_a)
    with pytest.raises(ValidationError):
        receive_allocation(allocation, actor=cast.keeper_a)
    assert held(wa, jackets) == (2, 0)


def test_a_request_is_validated_before_anything_is_written(world) -> None:  # type: ignore[no-untyped-def]
    cast, jackets, wa, wb, wc = world
    with pytest.raises(ValidationError) as error:
        request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, lines=[], purpose="")
    assert set(error.value.message_dict) == {"purpose", "destination", "lines"}
    with pytest.raises(ValidationError):
        request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                           lines=[LineRequest(wa, jackets, 1)], purpose="to itself")
    with pytest.raises(Http404):
        request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                           lines=[LineRequest(wc, jackets, 1)], purpose="cannot see WC")
    with pytest.raises(PermissionDenied):
        request_allocation(actor=cast.keeper_a, jurisdiction=cast.community_b, destination=wb,
                           lines=[LineRequest(wa, jackets, 1)], purpose="not their community")
    from yingji.supplies.models import Allocation

    assert Allocation.objects.count() == 0


def test_an_allocation_links_a_recorded_incident(world) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from yingji.incidents.models import Incident
    from yingji.supplies.queries import resolve_point

    cast, jackets, _wa, wb, _wc = world
    incident = Incident.objects.create(jurisdiction=cast.community_b, type_code="11200", channel="12345",
                                       lon=114.031, lat=22.555, address="笋岗路隧道", received_at=timezone.now())
    assert resolve_point(cast.street_officer, lon=None, lat=None, near=None,
                         incident=incident.reference) == (114.031, 22.555)
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_b, incident=incident,
                                    lines=[LineRequest(wb, jackets, 2)], purpose="waterlogging")
    assert allocation.incident == incident and allocation.incident_ref == incident.reference
    assert (allocation.destination_lon, allocation.destination_lat) == (114.031, 22.555)
    assert allocation.destination_text == "笋岗路隧道"
    with pytest.raises(Http404):
        request_allocation(actor=cast.officer_c, jurisdiction=cast.community_c, incident=incident,
                           lines=[LineRequest(wb, jackets, 1)], purpose="not theirs")


def test_a_shortfall_is_worded_in_the_readers_language_not_stored(world) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: "发出 5，接收 4。" was stored and shown to English readers."""
    from django.utils import translation

    cast, jackets, wa, wb, _wc = world
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                                    lines=[LineRequest(wb, jackets, 5)], purpose="flood season")
    approve_allocation(allocation, actor=cast.street_officer)
    dispatch_allocation(allocation, actor=cast.street_officer)
    line = allocation.lines.get()
    with translation.override("zh-hans"):
        receive_allocation(allocation, actor=cast.keeper_a, received={line.pk: 4})
    line.refresh_from_db()
    assert line.discrepancy_note == ""
    allocation.refresh_from_db()
    with translation.override("en"):
        note = [r["note"] for r in timeline(allocation) if r["status"] == "received"][0]
    assert note == "Discrepancies: 救生衣: received 4 of 5"
    with translation.override("zh-hans"):
        note = [r["note"] for r in timeline(allocation) if r["status"] == "received"][0]
    assert note == "差异：救生衣：实发 5，实收 4"


def test_the_sender_never_confirms_receipt_even_holding_the_receiving_side(world) -> None:  # type: ignore[no-untyped-def]
    """Separation of duties (issue 13): the district may receive anywhere, but not what it sent itself."""
    from yingji.core.testing import api_client, web_client
    from yingji.supplies.workflows import ALLOCATION

    cast, jackets, wa, wb, _wc = world
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                                    lines=[LineRequest(wb, jackets, 2)], purpose="flood season")
    approve_allocation(allocation, actor=cast.street_officer)
    dispatch_allocation(allocation, actor=cast.commander)
    allocation.refresh_from_db()
    # The same rule answers the buttons, the API's steps and the step itself.
    assert "receive" not in [step.name for step in ALLOCATION.allowed(cast.commander, allocation)]
    assert "receive" in [step.name for step in ALLOCATION.allowed(cast.street_officer, allocation)]
    page = web_client(cast.commander).get(f"/supplies/allocations/{allocation.number}/")
    assert page.status_code == 200 and b'data-testid="receive"' not in page.content
    assert b'data-testid="receive"' in web_client(cast.keeper_a).get(
        f"/supplies/allocations/{allocation.number}/").content
    assert "receive" not in api_client(cast.commander).get(
        f"/api/v1/supplies/allocations/{allocation.number}").json()["steps"]
    with pytest.raises(PermissionDenied, match="发出人"):
        receive_allocation(allocation, actor=cast.commander)
    assert held(wa, jackets) == (0, 0)
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.DISPATCHED
    receive_allocation(allocation, actor=cast.keeper_a)
    assert held(wa, jackets) == (2, 0)
