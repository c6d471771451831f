"""`yingji import_roads`: the shipped Futian extract (cut to a box, to stay fast) becomes the engine's network."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from yingji.core import travel
from yingji.coverage.models import RoadNetwork
from yingji.routing.demo import FUTIAN_PBF

pytestmark = pytest.mark.django_db
BOX = ["114.03", "22.52", "114.05", "22.54"]


def test_it_imports_saves_records_and_the_engine_picks_it_up(settings, tmp_path):
    out = io.StringIO()
    call_command("import_roads", str(FUTIAN_PBF), "--bbox", *BOX, "--name", "福田样例", stdout=out)
    record = RoadNetwork.objects.get()
    assert record.path == settings.YINGJI_ROAD_NETWORK and record.name == "福田样例"
    assert record.source == "openstreetmap" and record.profile == "emergency"
    assert 500 < record.node_count < 5000 and record.edge_count > record.node_count
    assert 114.02 < record.bbox[0] < record.bbox[2] < 114.06  # the box, give or take a way crossing its edge
    assert "OpenStreetMap" in record.attribution and "junctions" in out.getvalue()
    engine = travel.engine()
    assert engine.network is not None and engine.network.n_nodes == record.node_count
    assert not engine.travel_time((114.035, 22.525), (114.045, 22.535)).estimated


def test_it_writes_elsewhere_with_another_profile(tmp_path):
    target = tmp_path / "nested" / "ordinary.npz"
    call_command("import_roads", str(FUTIAN_PBF), "--bbox", *BOX, "--profile", "default", "--out", str(target),
                 stdout=io.StringIO())
    assert target.exists() and RoadNetwork.objects.get().profile == "default"


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="(No such file|文件不存在).*nothing.osm.pbf"):
        call_command("import_roads", str(tmp_path / "nothing.osm.pbf"), stdout=io.StringIO())
    assert not RoadNetwork.objects.exists()
