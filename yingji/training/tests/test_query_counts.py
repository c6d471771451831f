"""List endpoints read a fixed number of queries however many rows they answer (no N+1)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.testing import api_client
from yingji.publicity import services as publicity
from yingji.resources.tests.builders import make_member, make_team
from yingji.training.tests.builders import attend, bank_with_questions, course, session

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_do_not_grow_with_their_rows(cast):
    client = api_client(cast.commander)
    member = make_member(make_team(cast.community_a))
    urls = ["/api/v1/training/sessions", "/api/v1/training/courses", "/api/v1/training/banks",
            "/api/v1/publicity/events", "/api/v1/training/days?year=2026"]

    def add(n: int) -> None:
        local = course(cast.officer_a, cast.community_a, title=f"课程{n}")
        attend(cast.officer_a, session(cast.officer_a, local, datetime.date(2026, 3, n), 1), member)
        bank_with_questions(cast.commander, cast.district, code=f"B{n}")
        publicity.create_event(actor=cast.officer_a, jurisdiction=cast.community_a, title=f"活动{n}",
                               held_on=datetime.date(2026, 5, 12), campaign="disaster_day", place="广场")
        make_member(make_team(cast.community_b))

    add(1)
    for url in urls:  # the caller's memberships are read once and kept (core.scope)
        client.get(url)
    before = {url: _queries(client, url) for url in urls}
    for n in range(2, 6):
        add(n)
    after = {url: _queries(client, url) for url in urls}
    assert after == before


def test_the_training_pages_do_not_grow_with_their_rows(cast):
    """The course and session lists and a session's register (签到表) read a fixed number of queries."""
    from yingji.core.testing import web_client

    client = web_client(cast.officer_a)
    team = make_team(cast.community_a)
    held = session(cast.officer_a, course(cast.officer_a, cast.community_a, title="登记课程"),
                   datetime.date(2026, 3, 1), 1)
    urls = ["/training/courses/", "/training/sessions/?year=2026", f"/training/sessions/{held.pk}/"]

    def add(n: int) -> None:
        attend(cast.officer_a, held, make_member(team, name=f"队员{n}", team_role="captain" if n == 1 else "member"))
        session(cast.officer_a, course(cast.officer_a, cast.community_a, title=f"课程{n}"),
                datetime.date(2026, 3, n), 1, team=team)

    add(1)
    for url in urls:
        client.get(url)
    before = {url: _queries(client, url) for url in urls}
    for n in range(2, 6):
        add(n)
    after = {url: _queries(client, url) for url in urls}
    assert after == before
