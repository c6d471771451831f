"""Training's indicators for assessments (registered in yingji.core.indicators), on the services' own rules.

    training.days_met        members meeting their required days (the rules per organiser level) in the year
    training.coverage        rescue members trained within their cycle (the CoverageRule) by the period's end
    training.must_know       team-months with a monthly 应知应会 session, of the months the period covers
    training.quiz_people     people who finished a quiz in the period, against `per_community` per community

Each has a grouped form (every subject of a scheme in one pass over the scheme's area, registered with
yingji.core.indicators.grouped) beside its one-area function; the two share the queryset builders and the
arithmetic below, the services' rules deciding who and what is counted.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from yingji.core.indicators import Measured, Subjects, Window, grouped, indicator
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Member
from yingji.training import quizzes, services
from yingji.training.models import Attempt, AttemptStatus, SessionKind, TrainingSession


# ------------------------------------------------------------------ training.days_met
def _members(area: Jurisdiction) -> Any:
    return Member.objects.filter(team__jurisdiction__path__startswith=area.path)


def _days_met_measured(member_ids: list[int], short: set[int]) -> tuple[Measured, list[int]]:
    """Of the members, those not short of a rule; and their ids."""
    meeting = [pk for pk in member_ids if pk not in short]
    return Measured(achieved=len(meeting), required=len(member_ids),
                    details={"short": len(member_ids) - len(meeting)}), meeting


@grouped("training.days_met")
def days_met_all(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    members = _members(subjects.root)
    short = set(services.short_of_rules(members, window.end.year).short_ids)
    per_subject = subjects.tally(members.order_by().values_list("team__jurisdiction_id", "pk"))
    return {a.pk: _days_met_measured([pk for (pk,) in per_subject.get(a.pk, [])], short)[0] for a in subjects.areas}


@indicator("training.days_met", _("Members meeting the required training days"))
def days_met(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Of the members under `area`, those whose days in the period's last year reach every rule."""
    # The sums in SQL and a plain (id, path) per member (services.short_of_rules): no Member model each.
    found = services.short_of_rules(_members(area), window.end.year)
    measured, meeting = _days_met_measured(found.member_ids, set(found.short_ids))
    measured.records = Member.objects.filter(pk__in=meeting)
    return measured


# ------------------------------------------------------------------ training.coverage
def _coverage_measured(members: int, missing: int, names: list[str]) -> Measured:
    """`members` counted by the rule, `missing` of them untrained in their cycle; the first 50 named."""
    return Measured(achieved=members - missing, required=members, details={"missing": names[:50]})


@grouped("training.coverage")
def coverage_all(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    """services.coverage over the scheme's area, its members (with their team's place) split by subject."""
    found = services.coverage(subjects.root, window.end.year)
    members = subjects.tally(found.counted)
    place = {pk: where for where, pk in found.counted}  # member id -> its team's jurisdiction id
    missing: dict[int, list[str]] = defaultdict(list)  # subject id -> names, in coverage's order
    for pk, name, _team in found.missing_people():
        subject = subjects.of.get(place[pk])
        if subject is not None:
            missing[subject.pk].append(name)
    return {a.pk: _coverage_measured(len(members.get(a.pk, [])), len(missing[a.pk]), missing[a.pk])
            for a in subjects.areas}


@indicator("training.coverage", _("Rescue members trained within their cycle"))
def coverage(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    found = services.coverage(area, window.end.year)
    measured = _coverage_measured(found.members, len(found.missing_ids),
                                  [name for _pk, name, _team in found.missing_people(50)])
    measured.records = _members(area).exclude(pk__in=found.missing_ids)
    return measured


# ------------------------------------------------------------------ training.must_know
def _months(window: Window) -> set[tuple[int, int]]:
    """The (year, month)s the window covers."""
    return {(y, m) for y in range(window.start.year, window.end.year + 1) for m in range(1, 13)
            if (window.start.year, window.start.month) <= (y, m) <= (window.end.year, window.end.month)}


def _must_know_counts(gaps: list[services.TeamMonths], year: int, months: set[tuple[int, int]]) -> tuple[int, int]:
    """(held, due): the teams' months of `year` in `months` that were due (held or missed), and those held."""
    held = due = 0
    for gap in gaps:
        for month in range(1, 13):
            if (year, month) not in months or (month not in gap.held and month not in gap.missed):
                continue
            due += 1
            held += int(month in gap.held)
    return held, due


@grouped("training.must_know")
def must_know_all(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    held: dict[int, int] = defaultdict(int)
    due: dict[int, int] = defaultdict(int)
    months = _months(window)
    for year in sorted({y for y, _m in months}):
        # As of the year's last day: the months counted are the window's, up to its end, which the gaps
        # "as of the window's end" hold too — so one answer per year serves the four quarters and the year.
        memo = ("must_know", year)
        if memo not in subjects.memo:
            subjects.memo[memo] = services.must_know_gaps(subjects.root, year, datetime.date(year, 12, 31))
        per_subject: dict[int, list[services.TeamMonths]] = defaultdict(list)
        for gap in subjects.memo[memo]:
            subject = subjects.of.get(gap.team.jurisdiction_id)
            if subject is not None:
                per_subject[subject.pk].append(gap)
        for pk, gaps in per_subject.items():
            h, d = _must_know_counts(gaps, year, months)
            held[pk] += h
            due[pk] += d
    return {a.pk: Measured(achieved=held[a.pk], required=due[a.pk]) for a in subjects.areas}


@indicator("training.must_know", _("Monthly must-know sessions held by each team"))
def must_know(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Team-months of the period (station and community rescue teams) with a session, of those due."""
    held = due = 0
    months = _months(window)
    for year in sorted({y for y, _m in months}):
        h, d = _must_know_counts(services.must_know_gaps(area, year, window.end), year, months)
        held += h
        due += d
    sessions = TrainingSession.objects.filter(kind=SessionKind.MUST_KNOW, team__jurisdiction__path__startswith=area.path,
                                              starts_on__gte=window.start, starts_on__lte=window.end)
    return Measured(achieved=held, required=due, records=sessions)


# ------------------------------------------------------------------ training.quiz_people
def _quiz_measured(people: int, communities: int, params: dict[str, Any]) -> Measured:
    """Distinct people against `per_community` (default 20) for each community (at least one)."""
    return Measured(achieved=people, required=float(params.get("per_community", 20)) * max(communities, 1))


@grouped("training.quiz_people")
def quiz_people_all(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    people: dict[int, int] = defaultdict(int)
    for row in quizzes.quiz_participation(subjects.root, window.start, window.end):
        subject = subjects.by_code.get(row["code"])
        if subject is not None:
            people[subject.pk] += row["people"]
    return {a.pk: _quiz_measured(people[a.pk], subjects.communities[a.pk], params) for a in subjects.areas}


@indicator("training.quiz_people", _("People who took a quiz"))
def quiz_people(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Distinct people (members, residents by name) with a finished attempt, against `per_community`
    (default 20) for each community of the area."""
    rows = quizzes.quiz_participation(area, window.start, window.end)
    communities = Jurisdiction.objects.filter(level=Level.COMMUNITY, path__startswith=area.path).count()
    measured = _quiz_measured(sum(r["people"] for r in rows), communities, params)
    measured.records = Attempt.objects.filter(jurisdiction__path__startswith=area.path,
                                              status__in=[AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED],
                                              started_at__gte=window.start_at, started_at__lt=window.end_at)
    return measured
