"""Issue 11: the officer adds any available team in scope by name, beyond the ranked candidates."""

from __future__ import annotations

import pytest

from yingji.core.testing import api_client, web_client
from yingji.incidents.models import DispatchStatus
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.respond import advance
from yingji.incidents.tests.builders import fire_in_a, world

pytestmark = pytest.mark.django_db


def test_the_officer_finds_a_team_by_name_and_calls_it_even_the_one_ranking_leaves_out(cast):
    w = world(cast)
    incident = fire_in_a(cast)  # a fire: the water rescue team is never a candidate
    assert w["teams"]["aw"].pk not in [c.team_id for c in dispatching.recommend(incident, user=cast.officer_a)]
    found = dispatching.find_teams(incident, user=cast.officer_a, text="水域")
    assert [c.team_name for c in found] == ["A水域队"]
    assert dispatching.find_teams(incident, user=cast.officer_a, text="C一") == []  # another street: beyond reach
    assert [c.team_name for c in dispatching.find_teams(incident, user=cast.officer_a, text="A站")] == \
        ["A一队", "A水域队", "A二队"]  # by station name too, nearest first
    page = web_client(cast.officer_a).get(f"/incidents/{incident.pk}/teams/?q=水域").content.decode()
    assert "A水域队" in page and f'data-testid="add-team-{w["teams"]["aw"].pk}"' in page
    response = web_client(cast.officer_a).post(f"/incidents/{incident.pk}/teams/add/", {"team": w["teams"]["aw"].pk})
    assert response.status_code == 302
    [dispatch] = incident.dispatches.all()
    assert dispatch.team == w["teams"]["aw"] and dispatch.called_by == cast.officer_a
    assert dispatching.find_teams(incident, user=cast.officer_a, text="水域") == []  # called already


def test_a_team_is_added_by_name_after_initial_handling_through_the_api(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    [first, _second] = dispatching.activate(incident, actor=cast.officer_a)
    for step in ("acknowledge", "arrive", "handled"):
        advance(first, step, actor=cast.responder_a)
    client = api_client(cast.street_officer)
    found = client.get(f"/api/v1/incidents/{incident.pk}/teams?q=B一").json()
    assert [t["team_name"] for t in found] == ["B一队"] and found[0]["time_text"]
    response = client.post(f"/api/v1/incidents/{incident.pk}/teams", {"team_id": w["teams"]["b1"].pk},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == DispatchStatus.CALLED
    busy = client.post(f"/api/v1/incidents/{incident.pk}/teams", {"team_id": w["teams"]["b1"].pk},
                       content_type="application/json")
    assert busy.status_code == 422


def test_an_officer_of_another_community_gets_404_and_cannot_call_beyond_reach(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    assert api_client(cast.officer_c).get(f"/api/v1/incidents/{incident.pk}/teams?q=A").status_code == 404
    assert api_client(cast.officer_c).post(f"/api/v1/incidents/{incident.pk}/teams", {"team_id": w["teams"]["a1"].pk},
                                           content_type="application/json").status_code == 404
    assert web_client(cast.officer_c).get(f"/incidents/{incident.pk}/teams/?q=A").status_code == 404
    officer_b = api_client(cast.officer_b)  # sees street 1's incidents? only community B's: 404 as well
    assert officer_b.get(f"/api/v1/incidents/{incident.pk}/teams?q=A").status_code in (403, 404)
    response = api_client(cast.officer_a).post(f"/api/v1/incidents/{incident.pk}/teams",
                                               {"team_id": w["teams"]["c1"].pk}, content_type="application/json")
    # Community C's team is out of A's officer's sight: answered like an unknown team, its name unsaid.
    assert response.status_code == 404 and not incident.dispatches.exists()
    assert w["teams"]["c1"].name not in response.content.decode()
