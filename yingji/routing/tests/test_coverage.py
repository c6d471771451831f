"""Coverage of population cells and risk points, and the siting cover matrix."""

from __future__ import annotations

from functools import cache

import h3
import numpy as np
import pytest

from yingji.routing.coverage import (
    area_summary,
    cover_matrix,
    coverage,
    coverage_loop,
    hex_boundary,
    hex_cells,
    population_cells,
)
from yingji.routing.engine import TravelTimeEngine
from yingji.routing.synthetic import random_points_in, synthetic_city


@cache
def engine() -> TravelTimeEngine:
    return TravelTimeEngine(synthetic_city(20_000, seed=11))


def test_hex_cells_tile_the_box_with_h3_cells() -> None:
    box = (114.03, 22.52, 114.06, 22.55)
    cells, centres = hex_cells(box, 9)
    assert len(cells) > 20 and all(h3.get_resolution(c) == 9 for c in cells)
    assert np.all((centres[:, 0] >= box[0]) & (centres[:, 0] <= box[2]))
    assert np.all((centres[:, 1] >= box[1]) & (centres[:, 1] <= box[3]))
    ring = hex_boundary(cells[0])
    assert ring[0] == ring[-1] and len(ring) == 7


def test_population_cells_sum_the_people_of_each_hexagon() -> None:
    pts = np.array([[114.05, 22.54], [114.0500001, 22.5400001], [114.07, 22.56]])
    cells, centres, pop = population_cells(pts, [10, 5, 7], 9)
    assert len(cells) == 2 and sorted(pop.tolist()) == [7.0, 15.0]
    for cell, (lon, lat), total in zip(cells, centres, pop, strict=True):
        assert h3.latlng_to_cell(lat, lon, 9) == cell
        members = [i for i, (x, y) in enumerate(pts) if h3.latlng_to_cell(y, x, 9) == cell]
        assert total == sum([10, 5, 7][i] for i in members)


def test_coverage_equals_the_per_station_loop_and_brute_force() -> None:
    eng = engine()
    net = eng.network
    stations = random_points_in(net, 25, seed=1)
    demand = random_points_in(net, 3_000, seed=2)
    result = coverage(eng, stations, demand, limit_s=300)
    loop = coverage_loop(eng, stations, demand, limit_s=300)
    assert np.array_equal(np.isinf(result.seconds), np.isinf(loop))
    assert np.allclose(result.seconds[np.isfinite(loop)], loop[np.isfinite(loop)])
    # brute force for a few demand points: the minimum over stations of the point-to-point time
    assert not result.estimated.any()
    for i in range(0, 3_000, 150):
        best = min(eng.travel_time(tuple(s), tuple(demand[i])).seconds for s in stations)
        assert result.covered[i] == (best <= 300)
        if best <= 300:
            assert result.seconds[i] == pytest.approx(best)
    assert 0 < result.covered_share < 1


def test_a_demand_point_on_a_stations_own_road_is_timed_along_it() -> None:
    eng = engine()
    net = eng.network
    links = net.road_links[0]
    both_ways = links.forward_open & links.backward_open
    link = int(np.argmax(np.where(both_ways, links.link_length_m, 0)))  # a long two-way road
    a, b = int(links.ptr[link]), int(links.ptr[link + 1]) - 1
    lon = links.lon[a] + np.array([0.3, 0.6]) * (links.lon[b] - links.lon[a])
    lat = links.lat[a] + np.array([0.3, 0.6]) * (links.lat[b] - links.lat[a])
    station, demand = np.array([[lon[0], lat[0]]]), np.array([[lon[1], lat[1]]])
    result = coverage(eng, station, demand, limit_s=300)
    assert result.seconds[0] == pytest.approx(eng.travel_time(tuple(station[0]), tuple(demand[0])).seconds)
    # 30 % of the road plus nothing for the gaps (both points lie on it).
    assert result.seconds[0] == pytest.approx(0.3 * links.forward_total[link], rel=1e-6)


def test_coverage_summarises_groups_and_lists_the_gaps() -> None:
    eng = engine()
    stations = random_points_in(eng.network, 10, seed=3)
    demand = random_points_in(eng.network, 2_000, seed=4)
    population = np.random.default_rng(0).integers(0, 500, len(demand)).astype(float)
    streets = np.where(demand[:, 0] < np.median(demand[:, 0]), "园岭街道", "沙头街道")
    pop = coverage(eng, stations, demand, population, 300, groups=streets)
    summary = {g.label: g for g in pop.by_group()}
    assert set(summary) == {"园岭街道", "沙头街道"}
    for label, g in summary.items():
        mask = streets == label
        assert g.count == mask.sum() and g.weight == population[mask].sum()
        assert g.covered_weight == pytest.approx(population[mask & pop.covered].sum())
        assert g.share == pytest.approx(g.covered_weight / g.weight)
    gaps = pop.uncovered()
    assert set(gaps.tolist()) == set(np.flatnonzero(~pop.covered).tolist())
    assert np.all(np.diff(population[gaps]) <= 0)  # heaviest gap first
    risk_points = random_points_in(eng.network, 300, seed=5)
    risk_streets = np.where(risk_points[:, 0] < np.median(demand[:, 0]), "园岭街道", "沙头街道")
    risk = coverage(eng, stations, risk_points, np.full(300, 2.0), 300, groups=risk_streets)
    rows = area_summary(pop, risk)
    assert [r.label for r in rows] == sorted(summary, key=str)
    for r in rows:
        assert r.population_share == pytest.approx(summary[r.label].share)
        mask = risk_streets == r.label
        assert r.risk_points == mask.sum()
        assert r.covered_risk_points == (mask & risk.covered).sum()


def test_coverage_without_a_network_is_estimated() -> None:
    eng = TravelTimeEngine(None)
    stations = np.array([[114.05, 22.54]])
    demand = np.array([[114.05, 22.541], [114.2, 22.7]])
    result = coverage(eng, stations, demand, limit_s=300)
    assert result.estimated.all() and result.covered.tolist() == [True, False]


@pytest.mark.parametrize("n_candidates", [15, 400])  # forward, and reverse from fewer demand nodes
def test_cover_matrix_marks_exactly_the_pairs_within_the_limit(n_candidates: int) -> None:
    eng = engine()
    net = eng.network
    cand = eng.prepare(random_points_in(net, n_candidates, seed=6))
    demand = eng.prepare(random_points_in(net, 120, seed=7))
    a = cover_matrix(eng, cand, demand, 240).toarray()
    assert a.shape == (n_candidates, 120) and a.dtype == bool
    for j in range(0, n_candidates, max(1, n_candidates // 15)):
        origin = tuple(cand.lonlat[j])
        d = np.array([eng.travel_time(origin, tuple(p)).seconds for p in demand.lonlat])
        assert a[j].tolist() == (d <= 240).tolist()
    assert a.any() and not a.all()


def test_cover_matrix_without_a_network_uses_straight_lines() -> None:
    eng = TravelTimeEngine(None)
    cand = np.array([[114.05, 22.54], [114.3, 22.8]])
    demand = np.array([[114.05, 22.54], [114.052, 22.54], [114.1, 22.6]])
    a = cover_matrix(eng, cand, demand, 300).toarray()
    assert a.tolist() == [[True, True, False], [False, False, False]]
