"""The incidents list exported to Excel: the same filters, the user's scope, the 1-3-5 minutes, masked phones."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest

from yingji.core.testing import web_client
from yingji.incidents.models import Status
from yingji.incidents.tests.builders import C_POINT, fire_in_a

pytestmark = pytest.mark.django_db
URL = "/incidents/export.xlsx"


def rows(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    header, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [dict(zip(header, r, strict=True)) for r in body]


def test_it_exports_the_incidents_in_scope_with_their_clock(cast):
    mine = fire_in_a(cast, reporter_phone="13812345678")
    received = mine.received_at
    mine.dispatched_at = received + datetime.timedelta(seconds=45)
    mine.arrived_at = received + datetime.timedelta(seconds=170)
    mine.handled_at = received + datetime.timedelta(minutes=6)
    mine.save()
    theirs = fire_in_a(cast, lon=C_POINT[0], lat=C_POINT[1], address="C社区", actor=cast.commander)
    exported = rows(web_client(cast.officer_a, "en").get(URL, {"status": "all"}))
    assert [r["reference"] for r in exported] == [mine.reference]  # not community C's
    row = exported[0]
    assert row["type"] == "Building fire" and row["status"] == "Reported"
    assert (row["minutes to dispatch"], row["minutes to the scene"], row["minutes to initial handling"]) == (0.8, 2.8, 6)
    assert row["reporter phone"] == "13812345678"  # officers see personal data
    assert theirs.reference in [r["reference"] for r in rows(web_client(cast.commander, "en").get(URL, {"status": "all"}))]


def test_it_follows_the_lists_filters(cast):
    open_one = fire_in_a(cast)
    closed = fire_in_a(cast, address="另一处")
    closed.status = Status.CLOSED
    closed.save()
    client = web_client(cast.officer_a, "en")
    assert [r["reference"] for r in rows(client.get(URL))] == [open_one.reference]  # open by default, as the list
    assert [r["reference"] for r in rows(client.get(URL, {"status": "closed"}))] == [closed.reference]
    assert rows(client.get(URL, {"type": "91200", "status": "all"})) == []
    assert 'data-testid="export-incidents"' in client.get("/incidents/").content.decode()


def test_the_reporters_phone_is_masked_for_roles_without_personal_data(cast):
    fire_in_a(cast, reporter_phone="13812345678")
    [row] = rows(web_client(cast.auditor, "en").get(URL))
    assert row["reporter phone"] != "13812345678" and row["reporter phone"].endswith("5678")


def test_roles_without_export_get_403_and_no_button(cast):
    fire_in_a(cast)
    client = web_client(cast.grid_worker_a, "en")
    assert client.get(URL).status_code == 403
    assert 'data-testid="export-incidents"' not in client.get("/incidents/").content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
