"""The year's figures read plain rows, not a Member model per member (issue 13): the training page builds a
model only for the rows it shows, whatever the number of members short of the rules or missing coverage;
the figures it shows stay those of the models."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db.models.signals import post_init

from yingji.core.testing import web_client
from yingji.resources.models import Member
from yingji.resources.tests.builders import make_member, make_team
from yingji.training import services
from yingji.training.tests.builders import attend, course, session
from yingji.training.views import SHORT_PER_PAGE

pytestmark = pytest.mark.django_db
D = datetime.date


@contextmanager
def members_built() -> Iterator[list[int]]:
    """How many Member instances are made (from the database or not) while the block runs."""
    built: list[int] = []

    def count(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        built.append(1)

    post_init.connect(count, sender=Member)
    try:
        yield built
    finally:
        post_init.disconnect(count, sender=Member)


def _members(team, n: int, start: int = 0) -> list[Member]:  # type: ignore[no-untyped-def]
    return [make_member(team, name=f"队员{k:03d}") for k in range(start, start + n)]


def test_the_training_page_builds_a_model_only_for_the_rows_it_shows(cast):
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="district",
                               min_days=3)
    team = make_team(cast.community_a, kind="community_rescue", name="A社区救援队")
    trained = session(cast.commander, course(cast.commander, cast.district), D(2026, 3, 2), 2)
    first = _members(team, 3)
    attend(cast.commander, trained, first[0])  # 2 of 3 days: short, but covered
    client = web_client(cast.commander)
    client.get("/training/?year=2026")  # memberships read once and kept (core.scope)
    with members_built() as built:
        page = client.get("/training/?year=2026")
    assert page.context["short_count"] == 3 and page.context["coverage"].covered == 1
    assert len(built) <= 3
    _members(team, 60, start=3)  # short and never trained: every one of them missing coverage too
    with members_built() as built:
        page = client.get("/training/?year=2026")
    coverage = page.context["coverage"]
    assert page.context["short_count"] == 63 and len(page.context["rows"]) == SHORT_PER_PAGE
    assert len(built) <= SHORT_PER_PAGE  # a model per row shown; none per member missing coverage
    assert (coverage.members, coverage.covered, len(coverage.missing_ids)) == (63, 1, 62)
    # The page names the first 30 missing, as the models say, in the order of the coverage.
    text = page.content.decode()
    named = [f"{m.name}（{m.team.name}）" for m in coverage.missing[:30]]
    assert all(name in text for name in named) and f"{coverage.missing[30].name}（" not in text
    assert [text.index(name) for name in named] == sorted(text.index(name) for name in named)
    assert coverage.missing_people() == [(m.pk, m.name, m.team.name) for m in coverage.missing]
