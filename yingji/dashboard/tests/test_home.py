"""The role home (`/`) on the dashboard's blocks (dashboard/home.py): each role sees its own place's data
and nothing of its siblings', with the same figures as the dashboard for the same area, and 今日待办
lists the warnings someone of the area has still to acknowledge until they have."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from yingji.core.testing import api_client, web_client
from yingji.dashboard import home, services
from yingji.dashboard.tests.builders import NOW
from yingji.supplies.tests.builders import make_warehouse

pytestmark = pytest.mark.django_db


def _home(user) -> str:  # type: ignore[no-untyped-def]
    answer = web_client(user).get("/")
    assert answer.status_code == 200
    return answer.content.decode()


def _figures_rows(text: str) -> dict[str, dict[str, str]]:
    """{area code: {figure key: shown value}} of the home's key-figures table."""
    return {code: dict(re.findall(r'data-key="(\w+)">([\d,]+)</td>', body))
            for code, body in re.findall(r'<tr data-code="(\d+)">(.*?)</tr>', text, re.S)}


def _tiles(text: str) -> dict[str, str]:
    block = re.search(r'data-testid="dash-tiles">(.*?)</ul>', text, re.S)
    assert block is not None, "no key-figure tiles on the page"
    return dict(re.findall(r'<li data-key="(\w+)"><b>([\d,]+)</b>', block.group(1)))


def _agrees_with_the_dashboard(shown: dict[str, dict[str, str]], data: dict) -> None:  # type: ignore[type-arg]
    assert list(shown) == [r["code"] for r in data["rows"]]
    for row in data["rows"]:
        assert shown[row["code"]] == {k: str(v) for k, v in row["values"].items()}, row["name"]


def test_the_district_sees_its_streets_with_the_dashboards_figures(world):
    text = _home(world.commander)
    shown = _figures_rows(text)
    assert list(shown) == [world.street_1.code, world.street_2.code]
    # By hand (builders.world): street 1 has A's and B's stations, A's two teams (one on a call), A's two
    # open incidents, A's red risk point and A's overdue hazard; street 2 has C's.
    assert shown[world.street_1.code] | {} == {
        "stations": "2", "teams_available": "1", "teams_on_call": "1", "open_incidents": "2", "high_risk_points": "1",
        "overdue_hazards": "1", "warnings_in_force": "0", "devices_alarm": "0"}
    assert (shown[world.street_2.code]["open_incidents"], shown[world.street_2.code]["stations"]) == ("1", "1")
    _agrees_with_the_dashboard(shown, services.compute(world.commander, world.district, now=NOW))
    assert 'data-testid="home-attention"' in text and 'data-testid="home-map"' in text
    assert "street-counts" not in text  # the old per-area table is gone


def test_a_street_sees_its_communities_not_the_other_street(world):
    text = _home(world.street_officer)
    shown = _figures_rows(text)
    assert list(shown) == [world.community_a.code, world.community_b.code]
    _agrees_with_the_dashboard(shown, services.compute(world.street_officer, world.street_1, now=NOW))
    assert world.community_c.name not in text and world.street_2.name not in text
    # Its open incidents are A's two (the list is the figure's own rows), not C's.
    assert re.search(r'data-testid="home-incidents">\s*<h2>[^<]*<span class="badge red">2</span>', text)
    assert world.community_c.name not in text


def test_a_community_sees_its_figures_teams_warehouses_and_open_incidents_only(world):
    make_warehouse(world.community_a, "W-A", 114.02, name="A社区应急物资仓库")
    make_warehouse(world.community_b, "W-B", 114.03, name="B社区应急物资仓库")
    text = _home(world.officer_a)
    tiles = _tiles(text)
    totals = services.compute(world.officer_a, world.community_a, now=NOW)["totals"]
    assert tiles == {k: str(v) for k, v in totals.items()}
    assert (tiles["teams_available"], tiles["teams_on_call"], tiles["open_incidents"], tiles["overdue_hazards"]) == (
        "1", "1", "2", "1")
    assert "A一队" in text and "A二队" in text and "C一队" not in text          # its teams
    assert "A社区应急物资仓库" in text and "B社区应急物资仓库" not in text      # its warehouse
    assert re.search(r'data-testid="home-incidents">\s*<h2>[^<]*<span class="badge red">2</span>', text)
    assert "尚未调派的事件" in text                                          # I-A1 is due a dispatch
    other = _home(world.officer_b)
    assert _tiles(other)["open_incidents"] == "0" and "A一队" not in other and "A社区应急物资仓库" not in other


def test_a_keeper_sees_their_stock_not_the_area_figures(world):
    mine = make_warehouse(world.community_a, "W-A", 114.02, name="A社区应急物资仓库")
    mine.keeper = world.keeper_a
    mine.save()
    make_warehouse(world.community_b, "W-B", 114.03, name="B社区应急物资仓库")
    text = _home(world.keeper_a)
    assert 'data-testid="home-warehouses"' in text and "A社区应急物资仓库" in text
    assert "B社区应急物资仓库" not in text
    assert 'data-testid="home-figures"' not in text and 'data-testid="home-incidents"' not in text


def test_every_role_has_a_line_of_blocks_that_exist(world):
    from yingji.accounts.roles import Role

    for role in Role.values:
        assert set(home.blocks_for(role)) <= set(home.BLOCKS), role


# ------------------------------------------------------------------ warnings awaiting acknowledgement
def _released_to_the_grid_worker(cast):  # type: ignore[no-untyped-def]
    from yingji.warnings import services as warnings
    from yingji.warnings.tests.builders import draft

    warning = draft(cast, jurisdiction=cast.community_a, actor=cast.officer_a, channels=["in_app"],
                    now=timezone.now())
    return warnings.release(warning, actor=cast.officer_a)


def _ack_item(text: str) -> str | None:
    found = re.search(r'<li class="warn" data-key="warnings_unacknowledged"><a href="([^"]+)"><b>(\d+)</b>', text)
    return f"{found.group(1)} {found.group(2)}" if found else None


def test_a_warning_waits_in_the_attention_list_until_acknowledged(world, django_capture_on_commit_callbacks):
    from yingji.warnings import services as warnings

    assert _ack_item(_home(world.officer_a)) is None
    with django_capture_on_commit_callbacks(execute=True):
        warning = _released_to_the_grid_worker(world)
    # The community's home and the street's both list it, each on its own people; the dashboard too.
    item = _ack_item(_home(world.officer_a))
    assert item == f"/warnings/{warning.pk}/progress/?community={world.community_a.pk} 1"
    assert _ack_item(_home(world.street_officer)) == f"/warnings/{warning.pk}/progress/?street={world.street_1.pk} 1"
    body = api_client(world.officer_a).get("/api/v1/dashboard/data").json()
    assert {a["key"]: a["count"] for a in body["attention"]}["warnings_unacknowledged"] == 1
    # Community B's people were not asked: nothing waits there, and B's officer does not see A's warning.
    assert _ack_item(_home(world.officer_b)) is None
    assert web_client(world.officer_b).get(f"/warnings/{warning.pk}/progress/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        warnings.acknowledge(warning, world.grid_worker_a)
    # Gone at once (the cached answer is dropped on the acknowledgement), for both homes.
    assert _ack_item(_home(world.officer_a)) is None
    assert _ack_item(_home(world.street_officer)) is None


def test_the_warnings_list_shows_those_still_waiting(world, django_capture_on_commit_callbacks):
    from yingji.warnings import services as warnings

    with django_capture_on_commit_callbacks(execute=True):
        warning = _released_to_the_grid_worker(world)
    client = web_client(world.officer_a)
    assert f"/warnings/{warning.pk}/" in client.get("/warnings/?unacknowledged=1").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        warnings.acknowledge(warning, world.grid_worker_a)
    assert f"/warnings/{warning.pk}/" not in client.get("/warnings/?unacknowledged=1").content.decode()
