"""The API: each endpoint scoped (another community's officer gets 404), errors in the one shape."""

from __future__ import annotations

import pytest

from yingji.assessments.models import IndicatorItem, ManualScore, Scheme
from yingji.assessments.presets import load_presets
from yingji.assessments.tests import builders as b
from yingji.core.testing import Cast, api_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/assessments"


@pytest.fixture
def futian(cast: Cast) -> Scheme:
    load_presets(cast.district)
    scheme = Scheme.objects.get(code=f"futian-{cast.district.code}")
    scheme.subject_level = "community"
    scheme.save()
    return scheme


def test_the_ranking_and_the_drill_down(cast: Cast, futian: Scheme) -> None:
    hazard = b.hazard(cast.community_a, b.at(2025, 5, 15), closed=b.at(2025, 5, 20))
    client = api_client(cast.commander)
    ranking = client.get(f"{BASE}/schemes/{futian.code}/ranking", {"year": 2025}).json()
    assert [r["code"] for r in ranking["items"]] and {r["code"] for r in ranking["items"]} == {
        cast.community_a.code, cast.community_b.code, cast.community_c.code}
    item = IndicatorItem.objects.get(module__scheme=futian, code="prevention")
    detail = client.get(f"{BASE}/schemes/{futian.code}/subjects/{cast.community_a.code}/indicators/{item.pk}",
                        {"year": 2025}).json()
    assert (detail["achieved"], detail["required"]) == (0, 1)
    assert detail["records"][0]["url"] == f"/hazards/{hazard.pk}/"
    breakdown = client.get(f"{BASE}/schemes/{futian.code}/subjects/{cast.community_a.code}", {"year": 2025}).json()
    assert [m["code"] for m in breakdown["score"]["modules"]] == ["quarterly", "year_end"]


def test_every_endpoint_answers_404_to_another_community(cast: Cast, futian: Scheme) -> None:
    client = api_client(cast.officer_b)
    a = cast.community_a.code
    item = IndicatorItem.objects.get(module__scheme=futian, code="inspection")
    assert client.get(f"{BASE}/schemes/{futian.code}/subjects/{a}", {"year": 2025}).status_code == 404
    assert client.get(f"{BASE}/schemes/{futian.code}/subjects/{a}/indicators/{item.pk}",
                      {"year": 2025}).status_code == 404
    answer = client.post(f"{BASE}/schemes/{futian.code}/subjects/{a}/indicators/{item.pk}/score?year=2025",
                         {"points": "30"}, content_type="application/json")
    assert answer.status_code == 404 and answer.json()["code"]
    assert client.get(f"{BASE}/quality", {"jurisdiction": a}).status_code == 404
    ranking = client.get(f"{BASE}/schemes/{futian.code}/ranking", {"year": 2025}).json()
    assert [r["code"] for r in ranking["items"]] == [cast.community_b.code]
    assert client.post(f"{BASE}/schemes/{futian.code}/publish?year=2025").status_code == 403
    assert not ManualScore.objects.exists()


def test_bad_input_names_the_field(cast: Cast, futian: Scheme) -> None:
    client = api_client(cast.commander)
    item = IndicatorItem.objects.get(module__scheme=futian, code="inspection")
    url = f"{BASE}/schemes/{futian.code}/subjects/{cast.community_a.code}/indicators/{item.pk}/score?year=2025"
    answer = client.post(url, {"points": "31"}, content_type="application/json")
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["points"]
    answer = client.get(f"{BASE}/schemes/{futian.code}/ranking", {"year": 2025, "quarter": 5})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "quarter"
    assert client.get(f"{BASE}/quality", {"ledger": "nothing"}).json()["errors"][0]["field"] == "ledger"


def test_publishing_locks_the_scores(cast: Cast, futian: Scheme) -> None:
    client = api_client(cast.commander)
    item = IndicatorItem.objects.get(module__scheme=futian, code="inspection")
    url = f"{BASE}/schemes/{futian.code}/subjects/{cast.community_a.code}/indicators/{item.pk}/score?year=2025"
    assert client.post(url, {"points": "20", "links": ["/hazards/1/"]},
                       content_type="application/json").status_code == 200
    assert client.post(f"{BASE}/schemes/{futian.code}/publish?year=2025").status_code == 200
    refused = client.post(url, {"points": "25"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "period"
    assert client.post(f"{BASE}/schemes/{futian.code}/publish?year=2025").status_code == 422
    assert ManualScore.objects.get().points == 20
