"""Frequency rules computed on constructed data, checked by hand — including across the year's end."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from yingji.drills import compliance, services
from yingji.drills.tests.builders import district_rules, drill

pytestmark = pytest.mark.django_db
D = datetime.date


def rows_by_code(user, year, today):  # type: ignore[no-untyped-def]
    return {r.jurisdiction.code: r for r in compliance.scope_rows(user, None, year, today)}


def reqs(row):  # type: ignore[no-untyped-def]
    return {r.label: (r.held, r.minimum, r.due, r.behind) for r in row.requirements}


def test_the_street_needs_two_comprehensive_and_one_per_key_field_counted_by_hand(cast):
    district_rules(cast)
    s1, officer = cast.street_1, cast.street_officer
    drill(officer, s1, D(2026, 3, 10))                                # comprehensive 1
    drill(officer, s1, D(2026, 6, 5), scope="special", key_field="fire")   # fire 1
    drill(officer, s1, D(2026, 6, 20), scope="special", key_field="fire")  # fire 2 (one needed)
    drill(officer, cast.community_a, D(2026, 5, 1))                   # the community's, not the street's
    drill(officer, s1, D(2025, 12, 31))                               # last year: does not count in 2026
    # 30 June is day 181 of 365, 2 July day 183. Expected by then: ⌊minimum × day / 365 + ½⌋.
    before = rows_by_code(cast.commander, 2026, D(2026, 6, 30))[s1.code]
    # comprehensive: ⌊2 × 181 / 365 + ½⌋ = ⌊1.49⌋ = 1, held 1; flood ⌊181 / 365 + ½⌋ = ⌊0.996⌋ = 0.
    assert reqs(before) == {"综合演练": (1, 2, 1, False), "消防": (2, 1, 0, False), "防汛防涝": (0, 1, 1, False)}
    assert (before.held, before.required, before.due, before.behind) == (3, 4, 2, False)
    rows = rows_by_code(cast.commander, 2026, D(2026, 7, 2))
    street = rows[s1.code]
    # flood: ⌊183 / 365 + ½⌋ = ⌊1.001⌋ = 1 and none held: behind from 2 July.
    assert reqs(street) == {"综合演练": (1, 2, 1, False), "消防": (2, 1, 0, False), "防汛防涝": (0, 1, 1, True)}
    assert street.behind
    last_day = rows_by_code(cast.commander, 2026, D(2026, 12, 31))[s1.code]
    assert reqs(last_day) == {"综合演练": (1, 2, 1, True), "消防": (2, 1, 0, False), "防汛防涝": (0, 1, 1, True)}
    # Community A: its comprehensive drill meets its rule; B has none; the other street is behind by year end.
    assert reqs(rows[cast.community_a.code]) == {"综合演练": (1, 1, 0, False)}
    assert reqs(rows[cast.community_b.code]) == {"综合演练": (0, 1, 1, True)}
    # Due: street 1 two, A none, B one, street 2 four (2 + 1 + 1), C one.
    assert compliance.summary(list(rows.values()))["due"] == 2 + 0 + 1 + 4 + 1


def test_a_drill_on_31_december_and_one_on_1_january_count_in_their_own_years(cast):
    district_rules(cast)
    s2, officer = cast.street_2, cast.commander
    drill(officer, s2, D(2026, 12, 31))
    drill(officer, s2, D(2027, 1, 1))
    drill(officer, s2, D(2027, 1, 1), scope="special", key_field="flood")
    old = rows_by_code(cast.commander, 2026, D(2027, 1, 1))[s2.code]  # the past year, seen the next day
    assert reqs(old)["综合演练"] == (1, 2, 1, True) and reqs(old)["防汛防涝"] == (0, 1, 1, True)
    new = rows_by_code(cast.commander, 2027, D(2027, 1, 1))[s2.code]
    # Day 1 of 2027: nothing is expected yet (⌊2 × 1 / 365 + ½⌋ = 0).
    assert reqs(new) == {"综合演练": (1, 2, 1, False), "消防": (0, 1, 1, False), "防汛防涝": (1, 1, 0, False)}


def test_a_communitys_own_rule_adds_to_and_may_raise_the_districts(cast):
    district_rules(cast)
    a = cast.community_a
    services.create_rule(actor=cast.officer_a, jurisdiction=a, applies_to="self", key_field="flood",
                         minimum_per_year=2, note="低洼易涝社区")
    services.create_rule(actor=cast.officer_a, jurisdiction=a, applies_to="self", scope="comprehensive",
                         minimum_per_year=3)
    drill(cast.officer_a, a, D(2026, 4, 1), scope="special", key_field="flood")
    rows = rows_by_code(cast.commander, 2026, D(2026, 12, 31))
    assert reqs(rows[a.code]) == {"综合演练": (0, 3, 3, True), "防汛防涝": (1, 2, 1, True)}
    assert reqs(rows[cast.community_b.code]) == {"综合演练": (0, 1, 1, True)}  # A's rule is A's alone
    # A leap year has 366 days: 2028-07-02 is day 184 (⌊3 × 184 / 366 + ½⌋ = 2 of a rule of three).
    assert compliance.elapsed_share(2028, D(2028, 7, 2)) == (184, 366)


def test_rules_are_checked_and_filed_where_they_belong(cast):
    with pytest.raises(ValidationError) as refused:
        services.create_rule(actor=cast.street_officer, jurisdiction=cast.street_1, applies_to="street",
                             minimum_per_year=2)
    assert "applies_to" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.create_rule(actor=cast.commander, jurisdiction=cast.district, applies_to="street",
                             minimum_per_year=0)
    assert "minimum_per_year" in refused.value.message_dict
    services.create_rule(actor=cast.commander, jurisdiction=cast.district, applies_to="street", minimum_per_year=2)
    with pytest.raises(ValidationError):  # the same rule twice
        services.create_rule(actor=cast.commander, jurisdiction=cast.district, applies_to="street",
                             minimum_per_year=3)


def test_the_indicators_count_each_requirement_up_to_its_minimum(cast):
    from yingji.core.indicators import Window, discover

    district_rules(cast)
    for day in (D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)):  # three comprehensive: two count
        drill(cast.street_officer, cast.street_1, day)
    drill(cast.street_officer, cast.community_a, D(2026, 5, 1))
    registry = discover()
    window = Window(D(2026, 1, 1), D(2026, 12, 31))
    held = registry["drills.held"].function(cast.district, window, {})
    # Required: 2 streets × (2 + 1 + 1) + 3 communities × 1 = 11; achieved: street 1's two comprehensive
    # (the third does not count) + community A's one = 3.
    assert (held.achieved, held.required, held.records.count()) == (3, 11, 4)
    streets = registry["drills.comprehensive"].function(cast.district, window, {})
    assert (streets.achieved, streets.required, streets.records.count()) == (2, 4, 3)
    mine = registry["drills.held"].function(cast.street_2, window, {})
    assert (mine.achieved, mine.required) == (0, 5)  # street 2 (4) and community C (1)
