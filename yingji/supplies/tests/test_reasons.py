"""Why stock moved is stored as a code and read in the reader's language (issue 13): a keeper's
typed word that names a code becomes the code, other text stays as the note, the sentences the
ledger stored before are turned into codes by migration 0005."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from yingji.core.testing import api_client
from yingji.supplies.models import MovementReason, StockMovement, reason_from_text
from yingji.supplies.services import receive_stock, write_off
from yingji.supplies.services.allocations import (
    LineRequest,
    approve_allocation,
    dispatch_allocation,
    receive_allocation,
    request_allocation,
)
from yingji.supplies.tests.builders import make_material, make_warehouse, stock

pytestmark = pytest.mark.django_db


def shown(movement: StockMovement, language: str) -> str:
    with translation.override(language):
        return movement.reason_text


def test_reasons_are_codes_shown_in_the_readers_language(cast):
    jackets = make_material(cast, "SY-001", "救生衣", unit="件")
    wa, wb = make_warehouse(cast.community_a, "WA", 114.01), make_warehouse(cast.community_b, "WB", 114.02)
    bought = receive_stock(wa, jackets, 5, actor=cast.keeper_a, reason="采购", batch="B1")
    assert (bought.reason_code, bought.reason) == (MovementReason.PURCHASE, "")
    assert (shown(bought, "en"), shown(bought, "zh-hans")) == ("Purchase", "采购")
    typed = receive_stock(wa, jackets, 1, actor=cast.keeper_a, reason="社区居民捐赠的旧救生衣")
    assert (typed.reason_code, shown(typed, "en")) == (MovementReason.OTHER, "社区居民捐赠的旧救生衣")
    expired = write_off(bought.lot, 1, actor=cast.keeper_a, reason=MovementReason.EXPIRED)
    assert (shown(expired, "en"), shown(expired, "zh-hans")) == ("Expired", "过期报废")
    stock(wb, jackets, 10)
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a, destination=wa,
                                    lines=[LineRequest(wb, jackets, 3)], purpose="防汛备勤")
    approve_allocation(allocation, actor=cast.street_officer)
    dispatch_allocation(allocation, actor=cast.street_officer)
    receive_allocation(allocation, actor=cast.keeper_a, received={allocation.lines.get().pk: 3})
    sent = StockMovement.objects.get(allocation=allocation, warehouse=wb)
    arrived = StockMovement.objects.get(allocation=allocation, warehouse=wa)
    assert (sent.reason_code, sent.reason) == (MovementReason.ALLOCATION, "防汛备勤")
    assert shown(sent, "en") == "Allocation sent: 防汛备勤" and shown(sent, "zh-hans") == "调拨发出：防汛备勤"
    assert (arrived.reason_code, shown(arrived, "en")) == (MovementReason.ALLOCATION_RECEIVED, "Allocation received")
    # No Chinese sentence of the platform's own is stored any more.
    assert not StockMovement.objects.filter(reason__in=["采购", "已过期", "期初库存"]).exists()


def test_the_warehouse_page_and_the_api_show_the_label(cast, client):
    jackets = make_material(cast, "SY-001", "救生衣", unit="件")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    receive_stock(wa, jackets, 5, actor=cast.keeper_a, reason="purchase")
    client.force_login(cast.keeper_a)
    assert "<td>采购</td>" in client.get(f"/supplies/warehouses/{wa.code}/").content.decode()
    [row] = api_client(cast.keeper_a).get(f"/api/v1/supplies/warehouses/{wa.code}/movements").json()["items"]
    assert (row["reason"], row["reason_code"]) == ("采购", "purchase")


@pytest.mark.parametrize(("text", "code", "note"), [
    ("调拨单 DB-20260101-0001：防汛备勤", "allocation", "防汛备勤"),
    ("Allocation DB-20260101-0001: flood season", "allocation", "flood season"),
    ("调拨单 DB-20260101-0001 已收货", "allocation_received", ""),
    ("事件 5sa4AHF-cKlk", "incident", ""),
    ("盘点单 PD-0001", "stock_count", ""),
    ("期初库存（导入）", "opening", ""),
    ("期初库存", "opening", ""),
    ("已过期", "expired", ""),
    ("Purchase", "purchase", ""),
    ("盘点差异", "other", "盘点差异"),
])
def test_the_old_sentences_are_read_as_codes(text, code, note):
    assert reason_from_text(text) == (code, note)


def test_the_migration_turns_stored_sentences_into_codes(cast):
    jackets = make_material(cast, "SY-001", "救生衣", unit="件")
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    old = [receive_stock(wa, jackets, 1, actor=None, reason=f"placeholder {i}", check=False) for i in range(3)]
    texts = ["调拨单 DB-1：防汛", "期初库存（导入）", "盘点差异"]
    with connection.cursor() as cursor:  # as the ledger held them before the codes (the trigger set aside)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE supplies_stockmovement DISABLE TRIGGER supplies_movement_append_only")
        for movement, text in zip(old, texts, strict=True):
            cursor.execute("UPDATE supplies_stockmovement SET reason = %s, reason_code = 'other' WHERE id = %s",
                           [text, movement.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE supplies_stockmovement ENABLE TRIGGER supplies_movement_append_only")
    class Editor:  # what the migration uses of a schema editor
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    import_module("yingji.supplies.migrations.0005_movement_reason_codes").to_codes(apps, Editor())
    rows = [StockMovement.objects.values_list("reason_code", "reason").get(pk=m.pk) for m in old]
    assert rows == [("allocation", "防汛"), ("opening", ""), ("other", "盘点差异")]
