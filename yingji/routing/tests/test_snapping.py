"""The one snapping rule, against projections computed by hand, and off-network consistency.

A point joins the roads at its projection onto the nearest road segment; the
gap is charged at the access speed (10 km/h = 25/9 m/s); a point beyond the
snap limit is timed by the straight-line estimate, marked, in every query.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from yingji.routing.coverage import cover_matrix, coverage
from yingji.routing.engine import TravelTimeEngine
from yingji.routing.fallback import StraightLine
from yingji.routing.geo import LocalProjection, haversine_m
from yingji.routing.network import Network
from yingji.routing.synthetic import synthetic_city

ACCESS_MS = 10.0 / 3.6
PROJ = LocalProjection(114.05, 22.54)


def at(x: float, y: float) -> tuple[float, float]:
    """Lon/lat of a point ``x`` metres east and ``y`` metres north of the test origin."""
    lon, lat = PROJ.inverse([[x, y]])[0]
    return float(lon), float(lat)


@cache
def triangle() -> Network:
    """A (0, 0) ⇄ B (1000, 0) in 100 s; B → C (1000, 1000) one way in 200 s; C ⇄ A in 300 s.

    The junctions are placed so that the network's own projection (centred on
    its box) differs from the test's by a shift only: distances agree to well
    under a millimetre.
    """
    pts = np.array([at(0, 0), at(1000, 0), at(1000, 1000)])
    return Network.from_edges(pts[:, 0], pts[:, 1], [0, 1, 1, 2, 0], [1, 0, 2, 0, 2],
                              [100.0, 100.0, 200.0, 300.0, 300.0])


def engine(net: Network | None = None, **kwargs: float) -> TravelTimeEngine:
    return TravelTimeEngine(triangle() if net is None else net, **kwargs)


def test_a_point_snaps_onto_the_nearest_segment_not_the_nearest_junction() -> None:
    # (300, 40): 40 m from AB at 30 % of it; A is 302.7 m away.
    p = engine().snap(*at(300, 40))
    assert p.distance_m[0] == pytest.approx(40.0, abs=0.01)
    assert p.fraction[0] == pytest.approx(0.3 if p.out_node[0][0] == 1 else 0.7, abs=1e-5)
    assert p.gap_s[0] == pytest.approx(40 / ACCESS_MS, abs=0.01)  # 14.4 s
    # It drives on to B in 70 s and back to A in 30 s, both after the gap.
    times = dict(zip(p.out_node[0].tolist(), p.out_s[0].tolist(), strict=True))
    assert times == {1: pytest.approx(14.4 + 70, abs=0.01), 0: pytest.approx(14.4 + 30, abs=0.01)}


def test_travel_times_follow_the_projection_and_the_one_way_road() -> None:
    eng = engine()
    p, q = at(300, 40), at(1025, 600)  # Q: 25 m east of BC, 60 % of the way from B to C
    # P → B: 14.4 + 70; B → Q along the one-way road: 120; the gap: 9.
    assert eng.travel_time(p, q).seconds == pytest.approx(14.4 + 70 + 120 + 9, abs=0.02)
    # Back: Q may not drive against the one-way road: on to C (80), C → A (300), A → P (30).
    assert eng.travel_time(q, p).seconds == pytest.approx(9 + 80 + 300 + 30 + 14.4, abs=0.02)
    assert not eng.travel_time(p, q).estimated


def test_two_points_on_one_road_are_timed_along_it() -> None:
    eng = engine()
    a, b = at(200, 10), at(700, -20)  # 500 m apart along AB: 50 s, gaps 3.6 s and 7.2 s
    assert eng.travel_time(a, b).seconds == pytest.approx(3.6 + 50 + 7.2, abs=0.01)
    assert eng.travel_time(b, a).seconds == pytest.approx(7.2 + 50 + 3.6, abs=0.01)
    same = at(500, 30)
    assert eng.travel_time(same, same).seconds == pytest.approx(2 * 30 / ACCESS_MS, abs=0.01)
    route = eng.route(a, b)
    assert route.nodes == [] and not route.estimated
    assert route.metres == pytest.approx(10 + 500 + 20, rel=1e-3)
    assert route.seconds == pytest.approx(eng.travel_time(a, b).seconds)
    # On the one-way road only forwards: from 80 % back to 20 % goes round C, A and B.
    c, d = at(1000, 800), at(1000, 200)
    assert eng.travel_time(d, c).seconds == pytest.approx(120, abs=0.01)
    assert eng.travel_time(c, d).seconds == pytest.approx(40 + 300 + 100 + 40, abs=0.01)


def test_a_bend_is_a_shape_of_one_road_and_the_time_splits_by_segment() -> None:
    # A (0, 0) → S (600, 0) → D (600, 800): S only draws the bend (two neighbours).
    # Segment AS takes 60 s, SD 160 s (different speeds): one link of 220 s after contraction.
    pts = np.array([at(0, 0), at(600, 0), at(600, 800)])
    raw = Network.from_edges(pts[:, 0], pts[:, 1], [0, 1, 1, 2], [1, 0, 2, 1], [60.0, 60.0, 160.0, 160.0])
    net = raw.contracted()
    assert net.n_nodes == 2 and net.links is not None and net.links.n_links == 1
    assert net.graph.data.tolist() == [220.0, 220.0]
    eng = TravelTimeEngine(net)
    p = eng.snap(*at(630, 200))  # 30 m east of SD, a quarter of the way up it
    assert p.distance_m[0] == pytest.approx(30, abs=0.01)
    times = dict(zip(p.out_node[0].tolist(), p.out_s[0].tolist(), strict=True))
    a_end = int(np.argmin(np.hypot(*(net.projection.forward(net.lon, net.lat) - PROJ.forward(*at(0, 0))).T)))
    d_end = 1 - a_end
    gap = 30 / ACCESS_MS
    assert times[a_end] == pytest.approx(gap + 60 + 40, abs=0.01)
    assert times[d_end] == pytest.approx(gap + 120, abs=0.01)
    # The same answers as on the network with the bend as a junction.
    before = TravelTimeEngine(raw)
    for x, y in [(at(630, 200), at(-20, 10)), (at(100, -30), at(590, 790)), (at(300, 5), at(300, 5))]:
        assert eng.travel_time(x, y).seconds == pytest.approx(before.travel_time(x, y).seconds, abs=1e-9)
    route = eng.route(at(100, -30), at(590, 790))
    assert (round(PROJ.forward(*route.lonlat[2])[0][0]), round(PROJ.forward(*route.lonlat[2])[0][1])) == (600, 0)


# ------------------------------------------------------------------ off the network
@cache
def city() -> Network:
    return synthetic_city(3_000, seed=4)


def off_points(net: Network) -> dict[str, tuple[float, float]]:
    """Points 5 km and 90 km east of the network's eastern edge."""
    lo_lon, lo_lat, hi_lon, hi_lat = net.bbox
    mid = (lo_lat + hi_lat) / 2
    per_km = 1 / (111.32 * math.cos(math.radians(mid)))
    return {"5 km": (hi_lon + 5 * per_km, mid), "90 km": (hi_lon + 90 * per_km, mid)}


@pytest.mark.parametrize("where", ["5 km", "90 km"])
def test_a_point_off_the_network_gets_the_same_marked_estimate_from_every_query(where: str) -> None:
    net = city()
    eng = TravelTimeEngine(net)
    far = off_points(net)[where]
    inside = np.array([[float(net.lon[i]), float(net.lat[i])] for i in (10, 500, 1200, 2000)])
    line = StraightLine()

    def guess(a: tuple[float, float], b: np.ndarray) -> float:
        return float(line.seconds(a[0], a[1], b[0], b[1]))

    assert not eng.snap(*far).on_network[0]
    # point to point, both ways, and the route
    for p in inside:
        for t in (eng.travel_time(far, tuple(p)), eng.travel_time(tuple(p), far)):
            assert t.estimated and t.seconds == pytest.approx(guess(far, p))
        r = eng.route(tuple(p), far)
        assert r.estimated and r.seconds == pytest.approx(guess(far, p)) and r.nodes == []
    # one to many, from the far point and to it (as a team, a warehouse)
    for reverse in (True, False):
        ranking = eng.nearest(far, inside, k=4, reverse=reverse)
        assert all(ranking.flags) and len(ranking) == 4
        for i, seconds in ranking:
            assert seconds == pytest.approx(guess(far, inside[i]))
    facilities = np.vstack([inside, [far]])
    ranking = eng.nearest(tuple(inside[0]), facilities, k=5)
    flags = dict(zip(ranking.indices, ranking.flags, strict=True))
    assert flags[4] is True and not any(flags[i] for i in range(4))
    assert dict(ranking.items)[4] == pytest.approx(guess(far, inside[0]))
    within = eng.reachable_within(tuple(inside[0]), facilities, 1e7)
    assert dict(zip(within.indices, within.flags, strict=True))[4] is True
    # coverage: the far point as demand, and as the only station
    cov = coverage(eng, inside, np.array([far]), limit_s=1e7)
    assert cov.estimated.tolist() == [True]
    assert cov.seconds[0] == pytest.approx(min(guess(far, p) for p in inside))
    cov = coverage(eng, np.array([far]), inside, limit_s=1e7)
    assert cov.estimated.all() and cov.seconds == pytest.approx([guess(far, p) for p in inside])
    # siting matrix: the pair is covered exactly when the estimate is within the limit
    limit = guess(far, inside[1]) + 1.0
    m = cover_matrix(eng, np.array([far]), inside, limit).toarray()[0]
    assert m.tolist() == [guess(far, p) <= limit for p in inside]
    # isochrone and the node field
    iso = eng.isochrone(*far, 300)
    assert iso.estimated and shape(iso.geojson).contains(shapely.Point(*far))
    assert eng.travel_times_from(*far, 300).estimated


def test_the_5_and_90_km_points_are_far_beyond_the_snap_limit_and_a_near_one_is_not() -> None:
    net = city()
    eng = TravelTimeEngine(net)
    pts = off_points(net)
    for p in pts.values():
        assert eng.snap(*p).distance_m[0] > 4_000
    lo_lon, lo_lat, hi_lon, hi_lat = net.bbox
    near = (hi_lon + 0.001, (lo_lat + hi_lat) / 2)  # about 100 m east of the edge
    assert eng.snap(*near).on_network[0]
    assert not eng.travel_time(near, (float(net.lon[10]), float(net.lat[10]))).estimated


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_coordinate_that_is_not_a_finite_number_is_refused(bad: float) -> None:
    eng = TravelTimeEngine(city())
    good = (float(city().lon[0]), float(city().lat[0]))
    with pytest.raises(ValueError, match="finite"):
        eng.travel_time((bad, 22.5), good)
    with pytest.raises(ValueError, match="finite"):
        eng.nearest(good, np.array([[114.0, bad]]))
    with pytest.raises(ValueError, match="finite"):
        TravelTimeEngine(None).prepare([[bad, 22.5]])


def test_without_a_network_everything_is_the_estimate() -> None:
    eng = TravelTimeEngine(None)
    a, b = (114.05, 22.54), (114.06, 22.55)
    assert eng.travel_time(a, b).estimated
    assert eng.travel_time(a, b).seconds == pytest.approx(float(haversine_m(*a, *b)) * 1.4 / (30 / 3.6))
