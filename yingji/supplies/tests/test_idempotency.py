"""Stock moves can be retried safely: every stock-moving endpoint honours an Idempotency-Key (issue 12).

The same key again answers the first answer — same status and body — and moves
stock once; the same key with another body is refused in the error shape; a key
is the user's own; a refused write keeps nothing, so it may be retried.
"""

from __future__ import annotations

import json

import pytest

from yingji.core.testing import api_client
from yingji.supplies.models import StockBalance, StockMovement
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = pytest.mark.django_db
API = "/api/v1/supplies"


@pytest.fixture
def world(cast):  # type: ignore[no-untyped-def]
    powder = make_material(cast, "XF-001", "干粉灭火器")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    wb = make_warehouse(cast.community_b, "WB", 114.02)
    stock(wa, powder, 10, batch="B1")
    stock(wb, powder, 9, batch="B1")
    return cast, wa, wb


def post(client, url, body, key=None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def balance(warehouse) -> int:  # type: ignore[no-untyped-def]
    return StockBalance.objects.get(warehouse=warehouse).quantity


def test_a_retried_issue_moves_stock_once_and_answers_the_same(world) -> None:  # type: ignore[no-untyped-def]
    cast, wa, _wb = world
    keeper = api_client(cast.keeper_a)
    body = {"material": "XF-001", "quantity": 4, "reason": "fire", "document": "JJ-9"}
    first = post(keeper, f"{API}/warehouses/WA/issues", body, key="phone-1-0001")
    again = post(keeper, f"{API}/warehouses/WA/issues", body, key="phone-1-0001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert balance(wa) == 6 and StockMovement.objects.filter(warehouse=wa, kind="issue").count() == 1
    # Another key is another issue; no key at all is never deduplicated.
    assert post(keeper, f"{API}/warehouses/WA/issues", body, key="phone-1-0002").status_code == 201
    assert post(keeper, f"{API}/warehouses/WA/issues", {**body, "quantity": 1}).status_code == 201
    assert balance(wa) == 1


def test_the_same_key_with_another_body_is_refused_in_the_error_shape(world) -> None:  # type: ignore[no-untyped-def]
    cast, wa, _wb = world
    keeper = api_client(cast.keeper_a, "en")
    body = {"material": "XF-001", "quantity": 2, "reason": "fire"}
    assert post(keeper, f"{API}/warehouses/WA/issues", body, key="k-1").status_code == 201
    refused = post(keeper, f"{API}/warehouses/WA/issues", {**body, "quantity": 3}, key="k-1")
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid" and refused.json()["errors"][0]["field"] == "Idempotency-Key"
    elsewhere = post(keeper, f"{API}/warehouses/WA/receipts", {**body, "reason": "purchase"}, key="k-1")
    assert elsewhere.status_code == 422
    assert balance(wa) == 8


def test_a_refused_write_keeps_nothing_and_a_key_is_the_users_own(world) -> None:  # type: ignore[no-untyped-def]
    cast, wa, _wb = world
    keeper = api_client(cast.keeper_a)
    too_many = {"material": "XF-001", "quantity": 50, "reason": "fire"}
    assert post(keeper, f"{API}/warehouses/WA/issues", too_many, key="k-2").status_code == 422
    stock(wa, StockBalance.objects.get(warehouse=wa).material, 45, batch="B2")
    assert post(keeper, f"{API}/warehouses/WA/issues", too_many, key="k-2").status_code == 201  # now it can
    assert balance(wa) == 5
    # The commander's "k-2" is not the keeper's.
    body = {"material": "XF-001", "quantity": 1, "reason": "fire"}
    assert post(api_client(cast.commander), f"{API}/warehouses/WA/issues", body, key="k-2").status_code == 201
    assert balance(wa) == 4


def test_every_stock_moving_endpoint_honours_the_key(world) -> None:  # type: ignore[no-untyped-def]
    cast, wa, wb = world
    keeper, officer, receiver = api_client(cast.keeper_a), api_client(cast.street_officer), api_client(cast.officer_b)
    lot = wa.lots.get()
    calls = [
        (keeper, "/warehouses/WA/receipts", {"material": "XF-001", "quantity": 3, "reason": "purchase"}),
        (keeper, "/warehouses/WA/counts", {"lines": [{"lot": lot.pk, "counted": 12}]}),
        (keeper, f"/lots/{lot.pk}/write-off", {"quantity": 1, "reason": "damaged"}),
    ]
    for client, url, body in calls:
        before = StockMovement.objects.count()
        first = post(client, API + url, body, key=f"key {url}")
        assert first.status_code == 201, (url, first.content)
        moved = StockMovement.objects.count()
        assert moved > before, url
        assert post(client, API + url, body, key=f"key {url}").json() == first.json()
        assert StockMovement.objects.count() == moved, url
    created = post(officer, f"{API}/allocations/", {"incident_ref": "JJ-7", "jurisdiction": cast.community_b.code,
                                                    "purpose": "fire", "lines": [{"warehouse": "WB",
                                                                                  "material": "XF-001",
                                                                                  "quantity": 3}]}, key="alloc")
    number = created.json()["number"]
    assert post(officer, f"{API}/allocations/", {}, key="alloc").status_code == 422  # the key is taken
    assert post(officer, f"{API}/allocations/{number}/approve", {}, key="approve").status_code == 200
    for client, step in ((officer, "dispatch"), (receiver, "receive")):
        before = StockMovement.objects.count()
        first = post(client, f"{API}/allocations/{number}/{step}", {}, key=step)
        assert first.status_code == 200, (step, first.content)
        moved = StockMovement.objects.count()
        again = post(client, f"{API}/allocations/{number}/{step}", {}, key=step)
        assert again.status_code == 200 and again.json() == first.json()  # not "already dispatched"
        assert StockMovement.objects.count() == moved, step
        assert moved > before or step == "receive", step  # received at an incident: no warehouse books it
    assert balance(wb) == 6  # 9 less the 3 sent, once
