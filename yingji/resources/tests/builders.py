"""Builders of registry rows for tests: explicit, with plausible defaults.

Rows are written straight through the ORM (not the services) so a test can
set up states the services would refuse, e.g. a station short of members.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.models import (
    Equipment,
    EquipmentKind,
    Expert,
    ExpertField,
    Facility,
    FacilityKind,
    Member,
    MemberCertificate,
    Station,
    StationKind,
    Team,
    TeamKind,
    TeamRole,
)

_numbers = itertools.count(1)

# Valid resident ID numbers (GB 11643 check character) for tests.
VALID_ID_NUMBERS = ["440304199001011233", "11010519491231002X", "440304198507150017"]


def _n() -> int:
    return next(_numbers)


def centre(j: Jurisdiction) -> tuple[float, float]:
    return float(j.centroid_lon), float(j.centroid_lat)


def make_station(jurisdiction: Jurisdiction, **fields: Any) -> Station:
    lon, lat = centre(jurisdiction)
    n = _n()
    values = {"code": f"ST{n:04d}", "name": f"{jurisdiction.name}服务站{n}", "kind": StationKind.COMMUNITY,
              "lon": lon, "lat": lat, "address": "测试路1号", "phone": "0755-83000000",
              "services": ["rescue", "door_opening"]}
    values.update(fields)
    return Station.objects.create(jurisdiction=jurisdiction, **values)


def make_team(jurisdiction: Jurisdiction, station: Station | None = None, **fields: Any) -> Team:
    n = _n()
    values = {"code": f"TM{n:04d}", "name": f"{jurisdiction.name}救援队{n}",
              "kind": TeamKind.STATION_TEAM if station else TeamKind.COMMUNITY_RESCUE,
              "specialties": ["fire", "search_rescue"], "contact_name": "张队长", "contact_phone": "13900001111"}
    values.update(fields)
    return Team.objects.create(jurisdiction=jurisdiction, station=station, **values)


def make_member(team: Team, **fields: Any) -> Member:
    n = _n()
    values = {"name": f"队员{n}", "phone": f"139{n:08d}", "team_role": TeamRole.MEMBER}
    values.update(fields)
    return Member.objects.create(team=team, **values)


def make_certificate(member: Member, kind: str = "first_aid", expires_on: datetime.date | None = None,
                     **fields: Any) -> MemberCertificate:
    return MemberCertificate.objects.create(member=member, kind=kind, expires_on=expires_on, **fields)


def make_expert(jurisdiction: Jurisdiction, **fields: Any) -> Expert:
    n = _n()
    values = {"code": f"EX{n:04d}", "name": f"专家{n}", "field": ExpertField.FIRE, "organisation": "市消防研究所",
              "phone": "13700002222"}
    values.update(fields)
    return Expert.objects.create(jurisdiction=jurisdiction, **values)


def make_equipment(jurisdiction: Jurisdiction, station: Station | None = None, **fields: Any) -> Equipment:
    n = _n()
    values = {"code": f"EQ{n:04d}", "name": f"巡逻车{n}", "kind": EquipmentKind.PATROL_VEHICLE, "count": 1}
    values.update(fields)
    return Equipment.objects.create(jurisdiction=jurisdiction, station=station, **values)


def make_facility(jurisdiction: Jurisdiction, **fields: Any) -> Facility:
    lon, lat = centre(jurisdiction)
    n = _n()
    values = {"code": f"FA{n:04d}", "name": f"应急避难场所{n}", "kind": FacilityKind.SHELTER, "lon": lon, "lat": lat,
              "capacity": 500, "area_m2": 2000, "supplies_on_site": "饮用水、帐篷"}
    values.update(fields)
    return Facility.objects.create(jurisdiction=jurisdiction, **values)


def staffed_station(jurisdiction: Jurisdiction, members: int = 12, vehicles: int = 2,
                    roles: tuple[str, ...] = (TeamRole.CAPTAIN, TeamRole.VICE_CAPTAIN, TeamRole.COMMUNICATOR,
                                              TeamRole.SAFETY_OFFICER), **fields: Any) -> Station:
    """A station with a station team of `members` people holding `roles`, and `vehicles` vehicles."""
    station = make_station(jurisdiction, **fields)
    team = make_team(jurisdiction, station)
    for index in range(members):
        role = roles[index] if index < len(roles) else TeamRole.MEMBER
        make_member(team, team_role=role)
    for _ in range(vehicles):
        make_equipment(jurisdiction, station)
    return station
