"""The Network container: building from edge lists, components, .npz storage."""

from __future__ import annotations

import numpy as np
import pytest

from yingji.routing.network import MIN_EDGE_SECONDS, Network
from yingji.routing.synthetic import synthetic_city


def line_network() -> Network:
    """0 ⇄ 1 → 2, plus an isolated 3 → 0 spur and a parallel slow 0→1 road."""
    lon = np.array([114.0, 114.01, 114.02, 114.03])
    lat = np.array([22.5, 22.5, 22.5, 22.5])
    u = [0, 1, 1, 0, 3, 0]
    v = [1, 0, 2, 1, 0, 0]
    t = [60.0, 60.0, 30.0, 90.0, 10.0, 5.0]
    return Network.from_edges(lon, lat, u, v, t, edge_attrs={"length_m": np.array([1, 2, 3, 4, 5, 6.0])})


def test_it_keeps_the_fastest_of_parallel_edges_and_drops_self_loops() -> None:
    net = line_network()
    assert net.graph[0, 1] == 60.0
    assert net.graph[0, 0] == 0.0 and net.n_edges == 4
    # attributes follow their edge through sorting and deduplication
    u, v, _ = net.edges()
    lengths = dict(zip(zip(u.tolist(), v.tolist(), strict=True), net.edge_attrs["length_m"], strict=True))
    assert lengths == {(0, 1): 1, (1, 0): 2, (1, 2): 3, (3, 0): 5}


def test_it_clamps_zero_length_edges_to_a_millisecond() -> None:
    net = Network.from_edges([0.0, 0.0], [0.0, 0.0], [0], [1], [0.0])
    assert net.graph[0, 1] == MIN_EDGE_SECONDS


def test_it_keeps_the_largest_strongly_connected_component() -> None:
    net = line_network().largest_component()
    # 2 is reachable but cannot return; 3 reaches 0 but nothing reaches it.
    assert net.n_nodes == 2
    assert net.lon.tolist() == [114.0, 114.01]
    assert net.graph[0, 1] == 60.0 and net.graph[1, 0] == 60.0


def test_it_rejects_mismatched_arrays() -> None:
    with pytest.raises(ValueError):
        Network.from_edges([0.0], [0.0, 1.0], [0], [0], [1.0])
    with pytest.raises(ValueError):
        Network.from_edges([0.0, 1.0], [0.0, 1.0], [0], [1], [np.inf])


def test_it_round_trips_through_npz(tmp_path) -> None:
    net = synthetic_city(2_000, seed=4)
    net.meta["note"] = "福田 demo"
    path = tmp_path / "city.npz"
    net.save(path)
    back = Network.load(path)
    assert np.array_equal(back.lon, net.lon) and np.array_equal(back.lat, net.lat)
    assert (back.graph != net.graph).nnz == 0
    assert np.array_equal(back.graph.indptr, net.graph.indptr)
    assert set(back.edge_attrs) == set(net.edge_attrs)
    for name, arr in net.edge_attrs.items():
        assert np.array_equal(back.edge_attrs[name], arr, equal_nan=True)
        assert back.edge_attrs[name].dtype == arr.dtype
    assert back.meta == net.meta


def test_it_refuses_a_file_of_another_format(tmp_path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, lon=np.zeros(1), meta=np.frombuffer(b'{"format": 99}', dtype=np.uint8))
    with pytest.raises(ValueError, match="format"):
        Network.load(path)


def test_the_reverse_graph_is_the_transpose() -> None:
    net = line_network()
    assert (net.reverse_graph != net.graph.T).nnz == 0
