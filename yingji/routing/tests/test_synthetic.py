"""The synthetic city: deterministic, connected, and shaped like a city."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from yingji.routing.speeds import HIGHWAY_CODE
from yingji.routing.synthetic import synthetic_city


def test_the_same_seed_gives_the_identical_network() -> None:
    a, b = synthetic_city(5_000, seed=7), synthetic_city(5_000, seed=7)
    assert np.array_equal(a.lon, b.lon) and np.array_equal(a.lat, b.lat)
    assert np.array_equal(a.graph.indptr, b.graph.indptr)
    assert np.array_equal(a.graph.indices, b.graph.indices)
    assert np.array_equal(a.graph.data, b.graph.data)


def test_another_seed_gives_another_network() -> None:
    a, b = synthetic_city(5_000, seed=7), synthetic_city(5_000, seed=8)
    assert not np.array_equal(a.lon, b.lon)


@pytest.mark.parametrize("n", [4, 50, 10_000])
def test_it_has_about_the_requested_size_and_one_strong_component(n: int) -> None:
    net = synthetic_city(n, seed=1)
    assert 0.85 * n <= net.n_nodes <= 1.1 * n + 4
    n_comp, _ = connected_components(net.graph, directed=True, connection="strong")
    assert n_comp == 1


def test_it_centres_on_the_given_point_or_fills_the_box() -> None:
    net = synthetic_city(2_500, seed=1, center=(113.9, 22.6))
    lo_lon, lo_lat, hi_lon, hi_lat = net.bbox
    assert abs((lo_lon + hi_lon) / 2 - 113.9) < 0.01 and abs((lo_lat + hi_lat) / 2 - 22.6) < 0.01
    box = (114.0, 22.5, 114.1, 22.6)
    net = synthetic_city(2_500, seed=1, bbox=box)
    assert net.bbox == pytest.approx(box, abs=0.003)


def test_it_has_faster_arterials_one_way_pairs_and_few_bridges() -> None:
    net = synthetic_city(40_000, seed=3)
    a = net.edge_attrs
    speed = a["length_m"] / net.graph.data * 3.6
    local = a["highway"] == HIGHWAY_CODE["residential"]
    arterial = a["highway"] == HIGHWAY_CODE["primary"]
    assert local.any() and arterial.any() and (a["highway"] == HIGHWAY_CODE["trunk"]).any()
    assert np.median(speed[arterial]) > 1.5 * np.median(speed[local])
    u, v, _ = net.edges()
    pairs = set(zip(u.tolist(), v.tolist(), strict=True))
    one_way = [(x, y) for x, y in pairs if (y, x) not in pairs]
    assert len(one_way) > 0.02 * len(pairs)
    # The river: only a handful of bridges join the two banks, where a full
    # grid would have a crossing in every column.
    cols = net.meta["cols"]
    row, col = np.divmod(net.node_ids, cols)
    north = row > np.asarray(net.meta["river_rows"])[col]
    crossing = north[u] != north[v]
    assert 0 < crossing.sum() <= cols // 8
    assert np.all(a["highway"][crossing] != HIGHWAY_CODE["residential"])  # bridges carry arterials


@pytest.mark.slow
def test_it_builds_300k_junctions() -> None:
    net = synthetic_city(300_000, seed=0)
    assert net.n_nodes > 280_000
