"""The demo district generator: Futian's real streets, 92 communities, tiling boundaries, every role."""

from __future__ import annotations

import io

from shapely.geometry import shape
from shapely.ops import unary_union

from yingji.accounts.demo import generate_accounts
from yingji.accounts.models import Membership, User
from yingji.accounts.roles import Role
from yingji.core.demo import DEMO_PASSWORD, DemoContext
from yingji.jurisdictions.demo import generate_jurisdictions
from yingji.jurisdictions.models import Jurisdiction, Level


def generate(scale: str = "futian", seed: int = 2026) -> DemoContext:
    context = DemoContext(scale=scale, seed=seed, out=io.StringIO())
    generate_jurisdictions(context)
    generate_accounts(context)
    return context


def snapshot() -> list[tuple]:
    return list(Jurisdiction.objects.order_by("code").values_list("code", "name", "population", "boundary"))


def test_futian_has_its_ten_real_streets_and_92_communities(db):
    generate()
    streets = dict(Jurisdiction.objects.filter(level=Level.STREET).values_list("code", "name"))
    assert streets == {
        "440304001000": "南园街道", "440304002000": "园岭街道", "440304004000": "福田街道",
        "440304005000": "沙头街道", "440304006000": "香蜜湖街道", "440304007000": "梅林街道",
        "440304008000": "莲花街道", "440304009000": "华富街道", "440304010000": "福保街道",
        "440304011000": "华强北街道"}
    assert Jurisdiction.objects.filter(level=Level.COMMUNITY).count() == 92
    grids_per_community = Jurisdiction.objects.filter(level=Level.GRID).count() / 92
    assert 5 <= grids_per_community <= 7
    district = Jurisdiction.objects.get(code="440304")
    assert district.parent.code == "440300"
    for community in Jurisdiction.objects.filter(level=Level.COMMUNITY):
        assert len(community.code) == 12 and community.code.startswith(community.parent.code[:9])
        assert community.name.endswith("社区")
    assert len(set(Jurisdiction.objects.filter(level=Level.COMMUNITY).values_list("name", flat=True))) == 92


def test_boundaries_tile_the_district_without_gaps_or_overlaps(db):
    generate()
    area = shape(Jurisdiction.objects.get(code="440304").boundary).area
    for level in (Level.STREET, Level.COMMUNITY, Level.GRID):
        shapes = [shape(b) for b in Jurisdiction.objects.filter(level=level).values_list("boundary", flat=True)]
        assert abs(unary_union(shapes).area - area) / area < 0.01, level
        assert abs(sum(s.area for s in shapes) - area) / area < 0.01, level
    for community in Jurisdiction.objects.filter(level=Level.COMMUNITY).select_related("parent")[:20]:
        assert shape(community.parent.boundary).buffer(1e-4).contains(shape(community.boundary))
        assert shape(community.boundary).contains(
            shape({"type": "Point", "coordinates": [community.centroid_lon, community.centroid_lat]}))


def test_populations_add_up(db):
    generate()
    for street in Jurisdiction.objects.filter(level=Level.STREET):
        communities = Jurisdiction.objects.filter(parent=street)
        assert street.population == sum(c.population for c in communities)
        for community in communities[:3]:
            assert community.population == sum(g.population for g in community.children.all())


def test_the_same_seed_gives_the_same_district(db):
    generate(seed=7)
    first = snapshot()
    Membership.objects.all().delete()
    User.objects.all().delete()
    for depth in (4, 3, 2, 1, 0):  # leaves first: parents are protected
        Jurisdiction.objects.filter(depth=depth).delete()
    generate(seed=7)
    assert snapshot() == first


def test_there_is_a_demo_account_for_every_role_and_they_can_log_in(db):
    context = generate()
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="sq001").check_password(DEMO_PASSWORD)
    printed = {username for _role, username, _place in context.accounts}
    assert {"admin", "district", "jd01", "sq001", "wg0001", "keeper", "responder", "expert", "auditor"} <= printed


def test_the_city_scale_has_about_seventy_streets(db):
    generate(scale="city")
    assert Jurisdiction.objects.filter(level=Level.DISTRICT).count() == 9
    assert 65 <= Jurisdiction.objects.filter(level=Level.STREET).count() <= 80
