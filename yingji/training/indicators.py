"""Training's indicators for assessments (registered in yingji.core.indicators), on the services' own rules.

    training.days_met        members meeting their required days (the rules per organiser level) in the year
    training.coverage        rescue members trained within their cycle (the CoverageRule) by the period's end
    training.must_know       team-months with a monthly 应知应会 session, of the months the period covers
    training.quiz_people     people who finished a quiz in the period, against `per_community` per community
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yingji.core.indicators import Measured, Window, indicator
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Member
from yingji.training import quizzes, services
from yingji.training.models import Attempt, AttemptStatus, SessionKind, TrainingSession


@indicator("training.days_met", _("Members meeting the required training days"))
def days_met(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Of the members under `area`, those whose days in the period's last year reach every rule."""
    # The sums in SQL and a plain (id, path) per member (services.short_of_rules): no Member model each.
    found = services.short_of_rules(Member.objects.filter(team__jurisdiction__path__startswith=area.path),
                                    window.end.year)
    short = set(found.short_ids)
    meeting = [pk for pk in found.member_ids if pk not in short]
    return Measured(achieved=len(meeting), required=found.members, records=Member.objects.filter(pk__in=meeting),
                    details={"short": found.members - len(meeting)})


@indicator("training.coverage", _("Rescue members trained within their cycle"))
def coverage(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    found = services.coverage(area, window.end.year)
    counted = Member.objects.filter(team__jurisdiction__path__startswith=area.path).exclude(pk__in=found.missing_ids)
    return Measured(achieved=found.covered, required=found.members, records=counted,
                    details={"missing": [name for _pk, name, _team in found.missing_people(50)]})


@indicator("training.must_know", _("Monthly must-know sessions held by each team"))
def must_know(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Team-months of the period (station and community rescue teams) with a session, of those due."""
    held = due = 0
    months = {(y, m) for y in range(window.start.year, window.end.year + 1) for m in range(1, 13)
              if (window.start.year, window.start.month) <= (y, m) <= (window.end.year, window.end.month)}
    for year in sorted({y for y, _m in months}):
        for gap in services.must_know_gaps(area, year, window.end):
            for month in range(1, 13):
                if (year, month) not in months or (month not in gap.held and month not in gap.missed):
                    continue
                due += 1
                held += int(month in gap.held)
    sessions = TrainingSession.objects.filter(kind=SessionKind.MUST_KNOW, team__jurisdiction__path__startswith=area.path,
                                              starts_on__gte=window.start, starts_on__lte=window.end)
    return Measured(achieved=held, required=due, records=sessions)


@indicator("training.quiz_people", _("People who took a quiz"))
def quiz_people(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """Distinct people (members, residents by name) with a finished attempt, against `per_community`
    (default 20) for each community of the area."""
    rows = quizzes.quiz_participation(area, window.start, window.end)
    communities = Jurisdiction.objects.filter(level=Level.COMMUNITY, path__startswith=area.path).count()
    attempts = Attempt.objects.filter(jurisdiction__path__startswith=area.path,
                                      status__in=[AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED],
                                      started_at__gte=window.start_at, started_at__lt=window.end_at)
    return Measured(achieved=sum(r["people"] for r in rows),
                    required=float(params.get("per_community", 20)) * max(communities, 1), records=attempts)
