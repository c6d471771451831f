"""The supplies API and pages: happy paths, error shape, and the outsider who gets 404/403."""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client, web_client
from yingji.supplies.models import Allocation, AllocationStatus, StockBalance, StockLot
from yingji.supplies.services import LineRequest, request_allocation
from yingji.supplies.tests.builders import LAT, make_material, make_warehouse, stock

pytestmark = pytest.mark.django_db
API = "/api/v1/supplies"


@pytest.fixture
def world(cast):  # type: ignore[no-untyped-def]
    powder = make_material(cast, "XF-001", "干粉灭火器", aliases=["灭火器", "fire extinguisher"])
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    wb = make_warehouse(cast.community_b, "WB", 114.02)
    stock(wa, powder, 5, batch="B1")
    stock(wb, powder, 9, batch="B1")
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                                    lines=[LineRequest(wb, powder, 2)], purpose="restock")
    return cast, powder, wa, wb, allocation


def post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def test_search_through_the_api(world) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = world
    response = api_client(cast.street_officer).get(f"{API}/search", {"q": "fire extinguisher", "quantity": 6,
                                                                     "lon": 114.0, "lat": LAT})
    assert response.status_code == 200
    body = response.json()
    assert body["material"]["code"] == "XF-001"
    assert [r["warehouse_code"] for r in body["results"]] == ["WB"]
    assert body["results"][0]["available"] == 9 and body["estimated"] is True
    near = api_client(cast.street_officer).get(f"{API}/search", {"q": "灭火器", "near": "WA"}).json()
    assert [r["warehouse_code"] for r in near["results"]] == ["WA", "WB"]
    assert near["results"][0]["seconds"] == 0
    bad = api_client(cast.street_officer).get(f"{API}/search", {"q": "灭火器", "quantity": 0, "near": "WA"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    by_place = api_client(cast.street_officer).get(f"{API}/search", {"q": "灭火器", "place": "B社区"}).json()
    assert by_place["point"] == [cast.community_b.centroid_lon, cast.community_b.centroid_lat]
    assert by_place["results"][0]["warehouse_code"] == "WB"
    unknown = api_client(cast.street_officer).get(f"{API}/search", {"q": "灭火器", "place": "火星基地"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "place"
    nowhere = api_client(cast.street_officer).get(f"{API}/search", {"q": "灭火器"})
    assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["field"] == "point"


def test_issue_and_receipt_through_the_api(world) -> None:  # type: ignore[no-untyped-def]
    cast, _powder, wa, *_ = world
    client = api_client(cast.keeper_a)
    response = post(client, f"{API}/warehouses/WA/issues", {"material": "XF-001", "quantity": 4,
                                                             "reason": "fire", "document": "JJ-9"})
    assert response.status_code == 201 and response.json()[0]["quantity"] == -4
    refused = post(client, f"{API}/warehouses/WA/issues", {"material": "XF-001", "quantity": 4, "reason": "fire"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "quantity"
    received = post(client, f"{API}/warehouses/WA/receipts", {"material": "XF-001", "quantity": 10,
                                                               "reason": "purchase", "batch": "B2",
                                                               "expiry_date": "2030-01-01"})
    assert received.status_code == 201
    assert StockBalance.objects.get(warehouse=wa).quantity == 11
    stock_rows = client.get(f"{API}/warehouses/WA/stock").json()
    assert stock_rows == [{"material_code": "XF-001", "material_name": "干粉灭火器", "unit": "具", "quantity": 11,
                           "reserved": 0, "available": 11, "minimum": 0, "state": "sufficient"}]
    movements = client.get(f"{API}/warehouses/WA/movements").json()
    assert movements["count"] == 3 and movements["items"][0]["kind"] == "receipt"
    lot = StockLot.objects.get(warehouse=wa, batch="B2")
    count = post(client, f"{API}/warehouses/WA/counts", {"lines": [{"lot": lot.pk, "counted": 9}]})
    assert count.status_code == 201 and count.json()["adjustments"] == 1
    assert StockBalance.objects.get(warehouse=wa).quantity == 10


def test_an_allocation_through_the_api(world) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = world
    officer = api_client(cast.street_officer)
    created = post(officer, f"{API}/allocations/", {"incident_ref": "JJ-7", "jurisdiction": cast.community_b.code,
                                                    "purpose": "fire", "lines": [{"warehouse": "WB",
                                                                                  "material": "XF-001",
                                                                                  "quantity": 3}]})
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    for step in ("approve", "dispatch"):
        response = post(officer, f"{API}/allocations/{number}/{step}", {})
        assert response.status_code == 200, (step, response.content)
    # Separation of duties (issue 13): the sender does not confirm receipt; the receiving community does.
    refused = post(officer, f"{API}/allocations/{number}/receive", {})
    assert refused.status_code == 403 and "接收方的其他人员" in refused.json()["detail"]  # Chinese by default
    receiver = api_client(cast.officer_b)
    assert post(receiver, f"{API}/allocations/{number}/receive", {}).status_code == 200
    body = officer.get(f"{API}/allocations/{number}").json()
    assert body["status"] == "received" and body["lines"][0]["received"] == 3
    assert [row["status"] for row in body["timeline"] if row["kind"] == "status"] == [
        "requested", "approved", "dispatched", "received"]
    again = post(receiver, f"{API}/allocations/{number}/receive", {})
    assert again.status_code == 422


def test_the_keeper_may_not_approve(world) -> None:  # type: ignore[no-untyped-def]
    cast, *_rest, allocation = world
    response = post(api_client(cast.keeper_a), f"{API}/allocations/{allocation.number}/approve", {})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert Allocation.objects.get().status == AllocationStatus.REQUESTED


@pytest.mark.parametrize("method,url,body", [
    ("get", "/warehouses/WA", None),
    ("get", "/warehouses/WA/stock", None),
    ("get", "/warehouses/WA/lots", None),
    ("get", "/warehouses/WA/movements", None),
    ("get", "/warehouses/WA/history", None),
    ("patch", "/warehouses/WA", {"name": "x"}),
    ("post", "/warehouses/WA/receipts", {"material": "XF-001", "quantity": 1, "reason": "x"}),
    ("post", "/warehouses/WA/issues", {"material": "XF-001", "quantity": 1, "reason": "x"}),
    ("post", "/warehouses/WA/counts", {"lines": []}),
    ("post", "/lots/LOT/write-off", {"quantity": 1, "reason": "x"}),
    ("post", "/lots/LOT/maintenance", {}),
    ("get", "/allocations/NUMBER", None),
    ("post", "/allocations/NUMBER/approve", {}),
    ("post", "/allocations/NUMBER/reject", {"note": "x"}),
    ("post", "/allocations/NUMBER/cancel", {}),
    ("post", "/allocations/NUMBER/dispatch", {}),
    ("post", "/allocations/NUMBER/receive", {}),
    ("get", "/search?q=灭火器&near=WA", None),
])
def test_a_user_of_another_community_gets_404(world, method, url, body) -> None:  # type: ignore[no-untyped-def]
    cast, _powder, wa, *_rest, allocation = world
    url = url.replace("LOT", str(wa.lots.get().pk)).replace("NUMBER", allocation.number)
    client = api_client(cast.officer_c)
    response = getattr(client, method)(f"{API}{url}", json.dumps(body) if body is not None else None,
                                       content_type="application/json") if body is not None else getattr(
        client, method)(f"{API}{url}")
    if "/search" in url:
        assert response.status_code == 422  # WA is not a place officer_c can see
    else:
        assert response.status_code == 404, response.content


def test_lists_hide_other_communities(world) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = world
    client = api_client(cast.officer_c)
    assert client.get(f"{API}/warehouses/").json()["count"] == 0
    assert client.get(f"{API}/allocations/").json()["count"] == 0
    assert client.get(f"{API}/warehouses/geojson").json()["features"] == []
    assert client.get(f"{API}/reports/expiring", {"days": 10000}).json() == []
    keeper = api_client(cast.keeper_a)
    assert [w["code"] for w in keeper.get(f"{API}/warehouses/").json()["items"]] == ["WA"]
    # The allocation is for community A, so A's keeper sees it though it comes from B.
    assert keeper.get(f"{API}/allocations/").json()["count"] == 1
    assert keeper.get(f"{API}/warehouses/WB").status_code == 404
    assert client.get(f"{API}/materials/").json()["count"] == 1  # the catalogue is shared


@pytest.mark.parametrize("url", [
    "/supplies/warehouses/WA/", "/supplies/warehouses/WA/panel/", "/supplies/warehouses/WA/receive/",
    "/supplies/warehouses/WA/issue/", "/supplies/warehouses/WA/count/", "/supplies/allocations/NUMBER/",
])
def test_pages_answer_404_to_an_outsider(world, url) -> None:  # type: ignore[no-untyped-def]
    cast, *_rest, allocation = world
    response = web_client(cast.officer_c).get(url.replace("NUMBER", allocation.number))
    assert response.status_code == 404


def test_pages_refuse_writes_to_those_who_may_only_look(world) -> None:  # type: ignore[no-untyped-def]
    cast, *_rest, allocation = world
    client = web_client(cast.auditor)
    assert client.get("/supplies/warehouses/WA/").status_code == 200
    assert client.get("/supplies/warehouses/WA/issue/").status_code == 403
    assert client.get("/supplies/warehouses/WA/count/").status_code == 403
    response = client.post(f"/supplies/allocations/{allocation.number}/approve/", follow=True)
    assert Allocation.objects.get().status == AllocationStatus.REQUESTED
    assert response.status_code == 200


def test_every_page_renders(world) -> None:  # type: ignore[no-untyped-def]
    cast, *_rest, allocation = world
    client = web_client(cast.street_officer)
    for url in ["/supplies/", "/supplies/?q=灭火器&quantity=3&near=WA", "/supplies/?q=灭火器&quantity=99&near=WA",
                "/supplies/warehouses/", "/supplies/warehouses/WA/", "/supplies/warehouses/WA/panel/?material=XF-001",
                "/supplies/warehouses/WA/receive/", "/supplies/warehouses/WA/issue/", "/supplies/warehouses/WA/count/",
                "/supplies/materials/", "/supplies/allocations/", "/supplies/allocations/new/?line=WB:XF-001:2",
                f"/supplies/allocations/{allocation.number}/", "/supplies/operations/", "/supplies/import/stock/",
                "/supplies/import/materials/", "/supplies/import/warehouses/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    partial = client.get("/supplies/?q=灭火器&quantity=99&near=WA", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"WB" in partial.content
    for url in ["/supplies/operations/?export=1", "/supplies/export/stock.xlsx", "/supplies/template/materials.xlsx"]:
        assert client.get(url)["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_web_flow_of_an_allocation(world) -> None:  # type: ignore[no-untyped-def]
    cast, powder, wa, wb, _allocation = world
    client = web_client(cast.street_officer)
    response = client.post("/supplies/allocations/new/", {
        "jurisdiction": cast.community_a.pk, "destination": wa.pk, "purpose": "typhoon", "incident_ref": "",
        "lines-TOTAL_FORMS": 1, "lines-INITIAL_FORMS": 0, "lines-MIN_NUM_FORMS": 1, "lines-MAX_NUM_FORMS": 30,
        "lines-0-warehouse": wb.pk, "lines-0-material": powder.pk, "lines-0-quantity": 4})
    assert response.status_code == 302
    number = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    for step in ("approve", "dispatch"):
        client.post(f"/supplies/allocations/{number}/{step}/")
    allocation = Allocation.objects.get(number=number)
    line = allocation.lines.get()
    web_client(cast.keeper_a).post(f"/supplies/allocations/{number}/receive/", {f"received_{line.pk}": "3",
                                                                                "note": "one missing"})
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.RECEIVED
    assert StockBalance.objects.get(warehouse=wa).quantity == 8
    page = client.get(f"/supplies/allocations/{number}/").content.decode()
    assert "one missing" in page


def test_the_search_answer_keeps_to_its_published_schema(world) -> None:  # type: ignore[no-untyped-def]
    from yingji.supplies.schemas import SearchOut

    cast, *_ = world
    for params in ({"q": "灭火器", "quantity": 3, "near": "WA"}, {"q": "灭火器", "quantity": 99, "near": "WA"},
                   {"q": "nothing", "near": "WA"}):
        body = api_client(cast.street_officer).get(f"{API}/search", params).json()
        assert SearchOut.model_validate(body).model_dump(mode="json") == body
