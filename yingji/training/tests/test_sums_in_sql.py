"""The training days table, its short list and coverage are summed in SQL (issue 13): the figures must be
those of counting every attendance in Python on calendar dates (the reference below, the code as it was),
and the training page reads a number of queries that does not grow with the members."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest

from yingji.core.testing import web_client
from yingji.resources.models import Member
from yingji.resources.tests.builders import make_member, make_team
from yingji.training import services
from yingji.training.models import Attendance, SessionKind
from yingji.training.tests.builders import attend, course, session

pytestmark = pytest.mark.django_db
D = datetime.date


def reference_days(year: int) -> dict[int, tuple[dict[str, Decimal], Decimal]]:
    """Every attendance cut on calendar dates in Python: days per organiser level, hours credited per attendance."""
    out: dict[int, tuple[dict[str, Decimal], Decimal]] = {}
    for a in Attendance.objects.select_related("session__course__jurisdiction"):
        share = services.days_in_year(a.session.starts_on, a.days, year)
        if not share:
            continue
        days, hours = out.get(a.member_id, ({}, Decimal(0)))
        level = a.session.course.jurisdiction.level
        days[level] = days.get(level, Decimal(0)) + share
        out[a.member_id] = (days, hours + services.credited_hours(a.session.course.hours, share, a.session.days))
    return out


def reference_trained(year: int, cycle: int) -> set[int]:
    years: dict[int, set[int]] = defaultdict(set)
    for a in Attendance.objects.filter(session__kind=SessionKind.COURSE).select_related("session"):
        years[a.member_id].update(on.year for on, _share in services.day_slices(a.session.starts_on, a.days))
    return {pk for pk, ys in years.items() if any(year - cycle < y <= year for y in ys)}


def _build(cast):  # type: ignore[no-untyped-def]
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="district",
                               min_days=2)
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="street", min_days=1)
    team = make_team(cast.community_a, kind="community_rescue")
    people = [make_member(team, name=f"队员{n}") for n in range(6)]
    district = course(cast.commander, cast.district, hours=1)   # 1 h over 4 days: a day is 0.25 h (a half tie)
    odd = course(cast.commander, cast.district, title="奇数课程", hours=3)   # 0.75 h a day: 0.8 (half to even)
    street = course(cast.street_officer, cast.street_1, hours=6.5)
    spans = [session(cast.commander, district, D(2025, 12, 30), 4),      # 2 days in 2025, 2 in 2026
             session(cast.commander, odd, D(2026, 12, 31), 2.5),         # 1 day in 2026, 1.5 in 2027
             session(cast.commander, odd, D(2025, 12, 2), 30)]           # Dec 2–31: all in 2025
    inside = [session(cast.commander, district, D(2026, 3, 2), 4), session(cast.commander, odd, D(2026, 5, 1), 4),
              session(cast.street_officer, street, D(2026, 6, 10), 3, jurisdiction=cast.community_a),
              session(cast.street_officer, street, D(2026, 12, 1), 1.5, jurisdiction=cast.community_a)]
    attend(cast.commander, spans[0], people[0])
    attend(cast.commander, spans[0], people[1], days=1)       # only 2025
    attend(cast.commander, spans[0], people[2], days=2.5)     # 2 days in 2025, half a day in 2026
    attend(cast.commander, spans[1], people[0], days=1.5)
    attend(cast.commander, spans[1], people[3])
    attend(cast.commander, spans[2], people[4], days=7.3)
    attend(cast.commander, inside[0], people[0], days=1)      # 0.25 h: 0.2 (half to even)
    attend(cast.commander, inside[0], people[1], days=3)      # 0.75 h: 0.8
    attend(cast.commander, inside[1], people[0], days=1)      # 0.75 h: 0.8
    attend(cast.commander, inside[1], people[2], days=2.5)    # 1.875 h: 1.9
    attend(cast.commander, inside[1], people[4])
    attend(cast.street_officer, inside[2], people[0], days=0.5)
    attend(cast.street_officer, inside[2], people[3])
    attend(cast.street_officer, inside[3], people[1])
    return people


def test_the_sql_sums_are_the_python_reference_across_year_ends(cast):
    people = _build(cast)
    for year in (2025, 2026, 2027):
        expected = reference_days(year)
        table = services.training_days_table(Member.objects.filter(pk__in=[p.pk for p in people])
                                             .select_related("team__jurisdiction"), year)
        assert len(table) == len(people)
        for row in table:
            days, hours = expected.get(row.member.pk, ({}, Decimal(0)))
            assert (row.days, row.hours) == (days, hours), (year, row.member.name)
        short = services.short_of_rules(Member.objects.filter(pk__in=[p.pk for p in people]).order_by("pk"), year)
        assert short.members == len(people)
        assert short.short_ids == [r.member.pk for r in sorted(table, key=lambda r: r.member.pk) if not r.meets]
        trained = reference_trained(year, 1)
        found = services.coverage(cast.district, year)
        assert {m.pk for m in found.missing} == {p.pk for p in people} - trained
    # By hand for 2026: 2 of 4 days of 1 h over New Year (0.5 h), 1 of the 1.5 attended over the next New Year
    # (3 h over 2.5 days: 1.2 h), 0.25 h and 0.75 h to the tenth half to even (0.2, 0.8), 6.5 h × 0.5 ÷ 3 (1.1).
    row = services.training_days(people[0], 2026)
    assert row.days == {"district": Decimal("2") + Decimal("1") + Decimal("1") + Decimal("1"), "street": Decimal("0.5")}
    assert row.hours == Decimal("0.5") + Decimal("1.2") + Decimal("0.2") + Decimal("0.8") + Decimal("1.1")
    assert services.training_days(people[2], 2026).hours == Decimal("0.1") + Decimal("1.9")


def test_the_training_page_reads_the_same_queries_for_more_members(cast, django_assert_max_num_queries):
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="district",
                               min_days=5)
    team = make_team(cast.community_a, kind="community_rescue")
    held = [session(cast.commander, course(cast.commander, cast.district, title=f"课程{n}"), D(2026, 3, n), 2)
            for n in range(1, 4)] + [session(cast.commander, course(cast.commander, cast.district, title="跨年"),
                                             D(2025, 12, 31), 2)]
    client = web_client(cast.commander)

    def add(n: int) -> None:
        for k in range(n):
            member = make_member(team, name=f"人{n}-{k}")
            for one in held:
                attend(cast.commander, one, member, days=1)

    add(3)
    client.get("/training/?year=2026")  # memberships read once and kept (core.scope)
    with django_assert_max_num_queries(30):
        page = client.get("/training/?year=2026")
    assert page.status_code == 200 and page.context["short_count"] == 3
    add(60)
    with django_assert_max_num_queries(30):
        page = client.get("/training/?year=2026")
    assert page.status_code == 200 and page.context["short_count"] == 63 and len(page.context["rows"]) == 50
    second = client.get("/training/?year=2026&page=2")
    assert len(second.context["rows"]) == 13
    assert {r.member.pk for r in page.context["rows"]}.isdisjoint({r.member.pk for r in second.context["rows"]})
