"""Issue 11: the demo's gazetteer step builds the table from the shipped Futian roads and the Futian-scale
ledgers, and the officer's addresses of the issue are found in it."""

from __future__ import annotations

import io

import pytest

from yingji.accounts.demo import generate_accounts
from yingji.core.demo import DemoContext
from yingji.coverage.demo import install_road_network
from yingji.hazards.demo import generate_risk_points
from yingji.hazards.models import RiskPoint
from yingji.jurisdictions.demo import generate_jurisdictions
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.demo import build_gazetteer, generate_resources
from yingji.resources.gazetteer import SYSTEM, gazetteer
from yingji.resources.models import GazetteerEntry, Station
from yingji.supplies.demo import generate_supplies
from yingji.supplies.models import Warehouse

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_gazetteer_finds_the_issue_s_addresses(settings, tmp_path):
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "roads.npz")
    context = DemoContext(scale="futian", seed=2026, out=io.StringIO())
    for step in (generate_jurisdictions, generate_accounts, install_road_network, generate_resources,
                 generate_risk_points, generate_supplies, build_gazetteer):
        step(context)
    kinds = set(GazetteerEntry.objects.values_list("kind", flat=True))
    assert {"road", "crossing", "station", "warehouse", "risk_point", "community", "grid", "street"} <= kinds
    assert GazetteerEntry.objects.count() > Station.objects.count() + Warehouse.objects.count()

    station = Station.objects.get(name="景华社区应急管理服务站")
    assert gazetteer("景华社区应急管理服务站", user=SYSTEM)[0].kind == "station"
    community = Jurisdiction.objects.get(name="景华社区")
    assert gazetteer("jhsq", user=SYSTEM)[0].label == "景华社区" and gazetteer("jhsq", user=SYSTEM)[0].kind == community.level
    road = gazetteer("景华社区华富路88号", user=SYSTEM)[0]
    assert (road.label, road.kind, road.approximate) == ("华富路", "road", True)
    assert abs(road.lon - station.lon) < 0.02 and abs(road.lat - station.lat) < 0.02  # the part near 景华社区
    # 燕南路 is not in the shipped extract: the community the address names is found, flagged approximate
    community_place = gazetteer("景华社区燕南路88号", user=SYSTEM)[0]
    assert (community_place.label, community_place.approximate) == ("景华社区", True)
    warehouse = Warehouse.objects.order_by("pk").first()
    risk = RiskPoint.objects.order_by("pk").first()
    assert warehouse is not None and risk is not None
    assert gazetteer(warehouse.name, user=SYSTEM)[0].label == warehouse.name
    assert any(p.kind == "risk_point" for p in gazetteer(risk.name, user=SYSTEM))
