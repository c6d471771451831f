"""The command dashboard's data: figures on constructed data, counted by hand, and the scope rule."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from yingji.core.testing import api_client, web_client
from yingji.dashboard import services
from yingji.dashboard.tests.builders import NOW, _incident

pytestmark = pytest.mark.django_db


def _row(data, code):
    return next(r for r in data["rows"] if r["code"] == code)["values"]


def test_it_counts_the_district_per_street_by_hand(world):
    data = services.compute(world.commander, world.district, now=NOW)
    s1, s2 = _row(data, world.street_1.code), _row(data, world.street_2.code)
    assert (s1["stations"], s2["stations"]) == (2, 1)
    assert (s1["teams_available"], s1["teams_on_call"], s2["teams_available"]) == (1, 1, 1)
    assert (s1["open_incidents"], s2["open_incidents"]) == (2, 1)
    assert (s1["overdue_hazards"], s2["overdue_hazards"]) == (1, 1)
    assert (s1["high_risk_points"], s2["high_risk_points"]) == (1, 0)
    assert data["totals"]["open_incidents"] == 3
    attention = {a["key"]: a["count"] for a in data["attention"]}
    assert attention["unconfirmed_incidents"] == 1
    assert attention["overdue_hazards"] == 2
    assert all(a["url"].startswith("/") for a in data["attention"])


def test_it_charts_incidents_with_the_1_3_5_figures_of_incidents(world):
    data = services.compute(world.commander, world.district, now=NOW)
    month = timezone.localtime(NOW - datetime.timedelta(hours=1)).strftime("%Y-%m")
    i = data["charts"]["months"].index(month)
    assert data["charts"]["months"][-1] == timezone.localtime(NOW).strftime("%Y-%m")
    assert data["charts"]["incidents"]["count"][i] == 4
    # Dispatched within 60 s: 30 and 50 of 30, 50, 90 -> 66.7 %; on scene within 180 s: 150 of 150, 400 -> 50 %.
    assert data["charts"]["incidents"]["dispatch_met_pct"][i] == 66.7
    assert data["charts"]["incidents"]["arrival_met_pct"][i] == 50.0
    assert data["charts"]["hazards"]["found"][data["charts"]["months"].index(
        timezone.localtime(NOW - datetime.timedelta(days=5)).strftime("%Y-%m"))] >= 1
    assert sum(data["charts"]["hazards"]["closed"]) == 1


def test_it_shows_a_street_its_communities_only(world):
    data = services.compute(world.street_officer, world.street_1, now=NOW)
    assert [r["code"] for r in data["rows"]] == [world.community_a.code, world.community_b.code]
    assert data["totals"]["open_incidents"] == 2
    assert data["totals"]["stations"] == 2


def test_it_answers_a_community_officer_with_their_own_community(world):
    answer = api_client(world.officer_a).get("/api/v1/dashboard/data")
    assert answer.status_code == 200
    body = answer.json()
    assert body["area"]["code"] == world.community_a.code
    assert body["totals"]["open_incidents"] == 2
    assert body["totals"]["overdue_hazards"] == 1


def test_another_communitys_officer_gets_404(world):
    for url in ("/api/v1/dashboard/data", "/api/v1/dashboard/warnings.geojson", "/api/v1/dashboard/hazards-overdue.geojson"):
        answer = api_client(world.officer_b).get(f"{url}?area={world.community_a.code}")
        assert answer.status_code == 404, url
        assert answer.json()["code"] == "not_found"
    assert web_client(world.officer_b).get(f"/dashboard/?area={world.community_a.code}").status_code == 404
    assert web_client(world.officer_b).get(f"/dashboard/wall/?area={world.community_a.code}").status_code == 404


def test_overdue_hazards_layer_is_scoped(world):
    body = api_client(world.officer_a).get("/api/v1/dashboard/hazards-overdue.geojson").json()
    assert [f["properties"]["reference"] for f in body["features"]] == ["H-A1"]


def test_the_cached_answer_is_dropped_when_an_incident_is_saved(world):
    client = api_client(world.commander)
    first = client.get("/api/v1/dashboard/data").json()["totals"]["open_incidents"]
    _incident(world.community_c, "I-C2", "reported")
    assert client.get("/api/v1/dashboard/data").json()["totals"]["open_incidents"] == first + 1


def test_the_pages_render_in_chinese(world):
    page = web_client(world.commander).get("/dashboard/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "指挥一张图" in text and "今日待办" in text
    wall = web_client(world.commander).get("/dashboard/wall/")
    assert wall.status_code == 200 and "大屏" in wall.content.decode()


def test_the_home_page_shows_the_shared_blocks(world):
    text = web_client(world.street_officer).get("/").content.decode()
    assert 'data-testid="home-dashboard"' in text
    assert world.community_a.name in text


def test_drills_and_training_against_targets_on_real_ledgers_by_hand(cast):
    """The chart's figures are the drills and training apps' own indicators, on rows built here.

    Dated 1 January of this year (never in the future, whatever day the test runs), last year's drill
    left out. By hand, for the district:
      drills.held          the rules (drills' district_rules): each street ≥ 2 comprehensive, ≥ 1 fire, ≥ 1 flood;
                           each community ≥ 1 comprehensive. Street 1 held one comprehensive fire drill → 1 of 2
                           comprehensive + 1 of 1 fire + 0 of 1 flood = 2 of 4; street 2: 0 of 4; A held one
                           → 1 of 1; B (last year's only) and C: 0 of 1 each → 3 of 11
      drills.comprehensive the streets' comprehensive rule only: 1 of 2 + 0 of 2 → 1 of 4
      training.days_met    district-run ≥ 2 days: the captain's 2 days meet it, the member's 1 day does not → 1 of 2
      training.coverage    both rescue members had a course day this year → 2 of 2
      training.must_know   one team, one 应知应会 session in January, of the months so far (January … this month)
    """
    import datetime as dt

    from yingji.drills.tests.builders import district_rules, drill
    from yingji.resources.tests.builders import make_member
    from yingji.resources.tests.builders import make_team as registry_team
    from yingji.training import services as training
    from yingji.training.tests.builders import attend, course, session

    cache.clear()
    today = timezone.localdate(NOW)
    first = dt.date(today.year, 1, 1)
    district_rules(cast)
    drill(cast.commander, cast.street_1, first, key_field="fire")
    drill(cast.commander, cast.community_a, first)
    drill(cast.commander, cast.community_b, dt.date(today.year - 1, 12, 31))  # last year: not counted
    training.set_training_rule(actor=cast.commander, jurisdiction=cast.district, organiser_level="district",
                               min_days=2)
    team = registry_team(cast.community_a, kind="community_rescue")
    captain, member = make_member(team, name="队长", team_role="captain"), make_member(team, name="队员")
    held = session(cast.commander, course(cast.commander, cast.district), first, 2)
    attend(cast.commander, held, captain)
    attend(cast.commander, held, member, days=1)
    local = course(cast.officer_a, cast.community_a, title="应知应会")
    session(cast.officer_a, local, first, 0.5, kind="must_know", team=team, trainer_member=captain)
    extra = {e["key"]: (e["done"], e["target"])
             for e in services.compute(cast.commander, cast.district, now=NOW)["charts"]["extra"]}
    assert extra == {"drills.held": (3, 11), "drills.comprehensive": (1, 4), "training.days_met": (1, 2),
                     "training.coverage": (2, 2), "training.must_know": (1, today.month)}
    # A community's chart counts its own rows only: A's one drill of its one, its team's training.
    own = {e["key"]: (e["done"], e["target"])
           for e in services.compute(cast.officer_a, cast.community_a, now=NOW)["charts"]["extra"]}
    assert own["drills.held"] == (1, 1) and own["training.days_met"] == (1, 2)
    other = {e["key"]: (e["done"], e["target"])
             for e in services.compute(cast.officer_b, cast.community_b, now=NOW)["charts"]["extra"]}
    assert other["drills.held"] == (0, 1) and other["training.days_met"] == (0, 0)


def test_a_community_home_shows_what_is_due_there_only(world):
    text = web_client(world.officer_a).get("/").content.decode()
    assert 'data-testid="home-dashboard"' in text
    assert "今日待办" in text and "尚未调派的事件" in text  # I-A1 waits for a dispatch in A
    data = services.compute(world.officer_b, world.community_b, now=NOW)
    assert data["totals"]["open_incidents"] == 0 and data["totals"]["overdue_hazards"] == 0
    assert not any(a["key"] == "unconfirmed_incidents" for a in data["attention"])


def test_field_roles_get_their_blocks_not_the_area_figures(world):
    text = web_client(world.grid_worker_a).get("/").content.decode()
    assert 'data-testid="home-incidents"' in text
    assert 'data-testid="home-figures"' not in text and 'data-testid="home-attention"' not in text


def test_warehouses_below_their_minimum_are_a_layer_and_an_attention_item(world):
    from yingji.supplies.tests.builders import make_material, make_warehouse, stock

    sand = make_material(world, "M-SAND", "沙袋", min_reserve={"community": 100})
    full = make_warehouse(world.community_a, "W-A", 114.02)
    make_warehouse(world.community_b, "W-B", 114.03)  # holds nothing: short of 100 sandbags
    stock(full, sand, 150)
    body = api_client(world.commander).get("/api/v1/dashboard/low-stock.geojson").json()
    assert [f["properties"]["code"] for f in body["features"]] == ["W-B"]
    assert body["features"][0]["properties"]["materials_short"] == 1
    attention = {a["key"]: a["count"] for a in services.compute(world.commander, world.district, now=NOW)["attention"]}
    assert attention["low_stock"] == 1
    assert api_client(world.officer_a).get("/api/v1/dashboard/low-stock.geojson").json()["features"] == []
