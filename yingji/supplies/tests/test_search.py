"""Nearest-stock search: ranking by travel time, aliases, partial fulfilment, scope, freshness."""

from __future__ import annotations

import pytest

from yingji.core import travel
from yingji.routing import Network, TravelTimeEngine
from yingji.routing.fallback import StraightLine
from yingji.supplies.services import (
    LineRequest,
    approve_allocation,
    issue_stock,
    request_allocation,
    search_stock,
)
from yingji.supplies.services.search import get_index, match_materials, reset_index, warehouse_states
from yingji.supplies.tests.builders import LAT, make_material, make_warehouse, stock

POINT = (114.00, LAT)


@pytest.fixture
def city(cast):  # type: ignore[no-untyped-def]
    """Three stores east of the point along one line: WA 114.01 (3 units), WB 114.02 (10), WC 114.05 (20)."""
    powder = make_material(cast, "XF-001", "干粉灭火器", aliases=["灭火器", "fire extinguisher"])
    co2 = make_material(cast, "XF-003", "二氧化碳灭火器", aliases=["CO2 fire extinguisher"])
    wa = make_warehouse(cast.community_a, "WA", 114.01)
    wb = make_warehouse(cast.community_b, "WB", 114.02)
    wc = make_warehouse(cast.community_c, "WC", 114.05, keeper_name="王师傅", phone="0755-83000000")
    stock(wa, powder, 3)
    stock(wb, powder, 10)
    stock(wc, powder, 20)
    stock(wc, co2, 4)
    return cast, powder, co2, wa, wb, wc


def codes(hits):  # type: ignore[no-untyped-def]
    return [h.warehouse.code for h in hits]


@pytest.mark.django_db
def test_it_ranks_warehouses_holding_enough_by_travel_time(city) -> None:  # type: ignore[no-untyped-def]
    cast, powder, _co2, *_ = city
    result = search_stock(cast.commander, point=POINT, term="干粉灭火器", quantity=5)
    assert result.material.code == "XF-001"
    assert codes(result.hits) == ["WB", "WC"]  # WA holds only 3
    assert result.estimated  # no road network configured: straight-line estimate
    # 0.02° of longitude at 22.52° N is 2,056 m; the fallback drives 30 km/h with a 1.4 detour.
    expected = StraightLine().seconds(114.02, LAT, *POINT)
    assert result.hits[0].seconds == pytest.approx(float(expected), rel=1e-6)
    assert result.hits[0].seconds == pytest.approx(345.5, abs=1.0)
    assert (result.hits[1].warehouse.keeper, result.hits[1].warehouse.phone) == ("王师傅", "0755-83000000")
    assert (result.hits[1].held, result.hits[1].available) == (20, 20)
    assert result.plan == [] and result.fulfilled


@pytest.mark.django_db
def test_it_finds_materials_by_alias_code_and_part_of_the_name(city) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = city
    index = get_index()
    assert [m.code for m in match_materials(index, "灭火器")] == ["XF-001", "XF-003"]
    assert [m.code for m in match_materials(index, "fire extinguisher")] == ["XF-001", "XF-003"]
    assert [m.code for m in match_materials(index, "co2")] == ["XF-003"]
    assert [m.code for m in match_materials(index, "xf-003")] == ["XF-003"]
    assert [m.code for m in match_materials(index, "二氧化碳")] == ["XF-003"]
    assert match_materials(index, "救生衣") == []
    result = search_stock(cast.commander, point=POINT, term="Fire Extinguisher", quantity=1)
    assert result.material.code == "XF-001" and codes(result.hits) == ["WA", "WB", "WC"]
    chosen = search_stock(cast.commander, point=POINT, term="灭火器", material="XF-003", quantity=1)
    assert chosen.material.code == "XF-003" and codes(chosen.hits) == ["WC"]
    assert [c.code for c in chosen.candidates] == ["XF-001", "XF-003"]


@pytest.mark.django_db
def test_it_proposes_partial_fulfilment_from_the_nearest_holders(city) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = city
    result = search_stock(cast.commander, point=POINT, term="灭火器", quantity=30)
    assert result.hits == []
    assert [(h.warehouse.code, h.take) for h in result.plan] == [("WA", 3), ("WB", 10), ("WC", 17)]
    assert result.fulfilled and result.shortfall == 0
    short = search_stock(cast.commander, point=POINT, term="灭火器", quantity=40)
    assert [(h.warehouse.code, h.take) for h in short.plan] == [("WA", 3), ("WB", 10), ("WC", 20)]
    assert not short.fulfilled and short.shortfall == 7


@pytest.mark.django_db
def test_a_community_officer_searches_only_their_own_area(city) -> None:  # type: ignore[no-untyped-def]
    cast, *_ = city
    result = search_stock(cast.officer_a, point=POINT, term="灭火器", quantity=2)
    assert codes(result.hits) == ["WA"]
    street = search_stock(cast.street_officer, point=POINT, term="灭火器", quantity=2)
    assert codes(street.hits) == ["WA", "WB"]  # WC lies in the other street
    assert [s for w, s, *_r in warehouse_states(cast.officer_a, None)] == ["sufficient"]


@pytest.mark.django_db
def test_reserved_and_issued_stock_no_longer_counts(city) -> None:  # type: ignore[no-untyped-def]
    cast, powder, _co2, wa, wb, wc = city
    allocation = request_allocation(actor=cast.street_officer, jurisdiction=cast.community_a,
                                    lines=[LineRequest(wb, powder, 8)], purpose="restock", destination=wa)
    approve_allocation(allocation, actor=cast.street_officer)
    assert codes(search_stock(cast.commander, point=POINT, term="灭火器", quantity=5).hits) == ["WC"]
    issue_stock(wc, powder, 16, actor=cast.commander, reason="fire")
    result = search_stock(cast.commander, point=POINT, term="灭火器", quantity=5)
    assert result.hits == [] and result.total_available == 3 + 2 + 4


@pytest.mark.django_db
def test_map_states_follow_the_minimum_reserve(city) -> None:  # type: ignore[no-untyped-def]
    cast, powder, *_ = city
    powder.min_reserve = {"community": 5}
    powder.save()
    from yingji.supplies.services import invalidation

    invalidation.warehouses_changed()
    states = {w.code: (s, held) for w, s, held, _a in warehouse_states(cast.commander, powder.pk)}
    assert states == {"WA": ("below_minimum", 3), "WB": ("sufficient", 10), "WC": ("sufficient", 20)}
    co2 = {w.code: s for w, s, *_r in warehouse_states(cast.commander, city[2].pk)}
    assert co2 == {"WA": "empty", "WB": "empty", "WC": "sufficient"}


@pytest.mark.django_db
def test_travel_time_on_the_road_network_beats_straight_line_distance(city) -> None:  # type: ignore[no-untyped-def]
    """WA is 1 km away across a river whose bridge is far north; WB, farther, is on the same bank."""
    cast, powder, *_ = city
    # Nodes: 0 the point, 1 WA's junction (east bank), 2 west bank by WA, 3 and 4 the bridge ends, 5 WB's
    # junction, reached by a road bending 450 m south through 6.
    lon = [114.000, 114.010, 114.008, 114.008, 114.010, 114.020, 114.010]
    lat = [LAT, LAT, LAT, 22.56, 22.56, LAT, LAT - 0.004]
    edges = [(0, 2, 50), (2, 3, 400), (3, 4, 20), (4, 1, 400), (0, 6, 125), (6, 5, 125)]
    u = [a for a, b, _t in edges] + [b for a, b, _t in edges]
    v = [b for a, b, _t in edges] + [a for a, b, _t in edges]
    t = [s for *_ab, s in edges] * 2
    travel.use_engine(TravelTimeEngine(Network.from_edges(lon, lat, u, v, t)))
    reset_index()
    try:
        result = search_stock(cast.commander, point=POINT, term="灭火器", quantity=2)
        # WB by road (250 s), WA across the far bridge (870 s); WC, 3 km past the last road, is
        # off the network: its straight-line estimate ranks among them, marked as an estimate.
        assert codes(result.hits) == ["WB", "WC", "WA"]
        assert [h.estimated for h in result.hits] == [False, True, False] and result.estimated
        assert result.hits[0].seconds == pytest.approx(250, abs=1)
        assert result.hits[1].seconds == pytest.approx(float(StraightLine().seconds(114.05, LAT, *POINT)))
        assert result.hits[2].seconds == pytest.approx(870, abs=1)
        # An incident in a park 2 km from any road, with a store 110 m away: off the network, every
        # store is timed in a straight line (marked), not as two 2 km crawls to the road and back.
        park = make_warehouse(cast.community_a, "WP", 114.001, lat=22.5005)
        stock(park, powder, 5)
        result = search_stock(cast.commander, point=(114.000, 22.500), term="灭火器", quantity=2)
        assert codes(result.hits)[0] == "WP"
        assert result.hits[0].seconds == pytest.approx(float(StraightLine().seconds(114.001, 22.5005, 114.0, 22.5)))
        assert result.hits[0].seconds < 30 and all(h.estimated for h in result.hits)
    finally:
        travel.use_engine(None)
        reset_index()


@pytest.mark.django_db(transaction=True)
def test_a_warm_search_runs_no_query_and_follows_new_movements(city, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    cast, powder, _co2, _wa, wb, _wc = city
    reset_index()
    search_stock(cast.commander, point=POINT, term="灭火器", quantity=5)
    with django_assert_num_queries(0):
        result = search_stock(cast.commander, point=POINT, term="灭火器", quantity=5)
    assert codes(result.hits) == ["WB", "WC"]
    issue_stock(wb, powder, 6, actor=cast.commander, reason="fire")
    with django_assert_num_queries(1):  # only the changed balance is reloaded
        result = search_stock(cast.commander, point=POINT, term="灭火器", quantity=5)
    assert codes(result.hits) == ["WC"]
    reset_index()



@pytest.mark.django_db
def test_the_dispatch_page_gets_the_nearest_holders_of_a_material(city) -> None:  # type: ignore[no-untyped-def]
    from yingji.incidents.services.dispatch import warehouses_for
    from yingji.supplies.services import nearest_warehouses

    cast, *_ = city
    found = nearest_warehouses("灭火器", lon=POINT[0], lat=POINT[1], user=cast.officer_a)
    assert [w["code"] for w in found] == ["WA"]  # WB and WC lie in other communities
    assert [w["code"] for w in nearest_warehouses("fire extinguisher", lon=POINT[0], lat=POINT[1],
                                                    user=cast.commander)] == ["WA", "WB", "WC"]

    class Incident:  # what warehouses_for reads of an incident
        lon, lat = POINT

        class type:  # noqa: N801
            materials = ["干粉灭火器"]

    answer = warehouses_for(Incident(), user=cast.commander)
    assert answer["available"] is True
    assert answer["results"][0]["warehouses"][0]["code"] == "WA"
