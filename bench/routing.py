"""Travel-time engine benchmark: bounded search, dispatch ranking, coverage.

Run: ``.venv/bin/python bench/routing.py [--quick]``.  On a 200,000-junction
synthetic city (seed 0) it measures, beside a baseline each:

* a bounded 15-minute single-source search (ours: SciPy CSR Dijkstra; baseline:
  networkx ``single_source_dijkstra_path_length`` with ``cutoff=900``);
* ranking the 10 nearest of 1,001 stations for an incident, snapping included,
  checked against a full Dijkstra;
* 5-minute coverage of 100,000 H3 demand cells from 1,001 stations (ours: one
  multi-source search; baseline: one bounded search per station);
* loading network files (the Futian demo district and the 200k city);
* snapping to the nearest road segment (the one rule), one point at a time
  (``snap_p99_us``) and 100,000 at once, beside the old rule's nearest junction;
* the 15-minute bounded search on the Futian extract after contraction
  (``futian_bounded_p99_ms``), beside networkx on the same graph.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
from _common import demand_cells, emit, load_average, machine, parse_args, pct, say, stopwatch

from yingji.routing import search
from yingji.routing.coverage import coverage, coverage_loop
from yingji.routing.demo import FUTIAN_NPZ
from yingji.routing.engine import TravelTimeEngine
from yingji.routing.network import Network
from yingji.routing.snap import along_link, same_link_pairs
from yingji.routing.synthetic import random_points_in, synthetic_city


def fastest_load_ms(path: Path, repeat: int) -> float:
    """Best of ``repeat`` loads of a network file, in milliseconds."""
    times = []
    for _ in range(repeat):
        with stopwatch() as t:
            Network.load(path)
        times.append(t[0])
    return round(min(times) * 1000, 1)


def main() -> None:
    args = parse_args(__doc__ or "")
    n_nodes = 20_000 if args.quick else 200_000
    n_ours, n_nx = (50, 5) if args.quick else (200, 20)
    n_stations, n_incidents = 1_001, (100 if args.quick else 500)
    n_demand = 10_000 if args.quick else 100_000
    out: dict[str, float | int | str | bool] = {"machine": machine(), "load_avg_start": load_average()}

    with stopwatch() as t:
        net = synthetic_city(n_nodes, seed=0)
    out["n_nodes"], out["n_edges"], out["build_city_s"] = net.n_nodes, net.n_edges, round(t[0], 3)
    say(f"synthetic city: {net.n_nodes:,} junctions, {net.n_edges:,} directed edges, built in {t[0]:.2f} s")

    # --- loading network files
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "city.npz"
        net.save(path)
        out["city_load_ms"] = fastest_load_ms(path, 3)
        out["city_npz_mb"] = round(path.stat().st_size / 1e6, 2)
    out["futian_load_ms"] = fastest_load_ms(FUTIAN_NPZ, 5)
    say(
        f"load .npz: Futian demo district {out['futian_load_ms']} ms; "
        f"{net.n_nodes:,}-junction city {out['city_load_ms']} ms ({out['city_npz_mb']} MB)"
    )

    # --- bounded 15-minute single-source search, ours vs networkx
    rng = np.random.default_rng(1)
    sources = rng.integers(0, net.n_nodes, n_ours)
    ours, ours_cpu = [], []
    reached = []
    for s in sources:
        with stopwatch() as t:
            d = search.single_source(net.graph, int(s), 900.0)
        ours.append(t[0])
        ours_cpu.append(t[1])
        reached.append(int(np.isfinite(d).sum()))
    u, v, w = net.edges()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
    theirs, theirs_cpu = [], []
    for s in sources[:n_nx]:
        with stopwatch() as t:
            ref = nx.single_source_dijkstra_path_length(g, int(s), cutoff=900, weight="weight")
        theirs.append(t[0])
        theirs_cpu.append(t[1])
        d = search.single_source(net.graph, int(s), 900.0)
        assert len(ref) == int(np.isfinite(d).sum()), "bounded search disagrees with networkx"
        assert all(abs(d[k] - x) < 1e-6 for k, x in ref.items())
    out["bounded_p50_ms"], out["bounded_p99_ms"] = round(pct(ours, 50), 2), round(pct(ours, 99), 2)
    out["networkx_p50_ms"], out["networkx_p99_ms"] = round(pct(theirs, 50), 2), round(pct(theirs, 99), 2)
    out["bounded_cpu_p50_ms"], out["bounded_cpu_p99_ms"] = (
        round(pct(ours_cpu, 50), 2),
        round(pct(ours_cpu, 99), 2),
    )
    out["networkx_cpu_p50_ms"] = round(pct(theirs_cpu, 50), 2)
    out["networkx_cpu_p99_ms"] = round(pct(theirs_cpu, 99), 2)
    out["bounded_reached_mean"] = int(np.mean(reached))
    say(
        f"bounded 15-min search ({np.mean(reached):,.0f} junctions reached on average): "
        f"ours p50 {out['bounded_p50_ms']} ms, p99 {out['bounded_p99_ms']} ms over {n_ours} queries | "
        f"networkx p50 {out['networkx_p50_ms']} ms, p99 {out['networkx_p99_ms']} ms over {n_nx} queries "
        f"-> {out['networkx_p50_ms'] / out['bounded_p50_ms']:.0f}x at p50 (target: p99 < 10 ms, >= 15x)"
    )
    say(
        f"  same in CPU time: ours p50 {out['bounded_cpu_p50_ms']} ms, p99 {out['bounded_cpu_p99_ms']} ms | "
        f"networkx p50 {out['networkx_cpu_p50_ms']} ms, p99 {out['networkx_cpu_p99_ms']} ms"
    )

    # --- rank the nearest 10 of 1,001 stations for an incident, snapping included
    engine = TravelTimeEngine(net)
    stations = engine.prepare(random_points_in(net, n_stations, seed=2))
    incidents = random_points_in(net, n_incidents, seed=3)
    engine.nearest(tuple(incidents[0]), stations, k=10)  # builds the k-d tree once
    times, times_cpu = [], []
    for p in incidents:
        with stopwatch() as t:
            engine.nearest((float(p[0]), float(p[1])), stations, k=10)
        times.append(t[0])
        times_cpu.append(t[1])
    for p in incidents[:20]:  # exact: equal to a full (unbounded) reverse Dijkstra from the incident
        point = (float(p[0]), float(p[1]))
        got = engine.nearest(point, stations, k=10)
        full = engine.travel_times_from(*point, reverse=True).seconds
        exits = np.where(stations.out_node >= 0, full[np.maximum(stations.out_node, 0)], np.inf)
        # (not `times`: that holds the measured latencies reported below)
        expected = (exits + stations.out_s).min(axis=1)
        i, j = same_link_pairs(stations, engine.prepare([point]))
        np.minimum.at(expected, i, along_link(stations, i, engine.prepare([point]), j))
        want = np.sort(expected)[:10]
        assert np.allclose([s for _, s in got], want), "ranking is not exact"
    out["rank_p50_ms"], out["rank_p99_ms"] = round(pct(times, 50), 3), round(pct(times, 99), 3)
    out["rank_cpu_p99_ms"] = round(pct(times_cpu, 99), 3)
    say(
        f"rank nearest 10 of {n_stations:,} stations ({n_incidents} incidents, exact): "
        f"p50 {out['rank_p50_ms']} ms, p99 {out['rank_p99_ms']} ms (CPU p99 {out['rank_cpu_p99_ms']} ms) "
        f"(target p99 < 5 ms)"
    )

    # --- 5-minute coverage of 100,000 demand cells from 1,001 stations
    demand, population = demand_cells(net, n_demand, seed=4)
    station_lonlat = stations.lonlat
    runs, runs_cpu = [], []
    for _ in range(3):
        with stopwatch() as t:
            result = coverage(engine, station_lonlat, demand, population, 300.0)
        runs.append(t[0])
        runs_cpu.append(t[1])
    with stopwatch() as t:
        loop = coverage_loop(engine, station_lonlat, demand, 300.0)
    assert np.array_equal(np.isinf(loop), np.isinf(result.seconds)), "coverage disagrees with the loop"
    out["coverage_s"], out["coverage_loop_s"] = round(float(np.median(runs)), 3), round(t[0], 3)
    out["coverage_cpu_s"], out["coverage_loop_cpu_s"] = round(float(np.median(runs_cpu)), 3), round(t[1], 3)
    out["coverage_share"] = round(result.covered_share, 4)
    say(
        f"5-min coverage of {n_demand:,} H3 cells from {n_stations:,} stations (snapping included): "
        f"ours {out['coverage_s']} s | per-station loop {out['coverage_loop_s']} s "
        f"-> {out['coverage_loop_s'] / out['coverage_s']:.0f}x; {result.covered_share:.1%} of population covered "
        f"(target < 0.5 s); CPU {out['coverage_cpu_s']} s vs {out['coverage_loop_cpu_s']} s"
    )
    snap_figures(net, out, 100_000 if not args.quick else 10_000)
    futian_figures(out, n_ours, n_nx)
    out["load_avg_end"] = load_average()
    say(f"1-minute load average: {out['load_avg_start']} at start, {out['load_avg_end']} at the end")
    emit(out)


def snap_figures(net: Network, out: dict, n_points: int) -> None:
    """Segment snapping (the one rule) of ``n_points`` points, one by one for the latency and all at once,
    beside the old rule's baseline: the nearest junction from a k-d tree."""
    from scipy.spatial import cKDTree

    engine = TravelTimeEngine(net)
    _ = engine.segment_index  # built once per network, like the server's engine
    pts = random_points_in(net, n_points, seed=5)
    one, one_cpu, junction = [], [], []
    tree = cKDTree(net.xy)
    xy = net.projection.forward(pts[:, 0], pts[:, 1])
    for i in range(min(n_points, 5_000)):
        with stopwatch() as t:
            engine.snap(float(pts[i, 0]), float(pts[i, 1]))
        one.append(t[0])
        one_cpu.append(t[1])
        with stopwatch() as t:
            tree.query(xy[i])
        junction.append(t[0])
    with stopwatch() as t:
        engine.prepare(pts)
    out["snap_p50_us"], out["snap_p99_us"] = round(pct(one, 50) * 1000, 1), round(pct(one, 99) * 1000, 1)
    out["snap_cpu_p99_us"] = round(pct(one_cpu, 99) * 1000, 1)
    out["snap_junction_p99_us"] = round(pct(junction, 99) * 1000, 1)
    out["snap_batch_us_per_point"] = round(t[0] / n_points * 1e6, 2)
    out["snap_batch_points"] = n_points
    say(f"snap to the nearest road segment, one point at a time: p50 {out['snap_p50_us']} µs, p99 "
        f"{out['snap_p99_us']} µs, CPU p99 {out['snap_cpu_p99_us']} µs (baseline, nearest junction by k-d tree: p99 {out['snap_junction_p99_us']} µs); "
        f"{n_points:,} points at once {t[0]:.2f} s = {out['snap_batch_us_per_point']} µs a point")


def futian_figures(out: dict, n_ours: int, n_nx: int) -> None:
    """The 15-minute bounded search on the Futian extract after contraction, beside networkx on the same graph."""
    net = Network.load(FUTIAN_NPZ)
    rng = np.random.default_rng(3)
    sources = rng.integers(0, net.n_nodes, n_ours)
    ours, ours_cpu = [], []
    for s in sources:
        with stopwatch() as t:
            search.single_source(net.graph, int(s), 900.0)
        ours.append(t[0])
        ours_cpu.append(t[1])
    u, v, w = net.edges()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
    theirs = []
    for s in sources[:n_nx]:
        with stopwatch() as t:
            nx.single_source_dijkstra_path_length(g, int(s), cutoff=900.0)
        theirs.append(t[0])
    out["futian_junctions"] = net.n_nodes
    out["futian_bounded_p50_ms"], out["futian_bounded_p99_ms"] = round(pct(ours, 50), 3), round(pct(ours, 99), 3)
    out["futian_bounded_cpu_p99_ms"] = round(pct(ours_cpu, 99), 3)
    out["futian_networkx_p99_ms"] = round(pct(theirs, 99), 2)
    say(f"Futian extract ({net.n_nodes:,} junctions after contraction), 15-min bounded search: p50 "
        f"{out['futian_bounded_p50_ms']} ms, p99 {out['futian_bounded_p99_ms']} ms, CPU p99 {out['futian_bounded_cpu_p99_ms']} ms (target < 1 ms) | networkx p99 "
        f"{out['futian_networkx_p99_ms']} ms")


if __name__ == "__main__":
    main()
