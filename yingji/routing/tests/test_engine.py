"""The travel-time engine: snapping, fallback estimates, isochrones."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from yingji.routing.engine import TravelTimeEngine
from yingji.routing.fallback import StraightLine
from yingji.routing.geo import haversine_m
from yingji.routing.network import Network
from yingji.routing.synthetic import random_points_in, synthetic_city
from yingji.routing.tests.reference import nearest_segments, splice


@cache
def city() -> Network:
    return synthetic_city(10_000, seed=2)


@cache
def engine() -> TravelTimeEngine:
    return TravelTimeEngine(city())


def test_snapping_finds_the_nearest_segment_exactly_and_charges_the_gap() -> None:
    net, eng = city(), engine()
    pts = random_points_in(net, 400, seed=5)
    snapped = eng.prepare(pts)
    seg, frac, dist = nearest_segments(net, pts)  # brute force over every segment
    assert np.allclose(snapped.distance_m, dist, atol=1e-6)
    exact = np.abs(snapped.distance_m - dist) < 1e-9
    assert np.array_equal(snapped.segment[exact], seg[exact])  # ties aside, the same segment
    assert np.allclose(snapped.gap_s, snapped.distance_m / (10.0 / 3.6))
    # The nearest junction is never nearer than the nearest road, and usually farther.
    d_junction = haversine_m(pts[:, None, 0], pts[:, None, 1], net.lon[None, :], net.lat[None, :]).min(axis=1)
    assert np.all(snapped.distance_m <= d_junction * (1 + 2e-3) + 1e-6)
    assert np.mean(snapped.distance_m < 0.9 * d_junction) > 0.5


def test_a_point_on_a_junction_joins_it_at_zero_cost() -> None:
    net, eng = city(), engine()
    s = eng.snap(float(net.lon[42]), float(net.lat[42]))
    assert s.distance_m[0] == pytest.approx(0.0, abs=1e-6)
    exits = dict(zip(s.out_node[0].tolist(), s.out_s[0].tolist(), strict=True))
    assert exits.get(42) == pytest.approx(0.0, abs=1e-6)


def test_travel_time_between_two_points_is_the_spliced_road_time() -> None:
    net = synthetic_city(1_500, seed=3)
    eng = TravelTimeEngine(net)
    pts = random_points_in(net, 6, seed=8)
    # Each point twice: a trip between two points at one place still crosses both gaps.
    ref = splice(net, np.vstack([pts, pts]), access_kmh=10.0, max_snap_m=eng.max_snap_m)
    for i in range(len(pts)):
        for j in range(len(pts)):
            t = eng.travel_time(tuple(pts[i]), tuple(pts[j]))
            assert not t.estimated
            assert t.seconds == pytest.approx(ref.seconds(i, len(pts) + j), abs=1e-6)
    assert eng.travel_time(tuple(pts[0]), tuple(pts[1])).minutes == pytest.approx(ref.seconds(0, 1) / 60)


def test_travel_times_from_a_point_cover_the_network_within_the_limit() -> None:
    net, eng = city(), engine()
    field = eng.travel_times_from(float(net.lon[0]), float(net.lat[0]), 300)
    assert field.seconds[0] == 0 and np.nanmax(field.seconds[np.isfinite(field.seconds)]) <= 300
    back = eng.travel_times_from(float(net.lon[0]), float(net.lat[0]), 300, reverse=True)
    assert np.isfinite(back.seconds).sum() > 10


def test_without_a_network_every_answer_is_an_estimate() -> None:
    eng = TravelTimeEngine(None, StraightLine(speed_kmh=36, detour=1.5))
    assert eng.estimated
    a, b = (114.05, 22.54), (114.06, 22.55)
    t = eng.travel_time(a, b)
    assert t.estimated
    assert t.seconds == pytest.approx(haversine_m(*a, *b) * 1.5 / 10.0)
    stations = np.array([[114.07, 22.54], [114.051, 22.541], [114.2, 22.6]])
    ranking = eng.nearest(a, stations, k=2)
    assert ranking.flags == [True, True] and ranking.indices == [1, 0]
    within = eng.reachable_within(a, stations, limit_s=600)
    assert within.estimated and within.indices == [1, 0]
    iso = eng.isochrone(*a, 300)
    assert iso.estimated and shape(iso.geojson).contains(shapely.Point(*a))
    with pytest.raises(ValueError):
        eng.travel_times_from(*a, 300)


def test_a_point_far_outside_the_network_gets_an_estimate() -> None:
    eng = TravelTimeEngine(city(), max_snap_m=2_000)
    far = (113.0, 23.5)
    assert eng.travel_time(far, (114.05, 22.54)).estimated
    assert eng.nearest(far, random_points_in(city(), 5), k=3).flags == [True] * 3
    assert eng.nearest((114.05, 22.54), random_points_in(city(), 5), k=3).flags == [False] * 3


def test_the_isochrone_contains_the_station_and_every_reached_junction() -> None:
    net, eng = city(), engine()
    lon, lat = 114.05, 22.54
    iso = eng.isochrone(lon, lat, 300)
    assert not iso.estimated and len(iso.reached_nodes) > 50
    poly = shape(iso.geojson)
    assert poly.is_valid and poly.geom_type in {"Polygon", "MultiPolygon"}
    assert poly.contains(shapely.Point(lon, lat))
    assert poly.contains(shapely.multipoints(np.column_stack([net.lon, net.lat])[iso.reached_nodes]))
    times = eng.travel_times_from(lon, lat, 300).seconds
    assert set(iso.reached_nodes.tolist()) == set(np.flatnonzero(times <= 300).tolist())
    # a longer time reaches more
    assert shape(eng.isochrone(lon, lat, 600).geojson).area > poly.area
    feature = iso.feature(station="A")
    assert feature["properties"] == {"seconds": 300.0, "minutes": 5.0, "estimated": False, "station": "A"}


def test_ranking_reuses_a_prepared_station_set() -> None:
    net, eng = city(), engine()
    stations = eng.prepare(random_points_in(net, 60, seed=9))
    point = (114.05, 22.54)
    ranking = eng.nearest(point, stations, k=5)
    raw = eng.nearest(point, stations.lonlat, k=5)
    assert ranking.items == raw.items and len(ranking) == 5
    assert ranking.minutes == [s / 60 for _, s in ranking]
