"""The OpenStreetMap importer, on real extracts read by the real reader (pyrosm)."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pyrosm
import pytest
from scipy.sparse.csgraph import connected_components

from yingji.routing.demo import FUTIAN_PBF, futian_network
from yingji.routing.engine import TravelTimeEngine
from yingji.routing.network import Network
from yingji.routing.osm import oneway_direction, read_osm, retime
from yingji.routing.speeds import DEFAULT, EMERGENCY, HIGHWAY_CODE, SpeedProfile, parse_maxspeed
from yingji.routing.synthetic import random_points_in

PYROSM_DATA = Path(pyrosm.__file__).parent / "data"


@cache
def futian(profile: SpeedProfile = DEFAULT) -> Network:
    return read_osm(FUTIAN_PBF, profile)


@cache
def futian_raw_edges():  # the pyrosm table, for checking against the tags
    return pyrosm.OSM(str(FUTIAN_PBF)).get_network(network_type="driving", nodes=True)


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("30 mph", 30 * 1.609344),
        ("20 knots", 37.04),
        ("CN:urban", 50.0),
        ("CN:motorway", 120.0),
        ("RU:living_street", 20.0),
        ("walk", 6.0),
        ("60;40", 40.0),
        ("none", None),
        ("signals", None),
        ("", None),
        (None, None),
        (float("nan"), None),
        (80, 80.0),
        ("0", None),
    ],
)
def test_it_parses_maxspeed(value: object, kmh: float | None) -> None:
    assert parse_maxspeed(value) == pytest.approx(kmh) if kmh is not None else parse_maxspeed(value) is None


@pytest.mark.parametrize(
    ("oneway", "highway", "junction", "direction"),
    [
        ("yes", "primary", None, 1),
        ("1", "primary", None, 1),
        ("true", "primary", None, 1),
        ("-1", "primary", None, -1),
        ("no", "motorway", None, 0),
        (None, "motorway", None, 1),
        (None, "primary", "roundabout", 1),
        (float("nan"), "residential", None, 0),
        (None, "motorway_link", None, 0),
    ],
)
def test_it_reads_oneway_rules(oneway: object, highway: str, junction: object, direction: int) -> None:
    assert oneway_direction(oneway, highway, junction) == direction


def segment_speeds_kmh(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Speed of every segment (forwards where open, else backwards) and the segments' indices."""
    links = net.links
    assert links is not None
    seconds = np.where(np.isfinite(links.fwd_s), links.fwd_s, links.bwd_s)
    return links.length_m / seconds * 3.6, np.arange(links.n_segments)


def test_it_imports_the_futian_extract_as_one_strong_component() -> None:
    net = futian()
    before = net.meta["contracted"]["junctions_before"]
    assert 20_000 < before < 30_250  # pyrosm reads 30,250; dead ends go
    # Shape points leave the graph: about one node in six is a real junction.
    assert net.n_nodes == net.meta["contracted"]["junctions_after"] < 0.25 * before
    n_comp, _ = connected_components(net.graph, directed=True, connection="strong")
    assert n_comp == 1
    lo_lon, lo_lat, hi_lon, hi_lat = net.bbox
    assert 113.954 <= lo_lon and hi_lon <= 114.094 and 22.479 <= lo_lat and hi_lat <= 22.599
    assert net.meta["attribution"].startswith("Data © OpenStreetMap contributors")
    # segment times are length / speed under the profile, in seconds
    speed_kmh, _ = segment_speeds_kmh(net)
    a = net.links.attrs
    assert np.all(speed_kmh <= DEFAULT.max_kmh + 1e-3) and np.all(speed_kmh >= 3.0 - 1e-3)
    residential = (a["highway"] == HIGHWAY_CODE["residential"]) & np.isnan(a["maxspeed_kmh"])
    assert np.allclose(speed_kmh[residential], DEFAULT.highway_kmh["residential"], rtol=1e-4)
    # a link's time is the sum of its segments'
    links = net.links
    assert np.allclose(np.add.reduceat(np.where(np.isfinite(links.fwd_s), links.fwd_s, 0), links.first_segment[:-1])
                       [links.forward_open], links.forward_total[links.forward_open])
    assert "深南大道" in net.meta["road_names"]


def test_contracting_the_shape_points_changes_no_travel_time() -> None:
    contracted, raw = futian(EMERGENCY), read_osm(FUTIAN_PBF, EMERGENCY, contract=False)
    assert raw.n_nodes == contracted.meta["contracted"]["junctions_before"]
    new, old = TravelTimeEngine(contracted), TravelTimeEngine(raw)
    pts = random_points_in(contracted, 120, seed=1)
    assert np.allclose(new.prepare(pts).distance_m, old.prepare(pts).distance_m)
    stations_new, stations_old = new.prepare(pts[:80]), old.prepare(pts[:80])
    for p in pts[80:]:
        a = dict(new.nearest(tuple(p), stations_new, k=80).items)
        b = dict(old.nearest(tuple(p), stations_old, k=80).items)
        assert a.keys() == b.keys()
        assert max(abs(a[i] - b[i]) for i in a) < 1e-8
    for p, q in zip(pts[:15], pts[15:30], strict=True):
        assert new.route(tuple(p), tuple(q)).seconds == pytest.approx(old.travel_time(tuple(p), tuple(q)).seconds,
                                                                     abs=1e-8)


def test_it_respects_one_way_and_two_way_streets_of_futian() -> None:
    net = futian()
    links = net.links
    nodes, edges = futian_raw_edges()
    where = {int(i): (float(x), float(y)) for i, x, y in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True)}
    start = links.segment_start_vertex
    segment_of = {}
    for s_, a in enumerate(start):
        pa = (float(links.lon[a]), float(links.lat[a]))
        pb = (float(links.lon[a + 1]), float(links.lat[a + 1]))
        segment_of[(pa, pb)] = (s_, True)
        segment_of[(pb, pa)] = (s_, False)
    seen_oneway = seen_twoway = seen_reverse = 0
    for row in edges.itertuples():
        found = segment_of.get((where[row.u], where[row.v]))
        if found is None:
            continue  # outside the largest component
        s_, along = found
        ahead = links.fwd_s[s_] if along else links.bwd_s[s_]
        back = links.bwd_s[s_] if along else links.fwd_s[s_]
        if row.oneway == "yes":
            assert np.isfinite(ahead)
            seen_oneway += 1
        elif row.oneway == "-1":
            assert np.isfinite(back)
            seen_reverse += 1
        elif row.highway != "motorway" and row.junction != "roundabout":
            assert np.isfinite(ahead) and np.isfinite(back), "two-way segment must be open both ways"
            seen_twoway += 1
    assert seen_oneway > 1_000 and seen_twoway > 1_000 and seen_reverse >= 1
    # Some links are open in one direction only: one-way streets were kept one-way.
    assert int((links.forward_open != links.backward_open).sum()) > 500


def test_the_emergency_profile_is_faster_everywhere() -> None:
    slow = futian(DEFAULT)
    fast = retime(slow, EMERGENCY)
    assert np.all(fast.graph.data <= slow.graph.data * (1 + 1e-6))  # lengths are stored as float32
    assert fast.meta["profile"] == "emergency"
    assert fast.graph.data.sum() < 0.8 * slow.graph.data.sum()


@pytest.mark.parametrize("name", ["test.osm.pbf", "Helsinki.osm.pbf"])
def test_it_imports_the_extracts_shipped_with_pyrosm(name: str) -> None:
    path = PYROSM_DATA / name
    assert path.exists(), "pyrosm ships this file; it must not be downloaded"
    net = read_osm(path, EMERGENCY)
    assert net.n_nodes > 100
    n_comp, _ = connected_components(net.graph, directed=True, connection="strong")
    assert n_comp == 1
    assert np.all(np.isfinite(net.graph.data)) and np.all(net.graph.data > 0)
    if name == "Helsinki.osm.pbf":
        # Helsinki's streets carry maxspeed 30/40: the emergency profile drives at the limit.
        ms = net.links.attrs["maxspeed_kmh"]
        tagged = np.isfinite(ms)
        speed, _ = segment_speeds_kmh(net)
        assert np.allclose(speed[tagged], ms[tagged], rtol=1e-4)


def test_the_shipped_futian_network_matches_a_fresh_import() -> None:
    shipped = futian_network(EMERGENCY)
    fresh = futian(EMERGENCY)
    assert shipped.n_nodes == fresh.n_nodes and shipped.n_edges == fresh.n_edges
    assert np.allclose(shipped.graph.data, fresh.graph.data)
    assert futian_network(DEFAULT).meta["profile"] == "default"


def test_the_cli_builds_the_futian_network(tmp_path) -> None:
    out = tmp_path / "futian.npz"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    done = subprocess.run(
        [sys.executable, "-m", "yingji.routing", "build-futian", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "wrote" in done.stdout
    assert Network.load(out).n_nodes == futian_network().n_nodes
