"""Travel times equal networkx's Dijkstra on random directed graphs (hypothesis).

The graphs have one-way edges, parallel edges (the faster one counts),
self-loops and disconnected parts.  Every query the engine offers is checked:
single-source, multi-source with start offsets, bounded, reverse.  The point
queries (k-nearest, reachable-within, point to point, routes) are checked
against the points spliced into the roads in networkx (``reference.py``), on
the network as built and with its shape points contracted.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.routing import search
from yingji.routing.engine import TravelTimeEngine
from yingji.routing.network import Network
from yingji.routing.tests.reference import Spliced, splice

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[Network, nx.MultiDiGraph]:
    n = draw(st.integers(1, 25))
    m = draw(st.integers(0, 4 * n))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node, st.integers(1, 60)), min_size=m, max_size=m))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    lon = 114.0 + rng.uniform(0, 0.05, n)
    lat = 22.5 + rng.uniform(0, 0.05, n)
    u = [e[0] for e in edges]
    v = [e[1] for e in edges]
    w = [float(e[2]) for e in edges]
    net = Network.from_edges(lon, lat, u, v, w)
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from((a, b, c) for a, b, c in zip(u, v, w, strict=True) if a != b)
    return net, g


def expected_from(g: nx.MultiDiGraph, sources: dict[int, float], limit: float = math.inf) -> np.ndarray:
    """Least offset + distance over sources, via networkx, inf beyond limit."""
    out = np.full(g.number_of_nodes(), np.inf)
    for s, off in sources.items():
        for node, d in nx.single_source_dijkstra_path_length(g, s, weight="weight").items():
            out[node] = min(out[node], off + d)
    out[out > limit] = np.inf
    return out


def assert_times_equal(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert np.array_equal(np.isinf(ours), np.isinf(theirs))
    finite = np.isfinite(theirs)
    assert np.allclose(ours[finite], theirs[finite], rtol=1e-12, atol=1e-9)


@SETTINGS
@given(graphs(), st.data())
def test_single_source_matches_networkx(case, data) -> None:
    net, g = case
    s = data.draw(st.integers(0, net.n_nodes - 1))
    limit = data.draw(st.one_of(st.none(), st.floats(0, 200)))
    ours = search.single_source(net.graph, s, limit)
    assert_times_equal(ours, expected_from(g, {s: 0.0}, math.inf if limit is None else limit))


@SETTINGS
@given(graphs(), st.data())
def test_reverse_search_matches_networkx_on_the_reversed_graph(case, data) -> None:
    net, g = case
    t = data.draw(st.integers(0, net.n_nodes - 1))
    limit = data.draw(st.floats(0, 200))
    ours = search.single_source(net.reverse_graph, t, limit)
    assert_times_equal(ours, expected_from(g.reverse(copy=True), {t: 0.0}, limit))


@SETTINGS
@given(graphs(), st.data())
def test_multi_source_with_offsets_matches_networkx(case, data) -> None:
    net, g = case
    k = data.draw(st.integers(1, min(5, net.n_nodes)))
    sources = data.draw(st.lists(st.integers(0, net.n_nodes - 1), min_size=k, max_size=k))
    equal = data.draw(st.booleans())
    offsets = [0.0] * k if equal else data.draw(st.lists(st.floats(0, 50), min_size=k, max_size=k))
    limit = data.draw(st.one_of(st.none(), st.floats(0, 200)))
    best: dict[int, float] = {}
    for s, o in zip(sources, offsets, strict=True):
        best[s] = min(best.get(s, math.inf), o)
    ours = search.multi_source(net.graph, sources, offsets, limit)
    assert_times_equal(ours, expected_from(g, best, math.inf if limit is None else limit))


@SETTINGS
@given(graphs(), st.data())
def test_within_limit_pairs_matches_networkx(case, data) -> None:
    net, g = case
    n = net.n_nodes
    src = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    tgt = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    src_off = data.draw(st.lists(st.floats(0, 20), min_size=len(src), max_size=len(src)))
    tgt_off = data.draw(st.lists(st.floats(0, 20), min_size=len(tgt), max_size=len(tgt)))
    limit = data.draw(st.floats(0, 150))
    ours = search.within_limit_pairs(
        net.graph, src, src_off, tgt, tgt_off, limit, batch_nodes=2 * n
    ).toarray()
    for i, s in enumerate(src):
        d = expected_from(g, {s: src_off[i]})
        want = d[tgt] + np.asarray(tgt_off) <= limit
        assert ours[i].tolist() == want.tolist()


def facility_points(net: Network, data: st.DataObject) -> np.ndarray:
    k = data.draw(st.integers(1, 8))
    pick = data.draw(st.lists(st.integers(0, net.n_nodes - 1), min_size=k, max_size=k))
    # Off-node points: each joins its nearest road somewhere along it, after a gap.
    jitter = np.asarray(data.draw(st.lists(st.floats(-0.002, 0.002), min_size=2 * k, max_size=2 * k)))
    return np.column_stack([net.lon[pick], net.lat[pick]]) + jitter.reshape(k, 2)


def spliced(net: Network, engine: TravelTimeEngine, points: np.ndarray) -> Spliced:
    """The reference: the points spliced into the roads in networkx (tests/reference.py)."""
    return splice(net, points, access_kmh=engine.access_speed_kmh, max_snap_m=engine.max_snap_m)


def assert_same(ours: float, want: float) -> None:
    assert (math.isinf(want) and math.isinf(ours)) or math.isclose(ours, want, rel_tol=1e-9, abs_tol=1e-6)


def maybe_contracted(net: Network, data: st.DataObject) -> Network:
    """The network, or the same roads with their shape points contracted: every answer must agree."""
    return net.contracted() if data.draw(st.booleans()) else net


@SETTINGS
@given(graphs(), st.data())
def test_nearest_k_is_exact(case, data) -> None:
    net, _g = case
    if net.n_edges == 0:
        return
    roads = maybe_contracted(net, data)
    engine = TravelTimeEngine(roads, max_snap_m=1e9)
    fac = facility_points(net, data)
    node = data.draw(st.integers(0, net.n_nodes - 1))
    point = (float(net.lon[node]) + 0.0005, float(net.lat[node]))
    reverse = data.draw(st.booleans())
    k = data.draw(st.integers(1, len(fac)))
    limit = data.draw(st.one_of(st.none(), st.floats(0, 300)))
    ref = spliced(roads, engine, np.vstack([[point], fac]))
    want = np.array([ref.seconds(1 + i, 0) if reverse else ref.seconds(0, 1 + i) for i in range(len(fac))])
    if limit is not None:
        want[want > limit] = np.inf
    ranking = engine.nearest(point, fac, k=k, limit_s=limit, reverse=reverse)
    assert not ranking.estimated
    got_times = np.array([t for _, t in ranking])
    finite = np.sort(want[np.isfinite(want)])[:k]
    assert np.allclose(got_times, finite, rtol=1e-9, atol=1e-6)
    for i, t in ranking:
        assert_same(t, want[i])
    assert len({i for i, _ in ranking}) == len(ranking)


@SETTINGS
@given(graphs(), st.data())
def test_reachable_within_lists_exactly_the_facilities_in_time(case, data) -> None:
    net, _g = case
    if net.n_edges == 0:
        return
    roads = maybe_contracted(net, data)
    engine = TravelTimeEngine(roads, max_snap_m=1e9)
    fac = facility_points(net, data)
    node = data.draw(st.integers(0, net.n_nodes - 1))
    point = (float(net.lon[node]), float(net.lat[node]))
    limit = data.draw(st.floats(0, 300))
    ref = spliced(roads, engine, np.vstack([[point], fac]))
    want = np.array([ref.seconds(1 + i, 0) for i in range(len(fac))])
    got = engine.reachable_within(point, fac, limit)
    # Pairs within a hair of the limit may fall either side by rounding.
    sure_in = set(np.flatnonzero(want <= limit - 1e-6).tolist())
    sure_out = set(np.flatnonzero(want > limit + 1e-6).tolist())
    listed = {i for i, _ in got}
    assert sure_in <= listed and not (listed & sure_out)
    times = [t for _, t in got]
    assert times == sorted(times)


@SETTINGS
@given(graphs(), st.data())
def test_point_to_point_travel_time_matches_networkx(case, data) -> None:
    net, _g = case
    if net.n_edges == 0:
        return
    roads = maybe_contracted(net, data)
    engine = TravelTimeEngine(roads, max_snap_m=1e9)
    pts = facility_points(net, data)
    a, b = data.draw(st.integers(0, len(pts) - 1)), data.draw(st.integers(0, len(pts) - 1))
    t = engine.travel_time(tuple(pts[a]), tuple(pts[b]))
    ref = spliced(roads, engine, pts[[a, b]])
    assert not t.estimated
    assert_same(t.seconds, ref.seconds(0, 1))
    route = engine.route(tuple(pts[a]), tuple(pts[b]))
    if math.isfinite(t.seconds):
        assert not route.estimated and math.isclose(route.seconds, t.seconds, rel_tol=1e-9, abs_tol=1e-6)


@SETTINGS
@given(graphs(), st.data())
def test_contraction_changes_no_travel_time(case, data) -> None:
    net, _g = case
    if net.n_edges == 0:
        return
    small = net.contracted()
    assert small.n_nodes <= net.n_nodes
    pts = facility_points(net, data)
    before, after = TravelTimeEngine(net, max_snap_m=1e9), TravelTimeEngine(small, max_snap_m=1e9)
    for p in pts:
        for q in pts:
            assert_same(after.travel_time(tuple(p), tuple(q)).seconds, before.travel_time(tuple(p), tuple(q)).seconds)


def test_within_limit_pairs_keeps_a_pair_exactly_at_the_limit() -> None:
    # Found by hypothesis: 1.0 + 0 + 1e-194 rounds to 1.0, within a limit of 1.0, while
    # 1.0 - 1.0 - 1e-194 is below zero: the search bound must not drop the pair.
    net = Network.from_edges(np.array([114.0]), np.array([22.5]), [], [], [])
    ours = search.within_limit_pairs(net.graph, [0], [1.0], [0], [1.2276236531461889e-194], 1.0).toarray()
    assert ours.tolist() == [[True]]
