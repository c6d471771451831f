"""Issue 11: the gazetteer is a table built from the road network and the ledgers, kept current, and typed
addresses find places in it by name, by road kind, by pinyin initials and by a near spelling — on hand-built
data: three named roads crossing in a plus, a community, a station, a warehouse and a risk point."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command

from yingji.core import travel
from yingji.hazards.models import RiskPoint
from yingji.resources.gazetteer import SYSTEM, gazetteer, initials
from yingji.resources.models import GazetteerEntry, Station, StationKind
from yingji.routing import Network
from yingji.supplies.models import Warehouse, WarehouseLevel

pytestmark = pytest.mark.django_db

#  0 ── 1 ── 2 ── 5      深南路 0-1-2, 华富大道 2-5 (west to east, y = 22.53)
#       │                景田路 3-1-4 (south to north, x = 114.01)
#  3 below 1, 4 above 1
LON = [114.00, 114.01, 114.02, 114.01, 114.01, 114.03]
LAT = [22.53, 22.53, 22.53, 22.52, 22.54, 22.53]
ROADS = ["华富大道", "景田路", "深南路"]
EDGES = [(0, 1, 2), (1, 2, 2), (3, 1, 1), (1, 4, 1), (2, 5, 0)]  # u, v, index into ROADS


@pytest.fixture
def roads():  # type: ignore[no-untyped-def]
    u = [a for a, b, _n in EDGES] + [b for a, b, _n in EDGES]
    v = [b for a, b, _n in EDGES] + [a for a, b, _n in EDGES]
    names = [n for _a, _b, n in EDGES] * 2
    network = Network.from_edges(LON, LAT, u, v, np.full(len(u), 60.0),
                                 edge_attrs={"name_id": np.asarray(names, dtype=np.int32)},
                                 meta={"name": "hand-built", "road_names": ROADS,
                                       "named_places": [["市民中心", 114.015, 22.535]]})
    travel.use_engine(travel.make_engine(network))
    yield network
    travel.use_engine(None)


@pytest.fixture
def places(cast, roads):  # type: ignore[no-untyped-def]
    community = cast.community_a
    community.name = "景华社区"
    community.save()
    station = Station.objects.create(jurisdiction=community, code="S1", name="景华社区应急管理服务站",
                                     kind=StationKind.values[0], lon=114.012, lat=22.531)
    warehouse = Warehouse.objects.create(jurisdiction=community, code="W1", name="景华社区应急物资仓库",
                                         level=WarehouseLevel.COMMUNITY, lon=114.013, lat=22.532)
    risk = RiskPoint.objects.create(jurisdiction=community, code="R1", name="新洲村城中村", grade="red",
                                    lon=114.014, lat=22.533)
    return community, station, warehouse, risk


def test_the_table_holds_roads_crossings_named_places_and_every_ledger_place(places):
    out = io.StringIO()
    call_command("rebuild_gazetteer", stdout=out)
    assert "places" in out.getvalue()
    kinds = dict(GazetteerEntry.objects.values_list("name", "kind"))
    assert kinds["深南路"] == kinds["景田路"] == kinds["华富大道"] == "road"
    assert kinds["景田路与深南路交叉口"] == "crossing" and kinds["市民中心"] == "place"
    assert kinds["景华社区应急管理服务站"] == "station" and kinds["景华社区应急物资仓库"] == "warehouse"
    assert kinds["新洲村城中村"] == "risk_point" and kinds["景华社区"] == "community"
    assert GazetteerEntry.objects.get(name="景华社区").initials == "jhsq"
    assert GazetteerEntry.objects.get(name="华富大道").stem_initials == "hf"


def test_warehouses_risk_points_and_named_places_are_found_by_name(places):
    [warehouse] = gazetteer("景华社区应急物资仓库", user=SYSTEM)
    assert (warehouse.kind, warehouse.lon, warehouse.lat, warehouse.approximate) == ("warehouse", 114.013, 22.532, False)
    [risk] = gazetteer("新洲村城中村", user=SYSTEM)
    assert (risk.kind, risk.lon, risk.lat) == ("risk_point", 114.014, 22.533)
    building = gazetteer("福田区新洲村城中村3栋", user=SYSTEM)[0]  # a longer address names it: its point, flagged
    assert (building.label, building.approximate) == ("新洲村城中村", True)
    assert gazetteer("市民中心", user=SYSTEM)[0].kind == "place"
    assert {p.kind for p in gazetteer("景华社区", user=SYSTEM)} >= {"community", "station", "warehouse"}
    assert gazetteer("景华社区", user=SYSTEM)[0].kind == "community"  # the exact name first


def test_roads_tolerate_their_kind_prefixes_and_house_numbers(places):
    assert gazetteer("深南路", user=SYSTEM)[0] == gazetteer("深南路", user=SYSTEM)[0]
    road = gazetteer("深南路", user=SYSTEM)[0]
    assert (road.label, road.kind, road.approximate) == ("深南路", "road", False)
    for typed in ("深南街", "深南大道"):
        assert (gazetteer(typed, user=SYSTEM)[0].label, gazetteer(typed, user=SYSTEM)[0].approximate) == ("深南路", True)
    assert gazetteer("华富路", user=SYSTEM)[0].label == "华富大道"
    numbered = gazetteer("深圳市福田区南园街道深南路1001号", user=SYSTEM)[0]  # prefixes the data does not hold
    assert (numbered.label, numbered.approximate) == ("深南路", True)
    crossing = gazetteer("深南路与景田路交叉口", user=SYSTEM)[0]
    assert (crossing.kind, crossing.label, crossing.lon, crossing.lat) == ("crossing", "景田路与深南路交叉口", 114.01, 22.53)
    assert gazetteer("景田路和深南路路口", user=SYSTEM)[0].label == crossing.label


def test_pinyin_initials_and_full_pinyin(places):
    assert initials("景华社区") == "jhsq"
    community, *longer = gazetteer("jhsq", user=SYSTEM)  # the exact initials first, then names they begin
    assert {p.kind for p in longer} == {"station", "warehouse"}
    assert (community.label, community.kind, community.approximate) == ("景华社区", "community", False)
    assert gazetteer("JHSQ", user=SYSTEM)[0].label == "景华社区"
    assert (gazetteer("snl", user=SYSTEM)[0].label, gazetteer("snl", user=SYSTEM)[0].approximate) == ("深南路", False)
    hfl = gazetteer("hfl", user=SYSTEM)[0]  # 华富路: the stem's initials and another road kind
    assert (hfl.label, hfl.approximate) == ("华富大道", True)
    assert gazetteer("jingtianlu", user=SYSTEM)[0].label == "景田路"
    assert gazetteer("jhsqyjwzck", user=SYSTEM)[0].label == "景华社区应急物资仓库"


def test_a_near_spelling_is_found_flagged_approximate(places):
    [near] = gazetteer("新洲村城中材", user=SYSTEM)[:1]
    assert (near.label, near.approximate) == ("新洲村城中村", True)


def test_refusals(places):
    assert gazetteer("火星基地七号楼", user=SYSTEM) == []
    assert gazetteer("qxzv", user=SYSTEM) == []
    assert gazetteer("深", user=SYSTEM) == [] and gazetteer("x", user=SYSTEM) == [] and gazetteer("   ", user=SYSTEM) == []
    assert gazetteer("东门路与西门路交叉口", user=SYSTEM) == []  # neither road exists


def test_it_is_kept_current_when_a_ledger_changes(places):
    _community, station, warehouse, _risk = places
    assert gazetteer("景华社区应急物资仓库", user=SYSTEM)[0].kind == "warehouse"
    warehouse.name = "景华社区二号仓库"
    warehouse.save()
    assert gazetteer("景华社区二号仓库", user=SYSTEM)[0].kind == "warehouse"
    assert all(p.label != "景华社区应急物资仓库" for p in gazetteer("景华社区应急物资仓库", user=SYSTEM))
    station.delete()
    assert all(p.kind != "station" for p in gazetteer("景华社区应急管理服务站", user=SYSTEM))
    # an Excel import writes by bulk_create (no signals): found on the next lookup all the same
    RiskPoint.objects.bulk_create([RiskPoint(jurisdiction=station.jurisdiction, code="R2", name="皇岗村旧改片区",
                                             grade="red", lon=114.016, lat=22.534)])
    assert gazetteer("皇岗村旧改片区", user=SYSTEM)[0].kind == "risk_point"
    # and another road network in use replaces the roads and named places
    travel.use_engine(None)
    assert all(p.kind != "place" for p in gazetteer("市民中心", user=SYSTEM))
    assert not GazetteerEntry.objects.filter(source="roads", name="市民中心").exists()
