"""Test builders shared by every app: the fixed cast and authenticated clients.

The cast is a small district with two streets and three communities, and one
person per role, so scope tests read like sentences:
"officer_a cannot see community B's station".

    city 深圳市 440300
    └ district 福田区 440304                 commander, auditor, expert
      ├ street S1 南园街道 440304001000       street_officer
      │ ├ community A 440304001001            officer_a, keeper_a, responder_a
      │ │ └ grid A1 44030400100101            grid_worker_a
      │ └ community B 440304001002            officer_b
      │   └ grid B1 44030400100201
      └ street S2 园岭街道 440304002000
        └ community C 440304002001            officer_c
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client
from shapely.geometry import box, mapping

from yingji.accounts.models import ApiToken, Membership, User
from yingji.accounts.roles import Role
from yingji.jurisdictions.models import Jurisdiction, Level

PASSWORD = "Cast-password-2026"


def make_jurisdiction(level: str, code: str, name: str, parent: Jurisdiction | None,
                      bounds: tuple[float, float, float, float] | None = None, population: int = 0) -> Jurisdiction:
    j = Jurisdiction(level=level, code=code, name=name, parent=parent, population=population)
    if bounds is not None:
        geo = mapping(box(*bounds))
        j.boundary = {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in geo["coordinates"]]}
        j.centroid_lon, j.centroid_lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    j.save()
    return j


def make_user(username: str, role: str | None, jurisdiction: Jurisdiction | None, **fields: Any) -> User:
    user = User(username=username, display_name=fields.pop("display_name", username),
                phone=fields.pop("phone", "13812345678"), **fields)
    user.set_password(PASSWORD)
    user.save()
    if role and jurisdiction is not None:
        Membership.objects.create(user=user, jurisdiction=jurisdiction, role=role)
    return user


@dataclass
class Cast:
    city: Jurisdiction
    district: Jurisdiction
    street_1: Jurisdiction
    street_2: Jurisdiction
    community_a: Jurisdiction
    community_b: Jurisdiction
    community_c: Jurisdiction
    grid_a1: Jurisdiction
    grid_b1: Jurisdiction
    commander: User
    auditor: User
    expert: User
    street_officer: User
    officer_a: User
    officer_b: User
    officer_c: User
    keeper_a: User
    responder_a: User
    grid_worker_a: User
    superuser: User


def build_cast() -> Cast:
    city = make_jurisdiction(Level.CITY, "440300", "深圳市", None)
    district = make_jurisdiction(Level.DISTRICT, "440304", "福田区", city, (114.00, 22.50, 114.09, 22.58), 300_000)
    s1 = make_jurisdiction(Level.STREET, "440304001000", "南园街道", district, (114.00, 22.50, 114.045, 22.58), 200_000)
    s2 = make_jurisdiction(Level.STREET, "440304002000", "园岭街道", district, (114.045, 22.50, 114.09, 22.58), 100_000)
    a = make_jurisdiction(Level.COMMUNITY, "440304001001", "A社区", s1, (114.00, 22.50, 114.045, 22.54), 120_000)
    b = make_jurisdiction(Level.COMMUNITY, "440304001002", "B社区", s1, (114.00, 22.54, 114.045, 22.58), 80_000)
    c = make_jurisdiction(Level.COMMUNITY, "440304002001", "C社区", s2, (114.045, 22.50, 114.09, 22.58), 100_000)
    a1 = make_jurisdiction(Level.GRID, "44030400100101", "A社区第1网格", a, (114.00, 22.50, 114.045, 22.52), 60_000)
    b1 = make_jurisdiction(Level.GRID, "44030400100201", "B社区第1网格", b, (114.00, 22.54, 114.045, 22.56), 40_000)
    return Cast(
        city=city, district=district, street_1=s1, street_2=s2, community_a=a, community_b=b, community_c=c,
        grid_a1=a1, grid_b1=b1,
        commander=make_user("commander", Role.DISTRICT_ADMIN, district),
        auditor=make_user("auditor", Role.AUDITOR, district),
        expert=make_user("expert", Role.EXPERT, district),
        street_officer=make_user("street_officer", Role.STREET_OFFICER, s1),
        officer_a=make_user("officer_a", Role.COMMUNITY_STAFF, a, phone="13800001111"),
        officer_b=make_user("officer_b", Role.COMMUNITY_STAFF, b, phone="13800002222"),
        officer_c=make_user("officer_c", Role.COMMUNITY_STAFF, c),
        keeper_a=make_user("keeper_a", Role.WAREHOUSE_KEEPER, a),
        responder_a=make_user("responder_a", Role.RESPONDER, a),
        grid_worker_a=make_user("grid_worker_a", Role.GRID_WORKER, a1),
        superuser=make_user("root", None, None, is_superuser=True, is_staff=True),
    )


def api_client(user: User, language: str = "zh-hans") -> Client:
    """A test client that calls the API with a bearer token of `user`."""
    _token, raw = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=language)


def web_client(user: User, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client
