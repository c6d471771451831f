"""Issue 13: a community requests from its street's depot and the district reserve, approved by their owners.

The community sees those depots as sources (name, owner, what is available of a
material) and never their stock pages; the depot's side approves and dispatches;
the community signs the receipt; the sender never does.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from yingji.accounts.roles import Role
from yingji.core.testing import api_client, make_user, web_client
from yingji.supplies.models import (
    Allocation,
    AllocationStatus,
    MovementKind,
    StockBalance,
    StockMovement,
    Warehouse,
    WarehouseLevel,
)
from yingji.supplies.services import (
    LineRequest,
    approve_allocation,
    dispatch_allocation,
    receive_allocation,
    request_allocation,
)
from yingji.supplies.services.check import check_stock
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = pytest.mark.django_db
API = "/api/v1/supplies"


@pytest.fixture
def world(cast):  # type: ignore[no-untyped-def]
    """WA/WB: communities A and B (street S1); S1: S1's depot; S2: the other street's depot; D: the district
    reserve; ST: a station store of street S1 (not a depot); with a keeper at S1 and one at the district."""
    bags = make_material(cast, "FX-004", "防汛沙袋", unit="条")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    wb = make_warehouse(cast.community_b, "WB", 114.02)
    s1 = make_warehouse(cast.street_1, "S1", 114.03, level=WarehouseLevel.STREET, name="南园街道应急物资仓库")
    s2 = make_warehouse(cast.street_2, "S2", 114.05, level=WarehouseLevel.STREET, name="园岭街道应急物资仓库")
    st = make_warehouse(cast.street_1, "ST", 114.035, level=WarehouseLevel.STATION, name="南园中心站物资柜")
    district = make_warehouse(cast.district, "D", 114.04, level=WarehouseLevel.DISTRICT, name="区应急物资储备库")
    for warehouse, units in ((wa, 5), (wb, 7), (s1, 100), (s2, 100), (st, 9), (district, 500)):
        stock(warehouse, bags, units, batch="2025-06")
    cast.keeper_s1 = make_user("keeper_s1", Role.WAREHOUSE_KEEPER, cast.street_1)
    cast.keeper_d = make_user("keeper_d", Role.WAREHOUSE_KEEPER, cast.district)
    return cast, bags, {w.code: w for w in (wa, wb, s1, s2, st, district)}


def codes(queryset) -> set[str]:  # type: ignore[no-untyped-def]
    return set(queryset.values_list("code", flat=True))


def held(warehouse, material) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    balance = StockBalance.objects.get(warehouse=warehouse, material=material)
    return balance.quantity, balance.reserved


def post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def ask(cast, bags, w, source: str, units: int = 30):  # type: ignore[no-untyped-def]
    return request_allocation(actor=cast.officer_a, jurisdiction=cast.community_a, destination=w["WA"],
                              lines=[LineRequest(w[source], bags, units)], purpose="汛前补充沙袋")


def test_it_offers_a_community_its_own_warehouses_and_the_depots_above_it(world) -> None:  # type: ignore[no-untyped-def]
    cast, _bags, _w = world
    sources = Warehouse.objects.requestable_sources_for
    assert codes(sources(cast.officer_a)) == {"WA", "S1", "D"}  # not B's, not S2's, not S1's station store
    assert codes(sources(cast.officer_b)) == {"WB", "S1", "D"}
    assert codes(sources(cast.officer_c)) == {"S2", "D"}
    assert codes(sources(cast.street_officer)) == {"WA", "WB", "S1", "ST", "D"}
    assert codes(sources(cast.grid_worker_a)) == set()  # may not request: sees no source at all
    # The general scope rule is untouched: the community sees only its own warehouse.
    assert codes(Warehouse.objects.visible_to(cast.officer_a)) == {"WA"}


@pytest.mark.parametrize("url", [
    "/supplies/warehouses/S1/", "/supplies/warehouses/S1/panel/", "/supplies/warehouses/S1/receive/",
    "/supplies/warehouses/S1/issue/", "/supplies/warehouses/S1/count/", "/supplies/warehouses/D/",
    "/api/v1/supplies/warehouses/S1", "/api/v1/supplies/warehouses/S1/stock", "/api/v1/supplies/warehouses/S1/lots",
    "/api/v1/supplies/warehouses/S1/movements", "/api/v1/supplies/warehouses/S1/history",
    "/api/v1/supplies/warehouses/D/movements",
])
def test_the_community_cannot_open_the_depots_pages(world, url) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = world
    client = api_client(cast.officer_a) if url.startswith("/api/") else web_client(cast.officer_a)
    assert client.get(url).status_code == 404
    assert web_client(cast.street_officer).get("/supplies/warehouses/S1/").status_code == 200


def test_the_sources_say_only_what_a_request_needs(world) -> None:  # type: ignore[no-untyped-def]
    cast, bags, w = world
    approve_allocation(request_allocation(actor=cast.street_officer, jurisdiction=cast.community_b,
                                          destination=w["WB"], lines=[LineRequest(w["S1"], bags, 40)],
                                          purpose="x"), actor=cast.street_officer)
    body = api_client(cast.officer_a).get(f"{API}/allocations/sources", {"material": "FX-004"}).json()
    assert [(r["code"], r["own"], r["available"]) for r in body] == [("WA", True, 5), ("S1", False, 60),
                                                                     ("D", False, 500)]
    assert set(body[1]) == {"code", "name", "level", "level_label", "owner_code", "owner_name", "own", "available"}
    assert (body[1]["owner_code"], body[1]["level_label"]) == (cast.street_1.code, "街道仓库")
    assert [r["available"] for r in api_client(cast.officer_a).get(f"{API}/allocations/sources").json()] == [
        None, None, None]
    unknown = api_client(cast.officer_a).get(f"{API}/allocations/sources", {"material": "NO-SUCH"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "material"
    assert [r["code"] for r in api_client(cast.officer_c).get(f"{API}/allocations/sources").json()] == ["S2", "D"]
    # The request form's panel: the same rows, the depots by name, for one material.
    panel = web_client(cast.officer_a).get("/supplies/allocations/sources/", {"material": bags.pk}).content.decode()
    assert "南园街道应急物资仓库" in panel and "60 条" in panel and "WB" not in panel and "S2" not in panel
    form = web_client(cast.officer_a).get("/supplies/allocations/new/").content.decode()
    assert "S1 · 南园街道应急物资仓库" in form and "D · 区应急物资储备库" in form
    assert "WB · " not in form and "S2 · " not in form and "ST · " not in form


def test_a_sibling_communitys_warehouse_is_not_requestable(world) -> None:  # type: ignore[no-untyped-def]
    cast, bags, w = world
    with pytest.raises(Http404):
        ask(cast, bags, w, "WB")
    with pytest.raises(Http404):
        ask(cast, bags, w, "S2")  # the other street's depot is not above community A
    with pytest.raises(Http404):
        ask(cast, bags, w, "ST")  # a station store of the street is not a depot
    response = post(api_client(cast.officer_a), f"{API}/allocations/", {
        "destination": "WA", "purpose": "x", "lines": [{"warehouse": "WB", "material": "FX-004", "quantity": 1}]})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    page = web_client(cast.officer_a).post("/supplies/allocations/new/", {
        "jurisdiction": cast.community_a.pk, "destination": w["WA"].pk, "purpose": "x",
        "lines-TOTAL_FORMS": 1, "lines-INITIAL_FORMS": 0, "lines-MIN_NUM_FORMS": 1, "lines-MAX_NUM_FORMS": 30,
        "lines-0-warehouse": w["WB"].pk, "lines-0-material": bags.pk, "lines-0-quantity": 1})
    assert page.status_code == 200 and "选择一个有效的选项" in page.content.decode()
    assert not Allocation.objects.exists()


def test_the_street_approves_and_dispatches_and_the_community_signs_the_receipt(world) -> None:  # type: ignore[no-untyped-def]
    cast, bags, w = world
    community = web_client(cast.officer_a)
    response = community.post("/supplies/allocations/new/", {
        "jurisdiction": cast.community_a.pk, "destination": w["WA"].pk, "purpose": "汛前补充沙袋",
        "lines-TOTAL_FORMS": 1, "lines-INITIAL_FORMS": 0, "lines-MIN_NUM_FORMS": 1, "lines-MAX_NUM_FORMS": 30,
        "lines-0-warehouse": w["S1"].pk, "lines-0-material": bags.pk, "lines-0-quantity": 30})
    assert response.status_code == 302, response.content.decode()[:2000]
    allocation = Allocation.objects.get()
    url = f"{API}/allocations/{allocation.number}"
    # The requester follows it; the buttons are the owners'.
    assert api_client(cast.officer_a).get(url).json()["steps"] == ["cancel"]
    assert post(api_client(cast.officer_a), f"{url}/approve", {}).status_code == 403
    keeper = post(api_client(cast.keeper_s1), f"{url}/approve", {})
    assert keeper.status_code == 403 and keeper.json()["code"] == "forbidden"  # a keeper never approves
    assert post(api_client(cast.officer_c), f"{url}/approve", {}).status_code == 404  # the other street
    assert api_client(cast.street_officer).get(url).json()["steps"] == ["approve", "reject", "cancel"]
    assert post(api_client(cast.street_officer), f"{url}/approve", {}).status_code == 200
    assert held(w["S1"], bags) == (100, 30)
    assert post(api_client(cast.officer_a), f"{url}/dispatch", {}).status_code == 403
    assert post(api_client(cast.keeper_s1), f"{url}/dispatch", {}).status_code == 200
    assert held(w["S1"], bags) == (70, 0)
    out = StockMovement.objects.get(allocation=allocation)
    assert (out.warehouse.code, out.kind, out.quantity) == ("S1", MovementKind.TRANSFER_OUT, -30)
    # The sender does not sign; the street keeper has no say over community A's warehouse either way.
    assert post(api_client(cast.keeper_s1), f"{url}/receive", {}).status_code in (403, 404)
    assert post(api_client(cast.officer_b), f"{url}/receive", {}).status_code == 404
    signed = post(api_client(cast.officer_a), f"{url}/receive", {})
    assert signed.status_code == 200 and signed.json()["status"] == "received"
    assert held(w["WA"], bags) == (35, 0)
    assert [r["status"] for r in signed.json()["timeline"] if r["kind"] == "status"] == [
        "requested", "approved", "dispatched", "received"]
    # The requester's page names the depot without a link into its ledger; the street's links it.
    page = community.get(f"/supplies/allocations/{allocation.number}/").content.decode()
    assert "南园街道应急物资仓库" in page and "/supplies/warehouses/S1/" not in page and "已签收" in page
    assert "/supplies/warehouses/S1/" in web_client(cast.street_officer).get(
        f"/supplies/allocations/{allocation.number}/").content.decode()
    assert check_stock()[1] == []


def test_a_request_to_the_district_reserve_is_the_districts_to_approve(world) -> None:  # type: ignore[no-untyped-def]
    cast, bags, w = world
    allocation = ask(cast, bags, w, "D", 50)
    assert Allocation.objects.visible_to(cast.keeper_d).filter(pk=allocation.pk).exists()
    assert Allocation.objects.visible_to(cast.street_officer).filter(pk=allocation.pk).exists()  # its community's
    with pytest.raises(PermissionDenied, match="区应急物资储备库"):
        approve_allocation(allocation, actor=cast.street_officer)
    with pytest.raises(Http404):
        approve_allocation(allocation, actor=cast.officer_c)
    approve_allocation(allocation, actor=cast.commander)
    dispatch_allocation(allocation, actor=cast.keeper_d)
    with pytest.raises(PermissionDenied, match="发出人"):
        receive_allocation(allocation, actor=cast.keeper_d)
    receive_allocation(allocation, actor=cast.keeper_a)
    assert held(w["D"], bags) == (450, 0) and held(w["WA"], bags) == (55, 0)
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.RECEIVED


def test_steps_taken_twice_change_nothing_the_second_time(world) -> None:  # type: ignore[no-untyped-def]
    cast, bags, w = world
    allocation = ask(cast, bags, w, "S1")
    url = f"{API}/allocations/{allocation.number}"
    for client, step in ((api_client(cast.street_officer), "approve"), (api_client(cast.keeper_s1), "dispatch"),
                         (api_client(cast.officer_a), "receive")):
        assert post(client, f"{url}/{step}", {}).status_code == 200
        again = post(client, f"{url}/{step}", {})
        assert again.status_code == 422 and again.json()["errors"][0]["field"] == "status", step
    assert held(w["S1"], bags) == (70, 0) and held(w["WA"], bags) == (35, 0)
    assert StockMovement.objects.filter(allocation=allocation).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_for_the_depots_last_units_approved_at_once_reserve_them_once(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from yingji.supplies.tests.builders import race

    cast, bags, w = world
    first = ask(cast, bags, w, "S1", 60)
    second = request_allocation(actor=cast.officer_b, jurisdiction=cast.community_b, destination=w["WB"],
                                lines=[LineRequest(w["S1"], bags, 60)], purpose="汛前补充沙袋")
    pks = [first.pk, second.pk]
    outcomes = race(2, lambda i: approve_allocation(Allocation.objects.get(pk=pks[i]), actor=cast.street_officer))
    assert sorted(type(o).__name__ for o in outcomes) == ["Allocation", "ValidationError"], outcomes
    assert isinstance(next(o for o in outcomes if not isinstance(o, Allocation)), ValidationError)
    assert held(w["S1"], bags) == (100, 60)
    assert sorted(Allocation.objects.values_list("status", flat=True)) == ["approved", "requested"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_receipt_signed_twice_at_once_books_the_stock_in_once(world) -> None:  # type: ignore[no-untyped-def]
    from yingji.supplies.tests.builders import race

    cast, bags, w = world
    allocation = ask(cast, bags, w, "S1", 30)
    approve_allocation(allocation, actor=cast.street_officer)
    dispatch_allocation(allocation, actor=cast.keeper_s1)
    signers = [cast.officer_a, cast.keeper_a]
    outcomes = race(2, lambda i: receive_allocation(Allocation.objects.get(pk=allocation.pk), actor=signers[i]))
    assert sorted(type(o).__name__ for o in outcomes) == ["Allocation", "ValidationError"], outcomes
    assert held(w["S1"], bags) == (70, 0) and held(w["WA"], bags) == (35, 0)
    assert StockMovement.objects.filter(allocation=allocation, kind=MovementKind.TRANSFER_IN).count() == 1
    assert check_stock()[1] == []


def test_the_home_lists_a_request_for_its_owners_to_approve(world) -> None:  # type: ignore[no-untyped-def]
    """The street's home lists the request to its depot, not its community's request to the district reserve."""
    cast, bags, w = world
    to_street = ask(cast, bags, w, "S1", 10)
    to_district = ask(cast, bags, w, "D", 20)
    street_home = web_client(cast.street_officer).get("/").content.decode()
    assert to_street.number in street_home and to_district.number not in street_home
    district_home = web_client(cast.commander).get("/").content.decode()
    assert to_street.number in district_home and to_district.number in district_home
