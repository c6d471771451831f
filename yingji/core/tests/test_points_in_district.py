"""The one point rule (core.validators.check_point with the district's box,
jurisdictions.locate.area_bounds) on every located ledger that had only a range check:
risk points and IoT devices, as warehouses already; service stations, facilities and teams of
the registry (which also check that the point lies inside their own jurisdiction) (issue 13).
Refusals name `lon`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from yingji.hazards.models import RiskPoint
from yingji.hazards.services.risk import create_risk_point
from yingji.iot.models import Device, DeviceKind
from yingji.iot.services import create_device
from yingji.jurisdictions.locate import area_bounds
from yingji.resources import services as registry
from yingji.resources.models import Facility, Station, Team

pytestmark = pytest.mark.django_db


def refusal(call) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def test_a_risk_point_outside_the_district_is_refused(cast):
    assert area_bounds() is not None

    def point(lon: float, lat: float):  # type: ignore[no-untyped-def]
        return lambda: create_risk_point(actor=cast.officer_a, jurisdiction=cast.community_a, code="R-1",
                                         name="老旧小区", grade="yellow", lon=lon, lat=lat)

    assert "不在本辖区范围内" in refusal(point(116.40, 39.90))["lon"][0]  # Beijing
    assert not RiskPoint.objects.exists()
    point(114.01, 22.51)()
    assert RiskPoint.objects.count() == 1


def test_a_device_outside_the_district_is_refused(cast):
    def register(lon: float, lat: float):  # type: ignore[no-untyped-def]
        return lambda: create_device(actor=cast.officer_a, jurisdiction=cast.community_a, code="EL-A-1",
                                     kind=DeviceKind.ELEVATOR, lon=lon, lat=lat, building="A社区1栋")

    assert "lon" in refusal(register(116.40, 39.90))
    assert not Device.objects.exists()
    register(114.01, 22.51)()
    assert Device.objects.count() == 1


@pytest.mark.parametrize("ledger", ["station", "facility", "team"])
def test_a_registry_point_outside_the_district_or_swapped_is_refused(cast, ledger):
    def create(lon: float, lat: float):  # type: ignore[no-untyped-def]
        common = {"actor": cast.officer_a, "jurisdiction": cast.community_a, "code": "X-1", "lon": lon, "lat": lat}
        if ledger == "station":
            return lambda: registry.create_station(name="A社区服务站", kind="community", **common)
        if ledger == "facility":
            return lambda: registry.create_facility(name="A社区消火栓", kind="hydrant", **common)
        return lambda: registry.create_team(name="A社区救援队", kind="community_rescue", **common)

    model = {"station": Station, "facility": Facility, "team": Team}[ledger]
    assert "不在本辖区范围内" in refusal(create(116.40, 39.90))["lon"][0]  # Beijing
    assert "经度在前" in refusal(create(22.51, 114.01))["lon"][0]  # latitude typed first
    assert not model.objects.exists()
    create(114.01, 22.51)()
    assert model.objects.count() == 1
