"""The indicators assessments read (core.indicators): training and publicity, on constructed data by hand."""

from __future__ import annotations

import datetime

import pytest

from yingji.core import indicators
from yingji.core.indicators import Window
from yingji.publicity import services as publicity
from yingji.resources.tests.builders import make_member, make_team
from yingji.training import quizzes, services
from yingji.training.tests.builders import attend, bank_with_questions, course, open_quiz, session

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = Window(D(2026, 1, 1), D(2026, 12, 31))


def measure(key, area, window=YEAR, **params):
    return indicators.get(key).function(area, window, params)


def test_training_indicators(cast):
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="district", min_days=2)
    team = make_team(cast.community_a, kind="community_rescue")
    captain = make_member(team, name="队长", team_role="captain")
    other = make_member(team, name="队员")
    district = course(cast.commander, cast.district)
    held = session(cast.commander, district, D(2026, 3, 1), 2)
    attend(cast.commander, held, captain)
    attend(cast.commander, held, other, days=1)
    days = measure("training.days_met", cast.community_a)
    assert (days.achieved, days.required, list(days.records)) == (1, 2, [captain])
    cover = measure("training.coverage", cast.community_a)
    assert (cover.achieved, cover.required) == (2, 2)
    local = course(cast.officer_a, cast.community_a, title="应知应会")
    for month in (1, 2):
        session(cast.officer_a, local, D(2026, month, 10), 0.5, kind="must_know", team=team, trainer_member=captain)
    first_quarter = measure("training.must_know", cast.community_a, Window(D(2026, 1, 1), D(2026, 3, 31)))
    assert (first_quarter.achieved, first_quarter.required, first_quarter.records.count()) == (2, 3, 2)
    bank, (single, *_rest) = bank_with_questions(cast.commander, cast.district)
    quiz = open_quiz(cast.commander, cast.district, bank, opens_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC))
    for name in ("甲", "乙", "甲"):
        attempt = quizzes.start_attempt(quiz, resident_name=name, community=cast.community_a,
                                        now=datetime.datetime(2026, 5, 2, tzinfo=datetime.UTC))
        quizzes.submit(attempt, now=attempt.started_at)
    people = measure("training.quiz_people", cast.street_1, per_community=5)
    assert (people.achieved, people.required, people.records.count()) == (2, 10, 3)


def test_publicity_indicators(cast):
    for held_on, venue, campaign in ((D(2026, 5, 12), "school", "disaster_day"), (D(2026, 6, 3), "enterprise", ""),
                                     (D(2026, 11, 9), "school", "fire_month"), (D(2025, 10, 13), "family",
                                                                                 "international_day")):
        publicity.create_event(actor=cast.officer_a, jurisdiction=cast.community_a, title="宣传", held_on=held_on,
                               venue=venue, campaign=campaign, place="社区", audience=10)
    events = measure("publicity.events", cast.community_a, per_community=2)
    assert (events.achieved, events.required, events.extra) == (3, 2, 1)
    campaigns = measure("publicity.campaigns", cast.community_a)
    assert (campaigns.achieved, campaigns.required) == (2, 4)  # 5·12 and 119; not 10·13 or June's
    first_half = measure("publicity.campaigns", cast.community_a, Window(D(2026, 1, 1), D(2026, 6, 30)))
    assert (first_half.achieved, first_half.required) == (1, 2)
    venues = measure("publicity.five_into", cast.community_a)
    assert (venues.achieved, venues.required, venues.details["reached"]) == (2, 5, ["enterprise", "school"])
