"""Demo steps of coverage: the Futian road network installed, demand cells with the residents, places."""

from __future__ import annotations

import io
import time

import pytest

from yingji.core import travel
from yingji.core.demo import DemoContext
from yingji.coverage.demo import choose_network, generate_cells, generate_places, install_road_network
from yingji.coverage.models import CandidateSite, DemandCell, PlaceKind, RoadNetwork
from yingji.jurisdictions.demo import CITY_BBOX, FUTIAN_BBOX, generate_jurisdictions
from yingji.jurisdictions.models import Jurisdiction, Level

pytestmark = pytest.mark.django_db


def small() -> DemoContext:
    context = DemoContext(scale="small", seed=2026, out=io.StringIO())
    generate_jurisdictions(context)
    return context


def test_the_small_demo_installs_futian_and_spreads_every_resident_over_cells(settings):
    context = small()
    start = time.perf_counter()
    install_road_network(context)
    generate_cells(context)
    generate_places(context)
    took = time.perf_counter() - start
    network = context.extra["road_network"]
    assert network.meta["name"] == "futian-nanshan-drive"
    assert travel.engine().network is not None and travel.engine().network.n_nodes == network.n_nodes
    record = RoadNetwork.objects.get()
    assert record.path == settings.YINGJI_ROAD_NETWORK and record.node_count == network.n_nodes
    assert not record.is_synthetic
    communities = Jurisdiction.objects.filter(level=Level.COMMUNITY)
    people = sum(c.population for c in communities)
    cells = DemandCell.objects.all()
    assert cells.count() > 100
    assert sum(c.population for c in cells) == pytest.approx(people, abs=0.005 * cells.count())  # rounded to 0.01
    # every cell hangs on a grid or community of the district
    assert set(cells.values_list("jurisdiction__level", flat=True)) <= {Level.GRID, Level.COMMUNITY}
    assert CandidateSite.objects.filter(kind=PlaceKind.COMMUNITY_CENTRE).count() == communities.count()
    assert CandidateSite.objects.filter(kind=PlaceKind.INDUSTRIAL_PARK).count() == 3 * len(context.streets)
    assert took < 10


def test_a_second_run_keeps_the_installed_file(settings):
    context = small()
    install_road_network(context)
    install_road_network(context)
    assert RoadNetwork.objects.count() == 1


def test_without_a_configured_file_the_network_is_only_handed_on(settings):
    settings.YINGJI_ROAD_NETWORK = ""
    context = small()
    install_road_network(context)
    network = context.extra["road_network"]
    assert network.meta["contracted"]["junctions_before"] > 20_000 and not RoadNetwork.objects.exists()


def test_a_city_beyond_the_extract_gets_a_synthetic_network():
    network, synthetic = choose_network(CITY_BBOX, seed=1)
    assert synthetic and network.meta["source"] == "synthetic"
    west, south, east, north = network.bbox
    assert west < 113.8 and east > 114.5 and south < 22.5 and north > 22.8
    futian, synthetic = choose_network(FUTIAN_BBOX, seed=1)
    assert not synthetic and futian.meta["source"] == "openstreetmap"
