"""The road path drawn on the responder's map: the same path networkx finds, and its length."""

from __future__ import annotations

import math
from functools import cache

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.routing import search
from yingji.routing.engine import TravelTimeEngine
from yingji.routing.geo import haversine_m
from yingji.routing.network import Network
from yingji.routing.synthetic import synthetic_city
from yingji.routing.tests.test_search_properties import graphs


def edge_seconds(net: Network, u: int, v: int) -> float:
    return float(net.graph[u, v])


@settings(max_examples=80, deadline=None)
@given(graphs(), st.data())
def test_the_route_is_a_real_path_as_fast_as_networkx_finds(case, data) -> None:
    net, g = case
    source = data.draw(st.integers(0, net.n_nodes - 1))
    target = data.draw(st.integers(0, net.n_nodes - 1))
    nodes, seconds = search.route(net.graph, source, target)
    try:
        want = nx.shortest_path_length(g, source, target, weight="weight")
    except nx.NetworkXNoPath:
        assert nodes == [] and math.isinf(seconds)
        return
    assert nodes[0] == source and nodes[-1] == target
    assert math.isclose(seconds, want, abs_tol=1e-9)
    # Every step is a road of the graph, and the steps add up to the time.
    assert math.isclose(sum(edge_seconds(net, u, v) for u, v in zip(nodes, nodes[1:], strict=False)), want,
                        abs_tol=1e-9)


def test_on_a_fixed_graph_the_route_is_the_path_networkx_gives() -> None:
    #   0 →(10) 1 →(10) 3, 0 →(5) 2 →(30) 3, one-way 3 →(1) 0: the unique fastest 0 → 3 is 0-1-3.
    u, v, t = [0, 1, 0, 2, 3], [1, 3, 2, 3, 0], [10.0, 10.0, 5.0, 30.0, 1.0]
    net = Network.from_edges([114.0, 114.01, 114.0, 114.01], [22.5, 22.5, 22.51, 22.51], u, v, t)
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(u, v, t, strict=True))
    assert search.route(net.graph, 0, 3) == (nx.shortest_path(g, 0, 3, weight="weight"), 20.0)
    assert search.route(net.graph, 3, 2) == ([3, 0, 2], 6.0)
    assert search.route(net.graph, 2, 2) == ([2], 0.0)
    assert search.route(net.graph, 0, 3, limit=15) == ([], math.inf)


@cache
def city() -> Network:
    return synthetic_city(3_000, seed=4)


def test_the_engine_route_runs_from_the_snapped_start_to_the_snapped_end() -> None:
    net = city()
    engine = TravelTimeEngine(net)
    a, b = (114.043, 22.533), (114.058, 22.548)
    r = engine.route(a, b)
    ends = engine.prepare([a, b])
    assert not r.estimated
    # It leaves from a junction the start drives to along its road, and arrives at one the end is reached from.
    assert r.nodes[0] in ends.out_node[0] and r.nodes[-1] in ends.in_node[1]
    assert r.lonlat[0] == a and r.lonlat[-1] == b
    # The second point is where the start joins its road: the gap away.
    assert float(haversine_m(*a, *r.lonlat[1])) == pytest.approx(ends.distance_m[0], rel=1e-3)
    assert (float(net.lon[r.nodes[0]]), float(net.lat[r.nodes[0]])) in r.lonlat
    # The time is the engine's point-to-point travel time; the length is the imported road length.
    assert math.isclose(r.seconds, engine.travel_time(a, b).seconds, rel_tol=1e-9)
    crow = float(haversine_m(a[0], a[1], b[0], b[1]))
    assert crow < r.metres < 3 * crow


def test_without_a_network_the_route_is_the_estimated_straight_line() -> None:
    engine = TravelTimeEngine(None)
    a, b = (114.0, 22.5), (114.01, 22.5)
    r = engine.route(a, b)
    assert r.estimated and r.nodes == [] and r.lonlat == [a, b]
    assert math.isclose(r.seconds, engine.travel_time(a, b).seconds)
    assert math.isclose(r.metres, float(haversine_m(a[0], a[1], b[0], b[1])) * 1.4)


def test_a_point_far_off_the_network_gets_the_straight_line() -> None:
    engine = TravelTimeEngine(city())
    r = engine.route((114.05, 22.54), (115.0, 23.0))
    assert r.estimated and len(r.lonlat) == 2


def test_without_road_lengths_the_length_is_measured_along_the_junctions() -> None:
    lon, lat = np.array([114.0, 114.01, 114.02]), np.array([22.5, 22.5, 22.5])
    net = Network.from_edges(lon, lat, [0, 1], [1, 2], [60.0, 60.0])
    r = TravelTimeEngine(net).route((114.0, 22.5), (114.02, 22.5))
    assert math.isclose(r.seconds, 120.0) and 1 in r.nodes
    junctions = [(114.0, 22.5), (114.01, 22.5), (114.02, 22.5)]
    assert [p for p in r.lonlat if p in junctions] == sorted(set(junctions))
    assert math.isclose(r.metres, float(haversine_m(114.0, 22.5, 114.02, 22.5)), rel_tol=1e-6)


def test_two_points_beyond_the_end_of_a_road_go_out_to_it_and_back() -> None:
    # East of the network's last junction (as the east of Futian lies beyond the OSM extract):
    # both points join the road at that junction, 600 m away, within a 1 km snap limit.
    lon, lat = np.array([114.0, 114.01]), np.array([22.5, 22.5])
    engine = TravelTimeEngine(Network.from_edges(lon, lat, [0, 1], [1, 0], [60.0, 60.0]), max_snap_m=1_000)
    a, b = (114.016, 22.5), (114.016, 22.5005)
    ends = engine.prepare([a, b])
    assert ends.on_network.all() and min(ends.distance_m) > 500
    r = engine.route(a, b)
    assert not r.estimated and r.lonlat[0] == a and r.lonlat[-1] == b
    assert math.isclose(r.seconds, float(ends.gap_s.sum()), rel_tol=1e-9)
    # With the default limit (500 m) they are off the network: the straight line, marked.
    default = TravelTimeEngine(engine.network)
    r = default.route(a, b)
    assert r.estimated and r.nodes == [] and r.lonlat == [a, b]
    assert math.isclose(r.metres, float(haversine_m(a[0], a[1], b[0], b[1])) * default.fallback.detour)


def test_a_start_far_from_its_road_still_gets_the_road_route_travel_time_finds() -> None:
    # Three junctions in a row, 0 → 1 → 2, a minute each; the start is 3 km north of junction 0
    # (a 2,000 s walk to its road, past the first search budget and past the sum of all edges),
    # the end on junction 2. The route's search must not give up at "every edge together" while
    # the start's own way onto the roads is still being paid: travel_time finds the road path.
    lon, lat = np.array([114.0, 114.01, 114.02]), np.array([22.5, 22.5, 22.5])
    engine = TravelTimeEngine(Network.from_edges(lon, lat, [0, 1], [1, 2], [60.0, 60.0]), max_snap_m=1e9)
    a, b = (113.999, 22.527), (114.02, 22.5)
    t = engine.travel_time(a, b)
    assert not t.estimated and math.isfinite(t.seconds) and t.seconds > 300
    r = engine.route(a, b)
    assert not r.estimated and 1 in r.nodes
    assert math.isclose(r.seconds, t.seconds, rel_tol=1e-9)
