"""What-if replay against a hand-computed small case: the line world of builders.py (junctions one
minute apart by car, one station on n0), four past incidents on the junctions, and a shelter on n1.

    incident  where  jurisdiction (street)   road time from n0   recorded arrival (from the call)
    I1        n1     A   (南园街道)           60 s                150 s
    I2        n3     B   (南园街道)           180 s               400 s
    I3        n4     C   (园岭街道)           240 s               none
    I4        n5     C   (园岭街道)           300 s               200 s
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.testing import api_client, web_client
from yingji.coverage.models import CoverageRun, Layout, ReplayRun, RunStatus
from yingji.coverage.services import whatif
from yingji.coverage.tests.builders import NODES, world
from yingji.incidents.models import Incident
from yingji.resources.models import Facility, FacilityKind, FacilityStatus
from yingji.routing.walking import WALKING_M_PER_MIN, walking_network

pytestmark = pytest.mark.django_db

DAY = timezone.make_aware(datetime.datetime(2026, 3, 10, 10, 0))


def _incident(j, node, ref, arrival_s):
    lon, lat = NODES[node]
    return Incident.objects.create(jurisdiction=j, type_code="21100" if node < 4 else "31100", channel="119",
                                   lon=lon, lat=lat, status="closed", received_at=DAY, reference=ref,
                                   arrived_at=DAY + datetime.timedelta(seconds=arrival_s) if arrival_s else None)


@pytest.fixture
def case(cast):
    w = world(cast)
    _incident(cast.community_a, 1, "I1", 150)
    _incident(cast.community_b, 3, "I2", 400)
    _incident(cast.community_c, 4, "I3", None)
    _incident(cast.community_c, 5, "I4", 200)
    _incident(cast.community_c, 5, "I-OLD", 10).__class__.objects.filter(reference="I-OLD").update(
        received_at=DAY - datetime.timedelta(days=400))  # outside the period
    Facility.objects.create(jurisdiction=cast.community_a, code="SH-1", name="A避难场所", kind=FacilityKind.SHELTER,
                            status=FacilityStatus.IN_SERVICE, lon=NODES[1][0], lat=NODES[1][1])
    return cast, w


def _req(cast, **kw):
    values = {"area": cast.district, "start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 12, 31)}
    values.update(kw)
    return whatif.Request(**values)


def test_it_replays_todays_layout_by_hand(case):
    cast, w = case
    result = whatif.replay(cast.commander, _req(cast), engine=w.engine)
    t = result["totals"]
    assert result["stations"] == 1
    assert (t["count"], t["predicted_3"], t["predicted_5"]) == (4, 2, 4)   # 60, 180 | 240, 300
    assert (t["with_arrival"], t["actual_3"], t["actual_5"]) == (3, 1, 2)   # 150 | 200; 400 misses both
    assert t["predicted_3_pct"] == 50.0 and t["actual_5_pct"] == 66.7
    streets = {r["key"]: r for r in result["areas"]}
    s1, s2 = streets[cast.street_1.code], streets[cast.street_2.code]
    assert s1["label"] == "南园街道"
    assert (s1["count"], s1["predicted_3"], s1["predicted_5"], s1["actual_3"], s1["actual_5"]) == (2, 2, 2, 1, 1)
    assert (s2["count"], s2["predicted_3"], s2["predicted_5"], s2["with_arrival"], s2["actual_5"]) == (2, 0, 2, 1, 1)
    types = {r["key"]: r["count"] for r in result["types"]}
    assert types == {"21100": 2, "31100": 2}


def test_turnout_is_added_to_every_road_time(case):
    cast, w = case
    t = whatif.replay(cast.commander, _req(cast, turnout_s=60), engine=w.engine)["totals"]
    assert (t["predicted_3"], t["predicted_5"]) == (1, 3)  # 120 | 240, 300; 360 misses


def test_a_drawn_station_on_n5_brings_everything_within_3_minutes(case):
    cast, w = case
    req = _req(cast, layout=Layout.DRAWN, points=[NODES[5]])
    t = whatif.replay(cast.commander, req, engine=w.engine)["totals"]
    assert (t["predicted_3"], t["predicted_5"]) == (4, 4)  # 60, 180 from n0; 60, 0 from n5
    only = whatif.replay(cast.commander, _req(cast, layout=Layout.DRAWN, points=[NODES[5]], keep_existing=False),
                         engine=w.engine)["totals"]
    assert (only["predicted_3"], only["predicted_5"]) == (3, 4)  # from n5 alone: 240, 120, 60, 0


def test_the_recommended_sites_of_a_siting_study_are_added(case):
    cast, w = case
    run = CoverageRun.objects.create(jurisdiction=cast.district, limit_minutes=5, new_sites=1, status=RunStatus.DONE,
                                     sites=[{"lon": NODES[4][0], "lat": NODES[4][1], "name": "n4"}])
    t = whatif.replay(cast.commander, _req(cast, layout=Layout.RECOMMENDED, siting_run=run), engine=w.engine)["totals"]
    assert t["predicted_3"] == 4  # n4 reaches n3, n4, n5 in 60, 0, 60


def test_the_walking_circle_counts_residents_by_road_at_walking_pace(case):
    cast, w = case
    walking = whatif.replay(cast.commander, _req(cast), engine=w.engine)["walking"]
    # n0 and n2 are 0.02° of latitude (about 2.2 km, 29.5 minutes on foot) from the shelter on n1: only n1's
    # 2,000 residents are within 15 minutes, of 21,000.
    assert (walking["shelters"], walking["population"], walking["covered"]) == (1, 21000, 2000)
    streets = {r["key"]: r for r in walking["areas"]}
    assert streets[cast.street_1.code]["share"] == 0.2 and streets[cast.street_2.code]["covered"] == 0
    net = walking_network(w.engine.network)
    metres = net.links.length_m[0] if net.links is not None else 0
    assert net.graph[0, 1] == pytest.approx(metres / (WALKING_M_PER_MIN / 60.0), rel=1e-6)


def test_bad_input_names_the_field(case):
    cast, _w = case
    for data, name in (({"start": "2026-13-01"}, "start"), ({"start": "2026-05-01", "end": "2026-04-01"}, "end"),
                       ({"layout": "drawn"}, "add"), ({"layout": "nonsense"}, "layout"),
                       ({"layout": "recommended"}, "layout"), ({"turnout": "abc"}, "turnout"),
                       ({"turnout": "9999"}, "turnout")):
        with pytest.raises(ValidationError) as exc:
            whatif.parse(cast.commander, cast.district, data)
        assert name in exc.value.message_dict, data
    answer = api_client(cast.commander).get("/api/v1/coverage/whatif?start=2026-05-01&end=2026-04-01")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "end"


def test_the_api_replays_and_queues_within_scope(case, django_capture_on_commit_callbacks):
    cast, w = case
    body = api_client(cast.street_officer).get(
        f"/api/v1/coverage/whatif?area={cast.street_1.code}&start=2026-01-01&end=2026-12-31").json()
    assert body["totals"]["count"] == 2  # the street's own: I1 and I2
    assert {r["key"] for r in body["areas"]} == {cast.community_a.code, cast.community_b.code}
    with django_capture_on_commit_callbacks(execute=True):
        queued = api_client(cast.street_officer).post(
            f"/api/v1/coverage/whatif/runs?area={cast.street_1.code}&start=2026-01-01&end=2026-12-31")
    assert queued.status_code == 202
    run = ReplayRun.objects.get(pk=queued.json()["id"])
    assert run.status == RunStatus.DONE  # immediate backend in tests
    assert run.result["totals"]["predicted_3"] == 2
    again = api_client(cast.street_officer).get(f"/api/v1/coverage/whatif/runs/{run.pk}")
    assert again.json()["result"]["totals"]["count"] == 2


def test_another_community_gets_404(case):
    cast, _w = case
    client = api_client(cast.officer_b)
    assert client.get(f"/api/v1/coverage/whatif?area={cast.community_a.code}").status_code == 404
    assert client.post(f"/api/v1/coverage/whatif/runs?area={cast.community_a.code}").status_code == 404
    run = ReplayRun.objects.create(jurisdiction=cast.community_a, start=datetime.date(2026, 1, 1),
                                   end=datetime.date(2026, 2, 1))
    assert client.get(f"/api/v1/coverage/whatif/runs/{run.pk}").status_code == 404
    assert web_client(cast.officer_b).get(f"/coverage/whatif/?replay={run.pk}").status_code == 404
    assert web_client(cast.officer_b).get(f"/coverage/whatif/?area={cast.community_a.code}").status_code == 404
    # Their own community's replay sees only their incidents (none): the page still answers.
    own = api_client(cast.officer_b).get("/api/v1/coverage/whatif?start=2026-01-01&end=2026-12-31").json()
    assert own["totals"]["count"] == 1  # I2 lies in B


def test_the_page_shows_the_replay_in_chinese(case):
    cast, _w = case
    page = web_client(cast.commander).get("/coverage/whatif/?start=2026-01-01&end=2026-12-31&layout=today")
    text = page.content.decode()
    assert page.status_code == 200
    assert "推演复盘" in text and "15分钟社区生活圈" in text
    assert 'data-testid="predicted-3">50.0%' in text
