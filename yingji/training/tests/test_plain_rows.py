"""The year's figures read plain rows, not a Member model per member (issue 13): the training page builds a
model only for the rows it shows, whatever the number of members short of the rules or missing coverage;
the figures it shows stay those of the models."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from yingji.core.testing import api_client, web_client
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


def _book(response) -> dict[str, list[list[object]]]:  # type: ignore[no-untyped-def]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_the_days_api_and_the_export_build_no_model_per_member_and_give_the_models_figures(cast):
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="district",
                               min_days=2)
    services.set_training_rule(actor=cast.commander, jurisdiction=cast.street_1, organiser_level="street",
                               min_days=1)
    team = make_team(cast.community_a, kind="community_rescue", name="A社区救援队")
    other = make_team(cast.community_c, kind="station_team", name="C社区微站")
    district = course(cast.commander, cast.district, hours=3)
    street = course(cast.street_officer, cast.street_1, hours=6.5)
    held = [session(cast.commander, district, D(2025, 12, 31), 2.5),   # 1 day in 2025, 1.5 in 2026
            session(cast.commander, district, D(2026, 3, 2), 4),
            session(cast.street_officer, street, D(2026, 6, 10), 3, jurisdiction=cast.community_a)]

    patterns = ([None, 1, 2.5], [1.5, None, None], [2.5, 2, 0.5])  # days at each session held; None: absent

    def add(n: int, start: int) -> None:
        for k, member in enumerate(_members(team, n, start) + _members(other, 1, 100 + start)):
            for one, days in zip(held, patterns[k % 3], strict=True):
                if days is not None and (one is not held[2] or member.team_id == team.pk):  # street 1's course
                    attend(cast.commander, one, member, days=days)

    add(2, 0)
    api, web = api_client(cast.commander), web_client(cast.commander)
    urls = ["/api/v1/training/days?year=2026", "/training/export/?year=2026", "/api/v1/training/days.xlsx?year=2026"]
    for url in urls:  # memberships read once and kept (core.scope)
        (web if url.startswith("/training") else api).get(url)

    def run() -> tuple[dict[str, int], dict[str, int], dict[str, Any]]:
        queries, built, answers = {}, {}, {}
        for url in urls:
            client = web if url.startswith("/training") else api
            with CaptureQueriesContext(connection) as captured, members_built() as made:
                response = client.get(url)
                answers[url] = _book(response) if "xlsx" in url or "export" in url else response.json()
            assert response.status_code == 200
            queries[url], built[url] = len(captured), len(made)
        return queries, built, answers

    before, built, _answers = run()
    assert built == dict.fromkeys(urls, 0)
    add(20, 2)
    after, built, answers = run()
    assert after == before and built == dict.fromkeys(urls, 0)
    # The figures are the models' (training_days_table on Member models, the code as it was), every member.
    members = Member.objects.select_related("team__jurisdiction").order_by("team__jurisdiction__path", "team__code",
                                                                           "name")
    reference = services.training_days_table(members, 2026)
    assert len(reference) == 24 and any(not r.meets for r in reference) and any(r.meets for r in reference)
    assert answers[urls[0]] == [r.as_dict() for r in reference]
    levels = ["district", "street", "community"]
    for url in urls[1:]:
        book = answers[url]
        assert list(book) == ["2026年培训天数", "覆盖分析", "每月应知应会"]
        days, cover, months = book.values()
        assert days[1:] == [[r.member.name, r.member.team.name, r.member.team.jurisdiction.name]
                            + [x for level in levels for x in (float(r.days.get(level, 0)),
                                                               float(r.required[level]) if level in r.required
                                                               else None)]
                            + [float(r.total_days), float(r.hours), "是" if r.meets else "否"] for r in reference]
        found = services.coverage(cast.district, 2026)
        assert cover[1] == [cast.district.name, 2026, found.members, found.covered, found.percent]
        assert cover[2:] == [[m.name, None, m.team.name, "周期内未参训", None] for m in found.missing]
        assert [row[0] for row in months[1:]] == [g.team.name for g in services.must_know_gaps(cast.district, 2026)]
