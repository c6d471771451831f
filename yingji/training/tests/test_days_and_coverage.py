"""Training days per person per year against the rules, coverage of rescue members, monthly 应知应会;
each figure computed on constructed data and checked by hand, across year ends."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from yingji.resources.models import MemberCertificate
from yingji.resources.tests.builders import make_member, make_team
from yingji.training import services
from yingji.training.tests.builders import attend, course, session

pytestmark = pytest.mark.django_db
D = datetime.date


def test_it_counts_days_per_level_against_the_rules_and_splits_a_session_over_new_year(cast):
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="district",
                               min_days=5)
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="street", min_days=3)
    # Street 1 asks its own people for 4 street-run days: the nearer rule wins for them.
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.street_1, organiser_level="street", min_days=4)
    team = make_team(cast.community_a)
    wang, li = make_member(team, name="王强"), make_member(team, name="李娜")
    district = course(cast.commander, cast.district, hours=16)
    street = course(cast.street_officer, cast.street_1, hours=6)
    # 2025-12-30 for 3 days: 30, 31 Dec in 2025; 1 Jan in 2026.
    new_year = session(cast.commander, district, D(2025, 12, 30), 3)
    spring = session(cast.commander, district, D(2026, 3, 2), 2.5)
    street_day = session(cast.street_officer, street, D(2026, 6, 10), 1, jurisdiction=cast.community_a)
    attend(cast.commander, new_year, wang)
    attend(cast.commander, spring, wang)
    attend(cast.street_officer, street_day, wang)
    attend(cast.commander, new_year, li, days=2)  # the first two days: both in 2025
    attend(cast.commander, spring, li, days=1.5)

    wang_2026 = services.training_days(wang, 2026)
    assert wang_2026.days == {"district": Decimal("3.5"), "street": Decimal("1.0")}  # 1 + 2.5; 1
    assert wang_2026.required == {"district": Decimal("5.0"), "street": Decimal("4.0")}
    assert wang_2026.short == {"district": Decimal("1.5"), "street": Decimal("3.0")} and not wang_2026.meets
    # Hours: 16 h × 1/3 of the New Year session (5.3) + 16 h × 2.5/2.5 + 6 h.
    assert wang_2026.hours == Decimal("5.3") + Decimal(16) + Decimal(6)
    assert services.training_days(wang, 2025).days == {"district": Decimal("2.0")}
    li_2025, li_2026 = services.training_days(li, 2025), services.training_days(li, 2026)
    assert li_2025.days == {"district": Decimal("2.0")} and li_2026.days == {"district": Decimal("1.5")}
    # Community C (street 2) keeps the district's 3 street-run days.
    other = make_member(make_team(cast.community_c))
    assert services.training_days(other, 2026).required == {"district": Decimal("5.0"), "street": Decimal("3.0")}


def test_coverage_counts_rescue_members_trained_within_their_cycle(cast):
    rescue = make_team(cast.community_a, kind="community_rescue")
    volunteers = make_team(cast.community_a, kind="volunteer")
    c_team = make_team(cast.community_c, kind="community_rescue")
    a1, a2, a3 = (make_member(rescue, name=n) for n in ("甲", "乙", "丙"))
    make_member(volunteers, name="志愿者")  # not a rescue team: not counted
    c1 = make_member(c_team, name="丁")
    district = course(cast.commander, cast.district)
    old = session(cast.commander, district, D(2024, 12, 31), 2)  # 31 Dec 2024 and 1 Jan 2025
    last_year = session(cast.commander, district, D(2025, 5, 1), 1)
    this_year = session(cast.commander, district, D(2026, 4, 1), 1)
    attend(cast.commander, old, a1, days=1)  # only 31 Dec 2024
    attend(cast.commander, last_year, a2)
    attend(cast.commander, this_year, a3)
    attend(cast.commander, old, c1)  # its second day falls in 2025

    yearly = services.coverage(cast.community_a, 2026)
    assert (yearly.members, yearly.covered) == (3, 1) and {m.name for m in yearly.missing} == {"甲", "乙"}
    assert yearly.percent == 33.3
    services.set_coverage_rule(actor=cast.commander, jurisdiction=cast.street_1, cycle_years=2)
    two_years = services.coverage(cast.community_a, 2026)
    assert (two_years.covered, [m.name for m in two_years.missing]) == (2, ["甲"])
    assert services.coverage(cast.community_a, 2025).covered == 2  # 甲 (2024 in the cycle), 乙
    # Community C keeps the default yearly cycle: 丁 trained on 1 Jan 2025 counts for 2025 only.
    assert services.coverage(cast.community_c, 2025).covered == 1
    assert services.coverage(cast.community_c, 2026).covered == 0
    assert services.coverage(cast.district, 2026).members == 4
    # A team's own monthly 应知应会 is no 轮训: 甲 stays uncovered in 2026 after one.
    captain = make_member(rescue, name="队长", team_role="captain")
    local = course(cast.officer_a, cast.community_a, title="应知应会")
    must_know = session(cast.officer_a, local, D(2026, 2, 1), 0.5, kind="must_know", team=rescue,
                        trainer_member=captain)
    attend(cast.officer_a, must_know, a1)
    assert "甲" in {m.name for m in services.coverage(cast.community_a, 2026).missing}


def test_monthly_must_know_sessions_show_which_teams_missed_which_month(cast):
    team = make_team(cast.community_a, kind="community_rescue", name="A社区应急队")
    other = make_team(cast.community_a, kind="community_rescue", name="A社区第二队")
    captain = make_member(team, name="队长", team_role="captain")
    plain = make_member(team, name="队员")
    local = course(cast.officer_a, cast.community_a, title="应知应会", hours=2)
    for month in (1, 2, 4):
        session(cast.officer_a, local, D(2026, month, 15), 0.5, kind="must_know", team=team, trainer_member=captain)
    with pytest.raises(ValidationError) as refused:
        session(cast.officer_a, local, D(2026, 3, 15), 0.5, kind="must_know", team=team, trainer_member=plain)
    assert "trainer_member" in refused.value.message_dict
    gaps = {g.team.name: g for g in services.must_know_gaps(cast.community_a, 2026, today=D(2026, 5, 3))}
    assert gaps["A社区应急队"].held == [1, 2, 4] and gaps["A社区应急队"].missed == [3, 5]
    assert gaps["A社区第二队"].missed == [1, 2, 3, 4, 5]
    assert services.must_know_gaps(cast.community_a, 2025, today=D(2026, 5, 3))[0].missed == list(range(1, 13))
    assert other.pk in {g.team.pk for g in services.must_know_gaps(cast.street_1, 2026, today=D(2026, 5, 3))}


def test_passing_a_certificate_course_issues_and_renews_the_members_certificate(cast):
    member = make_member(make_team(cast.community_a))
    cpr = course(cast.commander, cast.district, title="心肺复苏与AED", topic="cpr_aed", certificate_kind="cpr_aed",
                 certificate_years=2)
    first = session(cast.commander, cpr, D(2025, 3, 1), 1)
    attend(cast.commander, first, member)
    certificate = MemberCertificate.objects.get(member=member, kind="cpr_aed")
    assert (certificate.issued_on, certificate.expires_on) == (D(2025, 3, 1), D(2027, 3, 1))
    failed = session(cast.commander, cpr, D(2026, 9, 1), 2)
    attend(cast.commander, failed, member, passed=False)
    certificate.refresh_from_db()
    assert certificate.expires_on == D(2027, 3, 1)
    attend(cast.commander, failed, member, passed=True)  # corrected: passed after all, renewed from the last day
    certificate.refresh_from_db()
    assert (certificate.issued_on, certificate.expires_on) == (D(2026, 9, 2), D(2028, 9, 2))


def test_bad_input_names_its_field_and_writes_nothing(cast):
    with pytest.raises(ValidationError) as refused:
        services.create_course(actor=cast.commander, jurisdiction=cast.grid_a1, title=" ", topic="x", hours="abc")
    assert set(refused.value.message_dict) == {"jurisdiction", "title", "topic", "hours"}
    street = course(cast.street_officer, cast.street_1)
    with pytest.raises(ValidationError) as refused:
        session(cast.commander, street, D(2026, 1, 1), 0, jurisdiction=cast.community_c)
    assert set(refused.value.message_dict) == {"jurisdiction", "days"}
    held = session(cast.street_officer, street, D(2026, 1, 1), 1)
    outsider = make_member(make_team(cast.community_c))
    with pytest.raises(ValidationError) as refused:
        attend(cast.commander, held, outsider)
    assert "member" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        attend(cast.street_officer, held, make_member(make_team(cast.community_b)), days=2)
    assert "days" in refused.value.message_dict
    assert not held.attendance.exists()
    with pytest.raises(ValidationError):
        services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="street",
                                   min_days=-1)
