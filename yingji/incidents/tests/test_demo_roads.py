"""Issue 11: the demo district lies on the bundled road network, and an incident at a station calls its own team.

The Futian-scale demo's jurisdictions, road network, registry and supplies are
generated (the steps the scenario needs), with
the shipped Futian extract installed as the network file.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pytest

from yingji.accounts.demo import generate_accounts
from yingji.accounts.models import User
from yingji.core import travel
from yingji.core.demo import DemoContext
from yingji.coverage.demo import install_road_network
from yingji.incidents.services import dispatch
from yingji.incidents.services.intake import report_incident
from yingji.incidents.services.ranking import team_index
from yingji.jurisdictions import locate
from yingji.jurisdictions.demo import generate_jurisdictions
from yingji.resources.demo import generate_resources
from yingji.resources.models import Station, Team, TeamKind
from yingji.supplies.demo import generate_supplies
from yingji.supplies.models import Warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def roads(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The demo's steps up to supplies at Futian scale, with the shipped extract installed as the network."""
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "roads.npz")
    context = DemoContext(scale="futian", seed=2026, out=io.StringIO())
    generate_jurisdictions(context)
    generate_accounts(context)
    install_road_network(context)
    generate_resources(context)
    generate_supplies(context)
    team_index.reset()
    locate._index = None
    return travel.engine()


def _gaps(engine, lonlat: list[tuple[float, float]]) -> np.ndarray:  # type: ignore[no-untyped-def]
    return engine.prepare(np.array(lonlat, dtype=float)).distance_m


def test_the_demo_lies_on_the_roads_and_a_fire_at_a_station_calls_its_own_team_first(roads):
    """Every station, team base and warehouse within 150 m of a road; for 50 stations, a fire at the
    station ranks the station's team first, by road (not an estimate), within one minute."""
    assert not roads.estimated
    stations = list(Station.objects.values_list("lon", "lat"))
    teams = [p for p in Team.objects.values_list("lon", "lat", "station__lon", "station__lat")]
    bases = [(t[0], t[1]) if t[0] is not None else (t[2], t[3]) for t in teams if t[0] is not None or t[2] is not None]
    warehouses = list(Warehouse.objects.values_list("lon", "lat"))
    assert len(stations) > 250 and len(bases) > 250 and len(warehouses) > 350
    for name, points in (("station", stations), ("team base", bases), ("warehouse", warehouses)):
        gaps = _gaps(roads, points)
        worst = int(np.argmax(gaps))
        assert gaps.max() <= 150, f"{name} at {points[worst]} is {gaps.max():.0f} m from the nearest road"

    officer = User.objects.get(username="district")
    stations = list(Station.objects.filter(teams__kind=TeamKind.STATION_TEAM).distinct().order_by("pk"))
    for station in random.Random(11).sample(stations, 50):
        own = Team.objects.get(station=station, kind=TeamKind.STATION_TEAM)
        incident, _created = report_incident(actor=officer, type_code="21100", channel="119", lon=station.lon,
                                             lat=station.lat, address=station.name, description="冒烟")
        first = dispatch.recommend(incident, user=officer)[0]
        assert first.team_id == own.pk, f"{station.name}: {first.team_name} ranked before its own team"
        assert first.seconds < 60 and not first.estimated, (station.name, first.seconds)
