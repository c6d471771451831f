"""The presets reproduce the worked example of docs/assessments.md exactly, on the rows it lists."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from yingji.assessments import services
from yingji.assessments.models import IndicatorItem, PeriodKind, Scheme
from yingji.assessments.presets import load_presets
from yingji.assessments.tests import builders as b
from yingji.core.testing import Cast

pytestmark = pytest.mark.django_db


def example_ledgers(cast: Cast) -> dict[str, Any]:
    """Street 1 (A and B) in 2023, as the docs' table lists it; street 2 has nothing."""
    a, bb = cast.community_a, cast.community_b
    y = 2023
    b.stations(a, "community", 1, registered=b.at(y, 3, 1))
    b.stations(a, "industrial_park", 2, registered=b.at(y, 3, 1))
    b.stations(bb, "street_front", 3, registered=b.at(y, 3, 1))
    b.stations(a, "industrial_park", 1, registered=b.at(2024, 2, 1))        # after the period
    b.stations(a, "community", 1, registered=b.at(y, 3, 1), active=False)   # out of service
    first = b.incident(a, b.at(y, 2, 10), dispatch_s=40, arrive_s=150, handle_s=280)
    b.incident(a, b.at(y, 3, 5), dispatch_s=50, arrive_s=170, handle_s=290)
    b.incident(a, b.at(y, 5, 10), dispatch_s=30, arrive_s=200, handle_s=250)       # on scene late
    b.incident(a, b.at(y, 8, 20), dispatch_s=60, arrive_s=180, handle_s=300)       # exactly on target
    b.incident(a, b.at(y, 2, 10, 10, 1), dispatch_s=999, arrive_s=None, handle_s=None, merged_into=first)
    b.incident(a, b.at(2022, 12, 31), dispatch_s=999, arrive_s=None, handle_s=None)  # before the period
    b.hazard(a, b.at(y, 2, 15), closed=b.at(y, 2, 14))
    b.hazard(a, b.at(y, 3, 20), closed=b.at(y, 3, 20))          # closed at the deadline: on time
    b.hazard(bb, b.at(y, 5, 15), closed=b.at(y, 5, 20))         # late
    b.hazard(bb, b.at(y, 8, 15), closed=b.at(y, 8, 1))
    b.hazard(a, b.at(y, 11, 15), closed=b.at(y, 11, 10))
    b.hazard(a, b.at(y, 6, 1), closed=None, status="dismissed")  # dismissed: not counted
    b.hazard(a, b.at(2024, 1, 15), closed=None)                  # due after the period
    b.warning_to(a, b.at(y, 6, 1), people=6, acknowledged=5)
    b.warning_to(bb, b.at(y, 6, 1), people=4, acknowledged=4)
    b.duty_report(first, b.at(y, 3, 10), submitted=b.at(y, 3, 10, 9))
    b.duty_report(first, b.at(y, 4, 20), submitted=b.at(y, 4, 20, 11))   # an hour late
    b.plan(a, status="approved", review_due=datetime.date(2024, 6, 30), registered=b.at(y, 1, 5))
    b.plan(a, status="approved", review_due=datetime.date(y, 6, 30), registered=b.at(y, 1, 5))
    b.plan(bb, status="draft", review_due=None, registered=b.at(y, 1, 5))
    b.warehouse(a, registered=b.at(y, 1, 5), counted=b.at(y, 11, 15))
    b.warehouse(bb, registered=b.at(y, 1, 5), counted=b.at(y, 8, 1))
    return {"first": first}


def scheme(cast: Cast, code: str) -> Scheme:
    load_presets(cast.district)
    return Scheme.objects.get(code=f"{code}-{cast.district.code}")


def test_it_reproduces_the_pingshan_2023_example(cast: Cast) -> None:
    example_ledgers(cast)
    period = services.ensure_period(scheme(cast, "pingshan-2023"), PeriodKind.YEAR, 2023)
    scores = {s.subject.code: s for s in services.compute(period)}
    s1 = scores[cast.street_1.code]
    modules = {m.module.code: round(m.score, 3) for m in s1.modules}
    assert modules == {"construction": 80.0, "command": 75.0, "prevention": 80.0, "warning": 90.0, "duty": 50.0,
                       "support": 41.667}
    assert [(bonus.units, round(bonus.points, 3)) for bonus in s1.bonuses] == [(2, 0.2)]
    assert s1.total == 72.6
    assert s1.rank == 1
    s2 = scores[cast.street_2.code]
    assert (s2.total, s2.rank) == (54.0, 2)


def test_it_reproduces_the_futian_example(cast: Cast) -> None:
    example_ledgers(cast)
    futian = scheme(cast, "futian")
    period = services.ensure_period(futian, PeriodKind.YEAR, 2023)
    inspection = IndicatorItem.objects.get(module__scheme=futian, code="inspection")
    services.set_manual_score(period, inspection, cast.street_1, "24", actor=cast.commander, note="现场检查扣6分")
    scores = {s.subject.code: s for s in services.compute(period)}
    s1 = scores[cast.street_1.code]
    quarterly, year_end = s1.modules
    assert [round(x, 3) for x in _quarters(quarterly)] == [87.5, 21.0, 93.75, 93.75]
    assert round(quarterly.score, 3) == 74.0
    assert round(year_end.score, 3) == 67.5
    assert s1.total == 71.4
    s2 = scores[cast.street_2.code]
    assert (s2.total, s2.rank, s1.rank) == (68.0, 2, 1)


def _quarters(module: services.ModuleScore) -> list[float]:
    points = sum(float(i.indicator.points) for i in module.indicators)
    return [100 * sum(i.per_quarter[q] for i in module.indicators) / points for q in range(4)]


def test_it_caps_the_bonus(cast: Cast) -> None:
    b.stations(cast.community_a, "street_front", 16, registered=b.at(2023, 3, 1))
    period = services.ensure_period(scheme(cast, "pingshan-2023"), PeriodKind.YEAR, 2023)
    s1 = next(s for s in services.compute(period) if s.subject == cast.street_1)
    (bonus,) = s1.bonuses
    assert bonus.units == 15 and bonus.points == 1.0
    assert Decimal(str(bonus.points)) == bonus.rule.cap
