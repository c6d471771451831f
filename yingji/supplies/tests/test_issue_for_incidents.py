"""Close-out issues the materials used from stock through the ledger, all or nothing, within the closer's reach."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from yingji.accounts.models import Membership
from yingji.accounts.roles import Role
from yingji.core.testing import api_client, make_user, web_client
from yingji.incidents.models import EventKind, Incident, Status
from yingji.incidents.services.dispatch import activate, close_incident
from yingji.incidents.tests.builders import fire_in_a, world
from yingji.supplies.models import Material, MovementKind, StockBalance, StockMovement, Warehouse
from yingji.supplies.services.check import check_stock
from yingji.supplies.tests.builders import make_material, make_warehouse, race, stock

pytestmark = pytest.mark.django_db
SOON, LATER = datetime.date(2030, 1, 1), datetime.date(2031, 1, 1)


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    # The messages are checked in English: they do not depend on the catalogue being translated yet.
    with translation.override("en"):
        yield


@pytest.fixture
def store(cast):  # type: ignore[no-untyped-def]
    """Extinguishers in two lots and life jackets in community A's store; extinguishers in community C's."""
    extinguisher = make_material(cast, "XF-001", "干粉灭火器", aliases=["灭火器4kg"])
    jacket = make_material(cast, "SY-001", "救生衣", unit="件")
    wa = make_warehouse(cast.community_a, "WA", 114.02)
    wc = make_warehouse(cast.community_c, "WC", 114.07)
    stock(wa, extinguisher, 3, batch="B-LATER", expiry_date=LATER)
    stock(wa, extinguisher, 2, batch="B-SOON", expiry_date=SOON)
    stock(wa, jacket, 4)
    stock(wc, extinguisher, 10)
    return {"extinguisher": extinguisher, "jacket": jacket, "wa": wa, "wc": wc}


def held(warehouse: Warehouse, material: Material) -> int:
    return StockBalance.objects.get(warehouse=warehouse, material=material).quantity


def snapshot() -> list[tuple[int, int, int, int]]:
    return list(StockBalance.objects.order_by("pk").values_list("warehouse_id", "material_id", "quantity",
                                                                "reserved"))


def test_it_issues_the_materials_used_first_expiry_first_one_movement_per_lot(cast, store):
    incident = fire_in_a(cast)
    closed = close_incident(incident, actor=cast.officer_a, outcome="resolved", materials_used=[
        {"name": "灭火器4kg", "quantity": 4, "warehouse": "WA"},
        {"material": store["jacket"].code, "quantity": 1, "unit": "件", "warehouse": store["wa"].pk}])
    assert closed.status == Status.CLOSED
    assert held(store["wa"], store["extinguisher"]) == 1 and held(store["wa"], store["jacket"]) == 3
    movements = StockMovement.objects.filter(document=incident.reference).order_by("pk")
    assert [(m.lot.batch, m.quantity) for m in movements] == [("B-SOON", -2), ("B-LATER", -2), ("", -1)]
    assert {m.kind for m in movements} == {MovementKind.ISSUE} and movements[0].actor == cast.officer_a
    assert movements[0].reason_code == "incident" and movements[0].document == incident.reference
    first, second = closed.materials_used
    assert first["issued"] and first["name"] == "干粉灭火器" and first["unit"] == "具" and first["quantity"] == 4
    assert first["warehouse"] == "WA" and first["movements"] == [m.pk for m in movements[:2]]
    assert second["issued"] and second["movements"] == [movements[2].pk]
    closing = incident.events.get(kind=EventKind.CLOSED)
    assert closing.data["issued_from_stock"] is True and closing.data["materials"] == closed.materials_used
    assert check_stock()[1] == []


def test_one_short_line_refuses_the_whole_close_out(cast, store):
    w = world(cast)
    incident = fire_in_a(cast)
    activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        close_incident(incident, actor=cast.officer_a, outcome="resolved", materials_used=[
            {"name": "干粉灭火器", "quantity": 2, "warehouse": "WA"},
            {"name": "救生衣", "quantity": 4, "warehouse": "WA"},
            {"name": "干粉灭火器", "quantity": 4, "warehouse": "WA"}])
    [message] = refused.value.message_dict["materials_used"]
    assert message.startswith("Line 3:") and "干粉灭火器" in message and store["wa"].name in message
    assert "3" in message  # what is left after line 1 took 2 of the 5
    incident.refresh_from_db()
    assert incident.is_open and incident.materials_used == []
    assert incident.dispatches.get().status == "called"  # the teams were not released either
    assert snapshot() == before and not StockMovement.objects.filter(document=incident.reference).exists()


def test_a_line_without_a_warehouse_is_recorded_but_not_issued(cast, store):
    incident = fire_in_a(cast)
    closed = close_incident(incident, actor=cast.officer_a, outcome="resolved", materials_used=[
        {"name": "沙袋", "quantity": 20, "unit": "个"}, {"name": "干粉灭火器", "quantity": 1}])
    assert [line["issued"] for line in closed.materials_used] == [False, False]
    assert {line["not_issued"] for line in closed.materials_used} == {"no_warehouse"}
    assert closed.materials_used[0] == {"name": "沙袋", "quantity": 20, "unit": "个", "warehouse": None,
                                        "issued": False, "not_issued": "no_warehouse"}
    assert held(store["wa"], store["extinguisher"]) == 5 and not StockMovement.objects.filter(
        document=incident.reference).exists()
    assert incident.events.get(kind=EventKind.CLOSED).data["issued_from_stock"] is False


@pytest.mark.parametrize("line, words", [
    ({"name": "干粉灭火器", "quantity": 1.5, "warehouse": "WA"}, "whole number"),
    ({"name": "灭火", "quantity": 1, "warehouse": "WA"}, "干粉灭火器"),  # not a name: suggested, not guessed
    ({"name": "干粉灭火器", "quantity": 1, "unit": "箱", "warehouse": "WA"}, "具"),
    ({"name": "干粉灭火器", "quantity": 1, "warehouse": "NOPE"}, "NOPE"),
])
def test_it_refuses_lines_it_cannot_issue_exactly(cast, store, line, words):
    incident = fire_in_a(cast)
    with pytest.raises(ValidationError) as refused:
        close_incident(incident, actor=cast.officer_a, outcome="resolved", materials_used=[line])
    [message] = refused.value.message_dict["materials_used"]
    assert message.startswith("Line 1:") and words in message
    incident.refresh_from_db()
    assert incident.is_open


def test_community_staff_cannot_issue_from_another_communitys_store(cast, store):
    incident = fire_in_a(cast)
    before = snapshot()
    # Community C's store is not even visible to officer A: answered like a store that does not exist.
    with pytest.raises(ValidationError) as refused:
        close_incident(incident, actor=cast.officer_a, outcome="resolved",
                       materials_used=[{"name": "干粉灭火器", "quantity": 1, "warehouse": "WC"}])
    assert "WC" in refused.value.message_dict["materials_used"][0]
    # Someone who sees it (an expert of the district as well) but may not issue from it: 403.
    both = make_user("staff_and_expert", Role.COMMUNITY_STAFF, cast.community_a)
    Membership.objects.create(user=both, jurisdiction=cast.district, role=Role.EXPERT)
    with pytest.raises(PermissionDenied):
        close_incident(incident, actor=both, outcome="resolved",
                       materials_used=[{"name": "干粉灭火器", "quantity": 1, "warehouse": store["wc"].pk}])
    incident.refresh_from_db()
    assert incident.is_open and snapshot() == before
    # Community staff hold the issue permission without supplies.move_stock.
    close_incident(incident, actor=cast.officer_a, outcome="resolved",
                   materials_used=[{"name": "干粉灭火器", "quantity": 1, "warehouse": "WA"}])
    assert held(store["wa"], store["extinguisher"]) == 4


def test_the_api_closes_with_materials_issued_and_answers_refusals(cast, store):
    client = api_client(cast.officer_a, language="en")

    def close(incident: Incident, *lines: dict[str, object]):  # type: ignore[no-untyped-def]
        return client.post(f"/api/v1/incidents/{incident.pk}/close", json.dumps(
            {"outcome": "resolved", "materials_used": list(lines)}), content_type="application/json")

    short = fire_in_a(cast)
    answer = close(short, {"material": "XF-001", "quantity": 6, "warehouse": "WA"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "materials_used"
    assert "5" in answer.json()["detail"]
    assert close(short, {"material": "XF-001", "quantity": 1, "warehouse": "WC"}).status_code == 422
    assert close(short, {"quantity": 1, "warehouse": "WA"}).status_code == 422  # no material at all
    assert Incident.objects.get(pk=short.pk).is_open and held(store["wa"], store["extinguisher"]) == 5
    answer = close(short, {"material": "XF-001", "quantity": 2, "warehouse": "WA"}, {"name": "沙袋", "quantity": 3})
    assert answer.status_code == 200, answer.json()
    issued, recorded = answer.json()["materials_used"]
    assert issued["issued"] and issued["warehouse"] == "WA" and len(issued["movements"]) == 1
    assert not recorded["issued"] and held(store["wa"], store["extinguisher"]) == 3
    ledger = client.get(f"/api/v1/supplies/warehouses/WA/movements?document={short.reference}").json()
    assert [(m["document"], m["quantity"], m["kind"]) for m in ledger["items"]] == [(short.reference, -2, "issue")]


def _close_form(**lines: str) -> dict[str, object]:
    data: dict[str, object] = {"outcome": "resolved", "deaths": 0, "injuries": 0, "rescued": 0, "loss_yuan": 0,
                               "evaluation": "", "materials-TOTAL_FORMS": 3, "materials-INITIAL_FORMS": 0,
                               "materials-MIN_NUM_FORMS": 0, "materials-MAX_NUM_FORMS": 30}
    data.update({f"materials-{key}": value for key, value in lines.items()})
    return data


def test_the_close_out_page_offers_the_stores_issues_and_links_the_movements(cast, store):
    incident = fire_in_a(cast)
    client = web_client(cast.officer_a, language="en")
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'list="catalogue-materials"' in page and '<option value="救生衣">' in page
    # Picking a material loads the stores the officer may issue it from, nearest first; not community C's.
    options = client.get(f"/incidents/{incident.pk}/close/sources/", {"materials-0-name": "灭火器4kg"},
                         HTTP_HX_REQUEST="true").content.decode()
    assert 'value="WA"' in options and "WC" not in options
    again = client.get(f"/incidents/{incident.pk}/close/sources/", {"materials-0-name": "干粉灭火器",
                                                                    "materials-0-warehouse": "WA"})
    assert 'value="WA" selected' in again.content.decode()  # the choice survives a reload of the options
    free_text = client.get(f"/incidents/{incident.pk}/close/sources/", {"materials-0-name": "沙袋"}).content.decode()
    assert "Not in the catalogue" in free_text and "WA" not in free_text
    # A shortage shows the page again with the lines as typed; nothing is closed.
    refused = client.post(f"/incidents/{incident.pk}/close/", _close_form(
        **{"0-name": "干粉灭火器", "0-quantity": "9", "0-warehouse": "WA"}))
    assert refused.status_code == 422 and "Line 1:" in refused.content.decode()
    assert 'value="WA" selected' in refused.content.decode() and Incident.objects.get(pk=incident.pk).is_open
    done = client.post(f"/incidents/{incident.pk}/close/", _close_form(
        **{"0-name": "干粉灭火器", "0-quantity": "3", "0-warehouse": "WA", "1-name": "沙袋", "1-quantity": "5",
           "1-unit": "个"}))
    assert done.status_code == 302 and held(store["wa"], store["extinguisher"]) == 2
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    [movement] = StockMovement.objects.filter(document=incident.reference, lot__batch="B-LATER")
    assert f"?document={incident.reference}#movement-{movement.pk}" in page and "issued from" in page
    ledger = client.get(f"/supplies/warehouses/WA/?document={incident.reference}").content.decode()
    assert f'id="movement-{movement.pk}"' in ledger and incident.reference in ledger
    assert "opening stock" not in ledger  # only this incident's movements


def test_an_outsider_gets_no_store_choices(cast, store):
    incident = fire_in_a(cast)
    assert web_client(cast.officer_c).get(f"/incidents/{incident.pk}/close/sources/",
                                          {"materials-0-name": "干粉灭火器"}).status_code == 404
    assert web_client(cast.grid_worker_a).get(f"/incidents/{incident.pk}/close/sources/",
                                              {"materials-0-name": "干粉灭火器"}).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_close_outs_racing_for_the_last_units_cannot_both_issue_them(cast):
    assert connection.vendor == "postgresql"
    extinguisher = make_material(cast, "XF-001", "干粉灭火器")
    wa = make_warehouse(cast.community_a, "WA", 114.02)
    stock(wa, extinguisher, 2, batch="B1")
    stock(wa, extinguisher, 1, batch="B2")
    incidents = [fire_in_a(cast, address=f"A社区{i}栋") for i in range(2)]
    actors = [cast.officer_a, cast.street_officer]

    def close(i: int) -> object:
        return close_incident(Incident.objects.get(pk=incidents[i].pk), actor=actors[i], outcome="resolved",
                              materials_used=[{"name": "干粉灭火器", "quantity": 3, "warehouse": "WA"}])

    outcomes = race(2, close)
    assert sorted(type(o).__name__ for o in outcomes) == ["Incident", "ValidationError"], outcomes
    loser = incidents[[isinstance(o, ValidationError) for o in outcomes].index(True)]
    assert Incident.objects.get(pk=loser.pk).is_open
    assert held(wa, extinguisher) == 0 and StockMovement.objects.filter(kind=MovementKind.ISSUE).count() == 2
    assert check_stock()[1] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_closes_out_in_the_browser_issuing_from_a_nearby_store(cast, page_for, screenshot):
    extinguisher = make_material(cast, "XF-001", "干粉灭火器")
    wa = make_warehouse(cast.community_a, "WA", 114.02)
    stock(wa, extinguisher, 5)
    incident = fire_in_a(cast)
    page = page_for(cast.officer_a, language="en")
    page.goto(f"/incidents/{incident.pk}/")
    page.select_option("#id_outcome", "resolved")
    first = page.locator("#material-lines tr.line").first
    first.locator("input[list=catalogue-materials]").fill("干粉灭火器")
    first.locator("input[list=catalogue-materials]").press("Tab")  # the change loads the stores
    first.locator("select option[value=WA]").wait_for(state="attached")
    first.locator("select").select_option("WA")
    first.locator("input[type=number]").fill("2")
    page.click("#add-material-line")
    added = page.locator("#material-lines tr.line").nth(3)
    added.locator("input[list=catalogue-materials]").fill("沙袋")
    added.locator("input[list=catalogue-materials]").press("Tab")
    # Not in the catalogue: its store list says so once loaded (the page reflows; then the button is still).
    added.locator("select option[disabled]").wait_for(state="attached")
    added.locator("input[type=number]").fill("3")
    screenshot(page, "incidents-close-out-materials")
    page.click("[data-testid=close-form] button.primary")
    page.wait_for_selector("[data-testid=movement-link]")
    screenshot(page, "incidents-closed-materials-issued")
    assert held(wa, extinguisher) == 3
    assert [line["issued"] for line in Incident.objects.get(pk=incident.pk).materials_used] == [True, False]
