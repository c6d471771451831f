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
from yingji.routing.network import Network
from yingji.routing.osm import oneway_direction, read_osm, retime
from yingji.routing.speeds import DEFAULT, EMERGENCY, HIGHWAY_CODE, SpeedProfile, parse_maxspeed

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


def test_it_imports_the_futian_extract_as_one_strong_component() -> None:
    net = futian()
    assert 20_000 < net.n_nodes < 30_250  # pyrosm reads 30,250; dead ends go
    n_comp, _ = connected_components(net.graph, directed=True, connection="strong")
    assert n_comp == 1
    lo_lon, lo_lat, hi_lon, hi_lat = net.bbox
    assert 113.954 <= lo_lon and hi_lon <= 114.094 and 22.479 <= lo_lat and hi_lat <= 22.599
    assert net.meta["attribution"].startswith("Data © OpenStreetMap contributors")
    # edge times are length / speed under the profile, in seconds
    a = net.edge_attrs
    speed_kmh = a["length_m"] / net.graph.data * 3.6
    assert np.all(speed_kmh <= DEFAULT.max_kmh + 1e-3) and np.all(speed_kmh >= 3.0 - 1e-3)
    residential = (a["highway"] == HIGHWAY_CODE["residential"]) & np.isnan(a["maxspeed_kmh"])
    assert np.allclose(speed_kmh[residential], DEFAULT.highway_kmh["residential"], rtol=1e-4)


def test_it_respects_one_way_and_two_way_streets_of_futian() -> None:
    net = futian()
    nodes, edges = futian_raw_edges()
    index = {int(i): k for k, i in enumerate(net.node_ids)}
    g = net.graph.tolil()
    seen_oneway = seen_twoway = seen_reverse = 0
    for row in edges.itertuples():
        if row.u not in index or row.v not in index:
            continue  # outside the largest component
        u, v = index[row.u], index[row.v]
        if row.oneway == "yes":
            assert g[u, v] > 0
            seen_oneway += 1
        elif row.oneway == "-1":
            assert g[v, u] > 0
            seen_reverse += 1
        elif row.highway != "motorway" and row.junction != "roundabout":
            assert g[u, v] > 0 and g[v, u] > 0, "two-way segment must exist in both directions"
            seen_twoway += 1
    assert seen_oneway > 1_000 and seen_twoway > 1_000 and seen_reverse >= 1
    # Some segments exist in one direction only: one-way streets were kept one-way.
    u, v, _ = net.edges()
    pairs = set(zip(u.tolist(), v.tolist(), strict=True))
    assert sum((b, a) not in pairs for a, b in pairs) > 1_000


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
        ms = net.edge_attrs["maxspeed_kmh"]
        tagged = np.isfinite(ms)
        speed = net.edge_attrs["length_m"][tagged] / net.graph.data[tagged] * 3.6
        assert np.allclose(speed, ms[tagged], rtol=1e-4)


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
