"""Statistics: found, closed and overdue per street and month; days to close; recurrence at one place."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from yingji.core.testing import api_client
from yingji.hazards.models import HazardStatus
from yingji.hazards.tests.builders import hazard, point

pytestmark = pytest.mark.django_db
API = "/api/v1/hazards/stats"


def test_it_counts_per_street_and_month_with_closing_time_and_recurrence(cast):
    now = timezone.now()
    day = datetime.timedelta(days=1)
    spot = point(cast.community_a, "A-1")
    hazard(cast.community_a, risk_point=spot, reported_at=now - 40 * day, deadline=now - 33 * day,
           status=HazardStatus.CLOSED, closed_at=now - 36 * day)                    # 4 days, on time
    hazard(cast.community_a, risk_point=spot, reported_at=now - 20 * day, deadline=now - 13 * day,
           status=HazardStatus.CLOSED, closed_at=now - 10 * day)                    # 10 days, late; recurrence
    hazard(cast.grid_a1, reported_at=now - 5 * day, deadline=now - 1 * day)         # open and overdue
    hazard(cast.community_c, reported_at=now - 2 * day)                             # street 2, reported only
    body = api_client(cast.commander).get(API).json()
    streets = {s["code"]: s for s in body["streets"]}
    s1, s2 = streets["440304001000"], streets["440304002000"]
    assert (s1["found"], s1["closed"], s1["overdue"], s1["recurrent"]) == (3, 2, 2, 1)
    assert s1["average_close_days"] == 7.0
    assert (s2["found"], s2["closed"], s2["overdue"]) == (1, 0, 0)
    assert (body["open"], body["overdue"]) == (2, 1)
    assert sum(body["chart"]["found"]) == 4 and len(body["chart"]["months"]) == 12
    assert body["places"][0] == {"place": "A-1", "street": "南园街道", "count": 2}
    # In scope: community C's officer sees only C's hazard.
    mine = api_client(cast.officer_c).get(API).json()
    assert [s["found"] for s in mine["streets"]] == [1] and mine["open"] == 1
    book = openpyxl.load_workbook(io.BytesIO(api_client(cast.commander).get(f"{API}/export").getvalue()))
    assert book.sheetnames[1] and list(book.worksheets[1].iter_rows(min_row=2, values_only=True))[0][:4] == (
        "南园街道", 3, 2, 2)
    assert api_client(cast.commander, "en").get(API, {"start": "2026-05-01", "end": "2026-01-01"}).status_code == 422


def test_the_statistics_inspections_and_patrols_pages_open_in_scope(cast):
    from yingji.core.testing import web_client

    hazard(cast.community_a, reported_at=timezone.now() - datetime.timedelta(days=3))
    page = web_client(cast.officer_a).get("/hazards/stats/")
    assert page.status_code == 200 and page.context["result"].streets[0].found_total == 1
    assert web_client(cast.officer_c).get("/hazards/stats/").context["result"].streets[0].found_total == 0
    xlsx = web_client(cast.officer_a).get("/hazards/stats/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert web_client(cast.street_officer).get("/hazards/inspections/").status_code == 200
    assert web_client(cast.officer_a).get("/hazards/patrols/").status_code == 200
    bad = web_client(cast.officer_a).get("/hazards/stats/", {"start": "not-a-date"})
    assert bad.status_code == 200
