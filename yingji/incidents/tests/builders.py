"""Explicit builders for the incidents tests: stations, teams and members around the cast.

Positions (lon, lat) inside the cast's boxes:
    community A 114.00–114.045 × 22.50–22.54 (grid A1 is its southern half)
    community B 114.00–114.045 × 22.54–22.58
    community C 114.045–114.09 × 22.50–22.58 (the other street)
"""

from __future__ import annotations

from typing import Any

from yingji.core.testing import Cast, make_user
from yingji.incidents.services.intake import report_incident
from yingji.resources.models import Member, Station, Team, TeamKind

A_POINT = (114.02, 22.51)
B_POINT = (114.02, 22.55)
C_POINT = (114.07, 22.53)


# The registry rows are written with bulk_create: these tests are about incidents,
# not about the registry's audit trail.
def make_station(jurisdiction: Any, code: str, name: str, lon: float, lat: float) -> Station:
    return Station.objects.bulk_create([Station(jurisdiction=jurisdiction, code=code, name=name, kind="community",
                                                lon=lon, lat=lat)])[0]


def make_team(jurisdiction: Any, code: str, name: str, lon: float, lat: float, specialties: tuple[str, ...] = ("fire",),
              station: Station | None = None, members: int = 3, responder: Any = None) -> Team:
    team = Team.objects.bulk_create([Team(jurisdiction=jurisdiction, code=code, name=name, kind=TeamKind.STATION_TEAM,
                                          specialties=list(specialties), lon=lon, lat=lat, station=station)])[0]
    Member.objects.bulk_create([Member(team=team, name=f"{name}-{i}", on_duty=True,
                                       user=responder if (i == 0 and responder is not None) else None)
                                for i in range(members)])
    return team


def world(cast: Cast) -> dict[str, Any]:
    """Three stations and five teams: two in A, one in B, one in C, a water-rescue team in A."""
    sa = make_station(cast.community_a, "ST-A", "A站", 114.021, 22.511)
    sb = make_station(cast.community_b, "ST-B", "B站", 114.02, 22.56)
    sc = make_station(cast.community_c, "ST-C", "C站", 114.07, 22.53)
    responder_c = make_user("responder_c", "responder", cast.community_c)
    teams = {
        "a1": make_team(cast.community_a, "T-A1", "A一队", 114.021, 22.511, station=sa, responder=cast.responder_a),
        "a2": make_team(cast.community_a, "T-A2", "A二队", 114.03, 22.53, station=sa),
        "aw": make_team(cast.community_a, "T-AW", "A水域队", 114.022, 22.512, ("water_rescue",), station=sa),
        "b1": make_team(cast.community_b, "T-B1", "B一队", 114.02, 22.56, station=sb),
        "c1": make_team(cast.community_c, "T-C1", "C一队", 114.07, 22.53, station=sc, responder=responder_c),
    }
    return {"stations": {"a": sa, "b": sb, "c": sc}, "teams": teams, "responder_c": responder_c}


def fire_in_a(cast: Cast, **fields: Any):  # type: ignore[no-untyped-def]
    actor = fields.pop("actor", cast.officer_a)
    values = {"type_code": "21100", "channel": "119", "lon": A_POINT[0], "lat": A_POINT[1],
              "address": "A社区1栋", "description": "3楼冒烟"}
    values.update(fields)
    incident, _created = report_incident(actor=actor, **values)
    return incident
