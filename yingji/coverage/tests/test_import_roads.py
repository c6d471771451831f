"""`yingji import_roads`: the shipped Futian extract (cut to a box, to stay fast) becomes the engine's network."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from shapely.geometry import box, mapping

from yingji.core import travel
from yingji.coverage.models import RoadNetwork
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import GazetteerEntry
from yingji.routing.demo import FUTIAN_PBF

pytestmark = pytest.mark.django_db
BOX = ["114.03", "22.52", "114.05", "22.54"]


def test_it_imports_saves_records_and_the_engine_picks_it_up(settings, tmp_path):
    out = io.StringIO()
    call_command("import_roads", str(FUTIAN_PBF), "--bbox", *BOX, "--name", "福田样例", stdout=out)
    record = RoadNetwork.objects.get()
    assert record.path == settings.YINGJI_ROAD_NETWORK and record.name == "福田样例"
    assert record.source == "openstreetmap" and record.profile == "emergency"
    # 1,515 OSM nodes in the box, 278 of them junctions once the shape points are contracted
    assert 200 <= record.node_count < 1000 and record.edge_count > record.node_count
    assert 114.02 < record.bbox[0] < record.bbox[2] < 114.06  # the box, give or take a way crossing its edge
    assert "OpenStreetMap" in record.attribution and "junctions" in out.getvalue()
    engine = travel.engine()
    assert engine.network is not None and engine.network.n_nodes == record.node_count
    assert not engine.travel_time((114.035, 22.525), (114.045, 22.535)).estimated
    # the gazetteer was rebuilt from it: its named roads, crossings and named places (issue 11)
    kinds = set(GazetteerEntry.objects.filter(source="roads").values_list("kind", flat=True))
    assert kinds == {"road", "crossing", "place"}
    assert GazetteerEntry.objects.get(source="roads", name="朗晴馨洲停车场").kind == "place"


def test_it_writes_elsewhere_with_another_profile(tmp_path):
    target = tmp_path / "nested" / "ordinary.npz"
    call_command("import_roads", str(FUTIAN_PBF), "--bbox", *BOX, "--profile", "default", "--out", str(target),
                 stdout=io.StringIO())
    assert target.exists() and RoadNetwork.objects.get().profile == "default"


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="(No such file|文件不存在).*nothing.osm.pbf"):
        call_command("import_roads", str(tmp_path / "nothing.osm.pbf"), stdout=io.StringIO())
    assert not RoadNetwork.objects.exists()


# ------------------------------------------------------------------ refusals
def installed(settings) -> tuple[bytes, float]:
    """A network in use before the refused import: its bytes and modification time."""
    call_command("import_roads", str(FUTIAN_PBF), "--bbox", *BOX, stdout=io.StringIO())
    path = Path(settings.YINGJI_ROAD_NETWORK)
    return path.read_bytes(), path.stat().st_mtime


def assert_kept(settings, before: tuple[bytes, float]) -> None:
    path = Path(settings.YINGJI_ROAD_NETWORK)
    assert (path.read_bytes(), path.stat().st_mtime) == before
    assert RoadNetwork.objects.count() == 1
    assert travel.engine().network is not None


def broken_copy(tmp_path: Path, how: str) -> Path:
    data = FUTIAN_PBF.read_bytes()
    if how == "truncated":
        data = data[: len(data) * 2 // 3]
    elif how == "damaged":
        data = data[:5000] + b"x" * 200 + data[5200:]
    else:
        data = "这不是地图 / not a map".encode() * 50
    path = tmp_path / f"{how}.osm.pbf"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("how", "says"), [("truncated", "truncated"), ("damaged", "damaged"),
                                           ("text", "not an OpenStreetMap PBF file")])
def test_a_truncated_or_damaged_file_is_refused_and_the_network_in_use_stays(settings, tmp_path, how, says):
    before = installed(settings)
    with translation.override("en"), pytest.raises(CommandError, match=says) as caught:
        call_command("import_roads", str(broken_copy(tmp_path, how)), stdout=io.StringIO())
    assert "OpenStreetMap" in str(caught.value)
    assert_kept(settings, before)


def test_a_file_without_roads_is_refused(settings):
    before = installed(settings)
    with translation.override("en"), pytest.raises(CommandError, match="no drivable roads"):
        call_command("import_roads", str(FUTIAN_PBF), "--bbox", "0", "0", "0.1", "0.1", stdout=io.StringIO())
    assert_kept(settings, before)


def test_a_network_too_small_to_be_useful_is_refused(settings):
    before = installed(settings)
    with translation.override("en"), pytest.raises(CommandError, match="only 6 junctions; at least 200"):
        call_command("import_roads", str(FUTIAN_PBF), "--bbox", "114.03", "22.53", "114.04", "22.54",
                     stdout=io.StringIO())
    assert_kept(settings, before)


def test_a_network_that_misses_the_district_is_refused(settings):
    before = installed(settings)
    # The district lies 10 km north of the extract: the roads reach none of it.
    Jurisdiction.objects.create(level=Level.DISTRICT, code="440399", name="远方区", path="/440399/", depth=0,
                                boundary=mapping(box(114.0, 22.7, 114.1, 22.8)))
    with translation.override("en"), pytest.raises(CommandError, match=r"reach only 0(\.0)?% of the district"):
        call_command("import_roads", str(FUTIAN_PBF), stdout=io.StringIO())
    assert_kept(settings, before)
    # The district where the extract is: accepted.
    Jurisdiction.objects.filter(code="440399").update(boundary=mapping(box(114.03, 22.52, 114.05, 22.54)))
    call_command("import_roads", str(FUTIAN_PBF), stdout=io.StringIO())
    assert RoadNetwork.objects.count() == 2


def test_the_command_exits_with_an_error_code_and_the_reason(tmp_path):
    env = {**os.environ, "YINGJI_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "LANGUAGE": "en"}
    env.pop("YINGJI_TESTING", None)
    done = subprocess.run([sys.executable, "-m", "yingji.cli", "import-roads", str(broken_copy(tmp_path, "truncated"))],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[3])
    assert done.returncode != 0
    assert "truncated" in done.stderr
    assert not (tmp_path / "roads.npz").exists()
