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
    drills_training_publicity(cast)
    return {"first": first}


def drills_training_publicity(cast: Cast) -> None:
    """The docs' second table: drills, training and publicity of 2023, written through their apps' services."""
    from yingji.drills import services as drills
    from yingji.publicity import services as publicity
    from yingji.resources.tests.builders import make_member, make_team
    from yingji.training import quizzes
    from yingji.training import services as training
    from yingji.training.tests.builders import attend, bank_with_questions, course, open_quiz, session

    c, a, bb, d = cast.commander, cast.community_a, cast.community_b, datetime.date
    for applies_to, scope, key_field, minimum in (("street", "comprehensive", "", 2), ("street", "", "fire", 1),
                                                  ("community", "comprehensive", "", 1)):
        drills.create_rule(actor=c, jurisdiction=cast.district, applies_to=applies_to, scope=scope,
                           key_field=key_field, minimum_per_year=minimum)
    for where, held_on, key_field in ((cast.street_1, d(2023, 4, 12), "fire"),   # comprehensive and fire
                                      (a, d(2023, 5, 1), ""),                      # A's own: not the street's
                                      (cast.street_1, d(2022, 12, 31), "")):       # the year before
        drills.record_drill(actor=c, jurisdiction=where, title="综合应急演练", drill_type="full_scale",
                            scope="comprehensive", key_field=key_field, held_on=held_on, duration_minutes=90,
                            participants=30)
    training.set_training_rule(actor=c, jurisdiction=cast.district, organiser_level="district", min_days=2)
    team = make_team(a, kind="community_rescue")
    m1 = make_member(team, name="队长甲", team_role="captain")  # gives the monthly 应知应会
    m2, _m3 = make_member(team, name="队员乙"), make_member(team, name="队员丙")
    held = session(c, course(c, cast.district), d(2023, 3, 6), 2)
    attend(c, held, m1)             # 2 days: meets the district's 2
    attend(c, held, m2, days=1)     # 1 day: trained, short of the days
    local = course(c, a, title="应知应会")
    for month in (1, 2, 7, 8, 9, 10):
        session(c, local, d(2023, month, 10), 0.5, kind="must_know", team=team, trainer_member=m1)
    for where, held_on in ((a, d(2023, 2, 20)), (a, d(2023, 5, 12)), (bb, d(2023, 6, 15)), (a, d(2023, 10, 13)),
                           (bb, d(2023, 11, 9)), (a, d(2023, 12, 2))):
        publicity.create_event(actor=c, jurisdiction=where, title="应急知识宣传", held_on=held_on, place="社区广场",
                               audience=50)
    bank, _questions = bank_with_questions(c, cast.district)
    quiz = open_quiz(c, cast.district, bank, opens_at=b.at(2023, 5, 1))
    for name, where in (("甲", a), ("乙", a), ("甲", a), ("丙", bb)):
        attempt = quizzes.start_attempt(quiz, resident_name=name, community=where, now=b.at(2023, 5, 2))
        quizzes.submit(attempt, now=attempt.started_at)


def scheme(cast: Cast, code: str) -> Scheme:
    load_presets(cast.district)
    return Scheme.objects.get(code=f"{code}-{cast.district.code}")


def test_it_reproduces_the_pingshan_2023_example(cast: Cast) -> None:
    example_ledgers(cast)
    period = services.ensure_period(scheme(cast, "pingshan-2023"), PeriodKind.YEAR, 2023)
    scores = {s.subject.code: s for s in services.compute(period)}
    s1 = scores[cast.street_1.code]
    modules = {m.module.code: round(m.score, 3) for m in s1.modules}
    assert modules == {"construction": 80.0, "command": 75.0, "prevention": 74.667, "warning": 84.0, "duty": 50.0,
                       "support": 45.0}
    assert _shares(s1) == {
        "stations": (4, 5), "one_three_five": (3, 4), "hazards": (4, 5), "drills": (2, 3), "acknowledged": (9, 10),
        "publicity": (6, 8), "reports": (1, 2), "plans": (1, 3), "stock": (1, 2), "training_days": (1, 3),
        "training_coverage": (2, 3)}
    assert [(bonus.units, round(bonus.points, 3)) for bonus in s1.bonuses] == [(2, 0.2)]
    assert s1.total == 71.64
    assert s1.rank == 1
    s2 = scores[cast.street_2.code]
    assert {m.module.code: round(m.score, 3) for m in s2.modules} == {
        "construction": 0.0, "command": 100.0, "prevention": 60.0, "warning": 60.0, "duty": 100.0, "support": 70.0}
    assert (s2.total, s2.rank) == (46.8, 2)


def _shares(subject: services.SubjectScore) -> dict[str, tuple[float | None, float | None]]:
    return {i.indicator.code: (i.achieved, i.required) for m in subject.modules for i in m.indicators}


def test_it_reproduces_the_futian_example(cast: Cast) -> None:
    example_ledgers(cast)
    futian = scheme(cast, "futian")
    period = services.ensure_period(futian, PeriodKind.YEAR, 2023)
    inspection = IndicatorItem.objects.get(module__scheme=futian, code="inspection")
    services.set_manual_score(period, inspection, cast.street_1, "24", actor=cast.commander, note="现场检查扣6分")
    scores = {s.subject.code: s for s in services.compute(period)}
    s1 = scores[cast.street_1.code]
    quarterly, year_end = s1.modules
    assert [round(x, 3) for x in _quarters(quarterly)] == [79.167, 26.5, 83.75, 87.083]
    assert {i.indicator.code: [round(q, 3) for q in i.per_quarter] for i in quarterly.indicators
            if i.indicator.code in ("publicity_events", "rescue_must_know")} == {
        "publicity_events": [5.0, 10.0, 0.0, 10.0], "rescue_must_know": [6.667, 0.0, 10.0, 3.333]}
    assert round(quarterly.score, 3) == 69.125
    assert {code: shares for code, shares in _shares(s1).items()
            if code in ("prevention_drills", "rescue_training", "publicity_quiz")} == {
        "prevention_drills": (2, 3), "rescue_training": (1, 3), "publicity_quiz": (3, 10)}
    assert round(year_end.score, 3) == 62.75
    assert s1.total == 66.575
    s2 = scores[cast.street_2.code]
    s2_quarterly, s2_year_end = s2.modules
    assert [round(x, 3) for x in _quarters(s2_quarterly)] == [90.0, 90.0, 90.0, 90.0]  # no publicity event in C
    assert round(s2_year_end.score, 3) == 20.0
    assert (s2.total, s2.rank, s1.rank) == (62.0, 2, 1)


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
