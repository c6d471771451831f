"""Each indicator on constructed rows, the figures checked by hand (the rows are listed in each test)."""

from __future__ import annotations

import datetime

import pytest

from yingji.assessments.tests import builders as b
from yingji.core import indicators as registry
from yingji.core.indicators import Measured, Window
from yingji.core.testing import Cast

pytestmark = pytest.mark.django_db
YEAR = Window(datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))


def measure(key: str, area: object, params: dict | None = None, window: Window = YEAR) -> Measured:
    return registry.get(key).function(area, window, params or {})


def test_stations_by_type_counts_in_service_stations_registered_in_time(cast: Cast) -> None:
    b.stations(cast.community_a, "community", 2, registered=b.at(2023, 3, 1))
    b.stations(cast.community_b, "industrial_park", 1, registered=b.at(2023, 3, 1))
    b.stations(cast.community_b, "industrial_park", 1, registered=b.at(2024, 1, 2))   # too late
    b.stations(cast.community_b, "street_front", 1, registered=b.at(2023, 3, 1), active=False)
    b.stations(cast.community_c, "street_front", 1, registered=b.at(2023, 3, 1))      # other street
    m = measure("resources.stations_by_type", cast.street_1)
    # need 1+3+1; have community 2 (1 counts, 1 extra), park 1, front 0 → 2 of 5
    assert (m.achieved, m.required, m.extra, round(m.share, 2)) == (2, 5, 1, 0.4)
    assert m.records is not None and m.records.count() == 3
    # "两过半": community stations in half of the street's 2 communities → 1 needed
    m = measure("resources.stations_by_type", cast.street_1,
                {"targets": {}, "half_of_communities": ["community"]})
    assert (m.achieved, m.required, m.extra) == (1, 1, 1)


def test_hazards_closed_on_time(cast: Cast) -> None:
    b.hazard(cast.community_a, b.at(2023, 4, 1), closed=b.at(2023, 3, 30))
    b.hazard(cast.community_a, b.at(2023, 4, 1), closed=b.at(2023, 4, 2))   # late
    b.hazard(cast.community_a, b.at(2023, 4, 1), closed=None)               # still open: not on time
    b.hazard(cast.community_a, b.at(2023, 4, 1), closed=None, status="dismissed")
    b.hazard(cast.community_c, b.at(2023, 4, 1), closed=None)               # elsewhere
    m = measure("hazards.closed_on_time", cast.community_a)
    assert (m.achieved, m.required) == (1, 3)


def test_one_three_five_reuses_the_clock(cast: Cast) -> None:
    b.incident(cast.community_a, b.at(2023, 5, 1), dispatch_s=60, arrive_s=180, handle_s=300)   # all met
    b.incident(cast.community_a, b.at(2023, 5, 2), dispatch_s=61, arrive_s=170, handle_s=290)   # dispatch late
    b.incident(cast.community_a, b.at(2023, 5, 3), dispatch_s=30, arrive_s=None, handle_s=None)  # never arrived
    m = measure("incidents.one_three_five", cast.community_a)
    assert (m.achieved, m.required) == (1, 3)
    m = measure("incidents.one_three_five", cast.community_a, {"measures": ["arrival"]})
    assert (m.achieved, m.required) == (2, 3)


def test_warnings_acknowledged(cast: Cast) -> None:
    b.warning_to(cast.community_a, b.at(2023, 7, 1), people=4, acknowledged=3)
    b.warning_to(cast.community_b, b.at(2023, 7, 1), people=2, acknowledged=0)
    b.warning_to(cast.community_a, b.at(2022, 7, 1), people=5, acknowledged=0)   # previous year
    assert (lambda m: (m.achieved, m.required))(measure("warnings.acknowledged", cast.community_a)) == (3, 4)
    assert (lambda m: (m.achieved, m.required))(measure("warnings.acknowledged", cast.street_1)) == (3, 6)


def test_duty_reports_on_time(cast: Cast) -> None:
    parent = b.incident(cast.community_a, b.at(2023, 1, 1), dispatch_s=1, arrive_s=1, handle_s=1)
    b.duty_report(parent, b.at(2023, 2, 1), submitted=b.at(2023, 2, 1, 9))
    b.duty_report(parent, b.at(2023, 2, 1), submitted=b.at(2023, 2, 1, 11))    # late
    b.duty_report(parent, b.at(2023, 2, 1), submitted=None)                    # never submitted
    m = measure("duty.reports_on_time", cast.community_a)
    assert (m.achieved, m.required) == (1, 3)


def test_plans_current(cast: Cast) -> None:
    b.plan(cast.community_a, status="approved", review_due=datetime.date(2024, 1, 1), registered=b.at(2023, 1, 1))
    b.plan(cast.community_a, status="approved", review_due=datetime.date(2023, 12, 30), registered=b.at(2023, 1, 1))
    b.plan(cast.community_a, status="pending", review_due=None, registered=b.at(2023, 1, 1))
    assert (lambda m: (m.achieved, m.required))(measure("plans.current", cast.community_a)) == (1, 3)
    # No plan at all: nothing achieved of the one required.
    assert (lambda m: (m.achieved, m.required))(measure("plans.current", cast.community_b)) == (0, 1)


def test_stock_counted(cast: Cast) -> None:
    b.warehouse(cast.community_a, registered=b.at(2023, 1, 1), counted=b.at(2023, 12, 1))
    b.warehouse(cast.community_a, registered=b.at(2023, 1, 1), counted=b.at(2023, 9, 1))     # 121 days before
    b.warehouse(cast.community_a, registered=b.at(2023, 1, 1), counted=b.at(2024, 1, 5))     # after the period
    assert (lambda m: (m.achieved, m.required))(measure("supplies.stock_counted", cast.community_a)) == (1, 3)
    assert (lambda m: (m.achieved, m.required))(
        measure("supplies.stock_counted", cast.community_a, {"days": 150})) == (2, 3)


def test_ledger_quality(cast: Cast) -> None:
    b.stations(cast.community_a, "community", 3, registered=b.at(2023, 1, 1))
    bad = b.stations(cast.community_a, "community", 1, registered=b.at(2023, 1, 1))[0]
    type(bad).objects.filter(pk=bad.pk).update(phone="0755-123")   # refused by core.validators.check_phone
    m = measure("quality.ledgers", cast.community_a)
    assert (m.achieved, m.required) == (3, 4)
    assert m.details["report"] == f"/assessments/quality/?jurisdiction={cast.community_a.code}"
    from yingji.assessments.quality import quality_report

    assert [p.field for p in quality_report(cast.community_a).problems] == ["phone"]


def test_an_unknown_indicator_is_refused() -> None:
    with pytest.raises(KeyError):
        registry.get("nothing.here")


def test_drills_held_against_the_street_rule(cast: Cast) -> None:
    from yingji.drills.models import Drill, DrillRule

    DrillRule.objects.create(jurisdiction=cast.district, applies_to="street", scope="comprehensive",
                             minimum_per_year=2)
    for day in (datetime.date(2023, 3, 1), datetime.date(2024, 3, 1)):   # one this year, one the next
        Drill.objects.create(jurisdiction=cast.street_1, title="综合演练", drill_type="full_scale",
                             scope="comprehensive", held_on=day, duration_minutes=60)
    m = measure("drills.own", cast.street_1)
    assert (m.achieved, m.required) == (1, 2)
    assert m.records is not None and m.records.count() == 1
