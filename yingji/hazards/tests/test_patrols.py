"""Patrols: GPS check-ins within the plan's tolerance (refused outside it with the distance), done, missed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.testing import api_client
from yingji.hazards.models import CheckIn, Hazard, HazardSource, PatrolPlan, PatrolRecord
from yingji.hazards.services.patrol import create_plan, missed_patrols, missed_patrols_page
from yingji.hazards.tests.builders import jpeg, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast):  # type: ignore[no-untyped-def]
    first = point(cast.community_a, "A-1", category="old_residential", lon=114.0100, lat=22.5100)
    second = point(cast.grid_a1, "A-2", category="slope", lon=114.0120, lat=22.5100)
    return create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name="A1 日常巡查", points=[first, second],
                       worker=cast.grid_worker_a, tolerance_m=50,
                       starts_on=timezone.localdate() - datetime.timedelta(days=10))


def url(plan: PatrolPlan) -> str:
    return f"/api/v1/hazards/patrol-plans/{plan.pk}/check-ins"


def test_a_check_in_outside_the_tolerance_is_refused_with_the_distance(cast, plan):
    # 0.0010° of longitude at 22.5° N is about 103 m.
    answer = api_client(cast.grid_worker_a, "en").post(url(plan), {"risk_point": "A-1", "lon": 114.0110, "lat": 22.51})
    assert answer.status_code == 422
    message = answer.json()["errors"][0]["message"]
    assert "You are 103 m from A-1" in message and "within 50 m" in message
    assert not CheckIn.objects.exists() and not PatrolRecord.objects.exists()


def test_check_ins_at_every_stop_finish_the_patrol_with_answers_and_photos(cast, plan):
    client = api_client(cast.grid_worker_a, "en")
    first = client.post(url(plan), {"risk_point": "A-1", "lon": 114.0102, "lat": 22.5101, "accuracy_m": 8,
                                    "photos": [jpeg()]})
    assert first.status_code == 201, first.content
    assert first.json()["patrol_done"] is False and 15 < first.json()["distance_m"] < 30
    again = client.post(url(plan), {"risk_point": "A-1", "lon": 114.0101, "lat": 22.51})
    assert again.status_code == 422  # once per point and patrol
    second = client.post(url(plan), {"risk_point": "A-2", "lon": 114.0120, "lat": 22.5101})
    assert second.json()["patrol_done"] is True
    record = PatrolRecord.objects.get()
    assert record.is_done and record.worker == cast.grid_worker_a
    check_in = CheckIn.objects.get(risk_point__code="A-1")
    assert check_in.photos.count() == 1
    assert [a["ok"] for a in check_in.answers] and all(a["ok"] for a in check_in.answers)


def test_a_check_in_can_report_a_hazard_found_at_the_point(cast, plan):
    from yingji.hazards.services.patrol import check_in

    result = check_in(actor=cast.grid_worker_a, plan=plan, risk_point=plan.stops.first().risk_point,
                      lon=114.0101, lat=22.5100, answers=[{"item": "消防车通道未被占用", "ok": False}],
                      hazard={"title": "消防通道堆放杂物"})
    assert result.hazard.source == HazardSource.PATROL and result.hazard.check_in == result.check_in
    assert Hazard.objects.get().risk_point.code == plan.stops.first().risk_point.code
    with pytest.raises(ValidationError):
        check_in(actor=cast.grid_worker_a, plan=plan, risk_point=plan.stops.last().risk_point, lon=114.012,
                 lat=22.51, answers=[{"item": "Is the moon out?", "ok": True}])


def test_only_patrolling_roles_in_the_grid_may_check_in(cast, plan):
    body = {"risk_point": "A-1", "lon": 114.0101, "lat": 22.51}
    assert api_client(cast.auditor).post(url(plan), body).status_code == 403
    assert api_client(cast.officer_c).post(url(plan), body).status_code == 404
    assert api_client(cast.officer_b).post(url(plan), body).status_code == 404


def test_missed_patrols_are_the_ended_periods_without_a_finished_patrol(cast, plan):
    from yingji.hazards.services.patrol import check_in

    today = timezone.localdate()
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    for stop in plan.stops.all():
        check_in(actor=cast.grid_worker_a, plan=plan, risk_point=stop.risk_point, lon=stop.risk_point.lon,
                 lat=stop.risk_point.lat, at=three_days_ago)
    missed = missed_patrols(PatrolPlan.objects.all(), since=today - datetime.timedelta(days=5))
    days = sorted(m.period_start for m in missed)
    expected = [today - datetime.timedelta(days=n) for n in (5, 4, 2, 1)]
    assert days == sorted(expected)
    listed = api_client(cast.officer_a).get("/api/v1/hazards/patrols/missed", {"days": 5}).json()
    assert len(listed) == 4 and listed[0]["worker"] == "grid_worker_a"
    assert api_client(cast.officer_c).get("/api/v1/hazards/patrols/missed", {"days": 5}).json() == []


def test_the_patrols_page_reads_as_models_only_the_plans_of_the_missed_periods_it_shows(cast, plan):
    """The district's page built a model (with jurisdiction and worker) for each of its 600 active plans
    to list the missed periods (issue 13): now only the plans of the rows shown."""
    from django.db.models.signals import post_init

    today = timezone.localdate()
    since = today - datetime.timedelta(days=5)
    others = [create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name=f"A1 巡查 {n}",
                          points=[point(cast.community_a, f"B-{n}", lon=114.01, lat=22.51)],
                          worker=cast.grid_worker_a, starts_on=today - datetime.timedelta(days=n))
              for n in range(1, 4)]  # owe 1, 2 and 3 ended days
    everything = missed_patrols(PatrolPlan.objects.all(), since)
    built: list[int] = []

    def count(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        built.append(instance.pk)

    post_init.connect(count, sender=PatrolPlan)
    try:
        shown, total = missed_patrols_page(PatrolPlan.objects.all(), since, 2)
    finally:
        post_init.disconnect(count, sender=PatrolPlan)
    assert total == len(everything) == 5 + 1 + 2 + 3
    assert [(m.plan.pk, m.period_start, m.stops) for m in shown] == [
        (m.plan.pk, m.period_start, m.stops) for m in everything[:2]]
    assert sorted(built) == sorted({m.plan.pk for m in shown}) and len(built) < len(others) + 1
    assert [m.period_start for m in everything] == sorted((m.period_start for m in everything), reverse=True)


def test_the_patrols_page_lists_the_missed_periods_50_a_page_with_their_count(cast, plan):
    """It listed the first 200 and left the others out; now every missed period is on a page."""
    import re

    from yingji.core.testing import web_client

    today = timezone.localdate()
    for n in range(5):  # daily since before the page's 14 days: 14 missed periods each
        create_plan(actor=cast.officer_a, jurisdiction=cast.grid_a1, name=f"每日巡查 {n}",
                    points=[point(cast.community_a, f"D-{n}", lon=114.01, lat=22.51)], worker=cast.grid_worker_a,
                    starts_on=today - datetime.timedelta(days=30))
    everything = missed_patrols(PatrolPlan.objects.all(), today - datetime.timedelta(days=14))
    assert len(everything) > 50
    web = web_client(cast.officer_a)
    pages = [web.get("/hazards/patrols/", {"missed_page": n}).content.decode() for n in (1, 2)]

    def rows(html: str) -> list[str]:
        table = html[html.index('data-testid="missed"'):html.index('data-testid="plans"')]
        return re.findall(r"<tr><td>(\d{4}-\d\d-\d\d)</td><td>([^<]*)</td>", table)

    assert [len(rows(html)) for html in pages] == [50, len(everything) - 50]
    assert rows(pages[0]) + rows(pages[1]) == [(m.period_start.isoformat(), m.plan.name) for m in everything]
    heading = pages[0][pages[0].index("<h2>"):pages[0].index("</h2>")]
    assert re.findall(r"\d+", heading)[-1] == str(len(everything)) and "missed_page=2" in pages[0]
