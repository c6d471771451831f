"""Demo accounts: one person per role over the demo district's jurisdictions (after the tree, order 15)."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from yingji.accounts.models import Membership, User
from yingji.accounts.roles import Role
from yingji.core.demo import DEMO_PASSWORD, DemoContext, demo_step
from yingji.jurisdictions.models import Jurisdiction


@demo_step(15, "demo accounts")
def generate_accounts(context: DemoContext) -> None:
    # One hash for every demo account: hashing 600 passwords would take minutes.
    password = make_password(DEMO_PASSWORD)
    users: list[User] = []
    memberships: list[tuple[str, str, Jurisdiction]] = []

    def add(username: str, display: str, role: str, jurisdiction: Jurisdiction, *, show: bool,
            superuser: bool = False) -> None:
        phone = f"13{context.rng.randint(100000000, 999999999)}"
        users.append(User(username=username, display_name=display, phone=phone, password=password,
                          is_superuser=superuser, is_staff=superuser))
        if role:
            memberships.append((username, role, jurisdiction))
        if show:
            label = str(Role(role).label) if role else "superuser"
            context.accounts.append((label, username, jurisdiction.name))

    district = context.districts[0]
    add("admin", "系统管理员", "", district, show=True, superuser=True)
    context.accounts[-1] = ("superuser (all areas)", "admin", "—")
    add("district", "区应急局指挥长", Role.DISTRICT_ADMIN, district, show=True)
    add("auditor", "考核审计员", Role.AUDITOR, district, show=True)
    add("expert", "应急专家", Role.EXPERT, district, show=True)
    for i, street in enumerate(context.streets, start=1):
        add(f"jd{i:02d}", f"{street.name}值班员", Role.STREET_OFFICER, street, show=i <= 2)
    for i, community in enumerate(context.communities, start=1):
        add(f"sq{i:03d}", f"{community.name}工作站", Role.COMMUNITY_STAFF, community, show=i <= 2)
    first = context.communities[0]
    add("keeper", f"{first.name}仓管员", Role.WAREHOUSE_KEEPER, first, show=True)
    add("responder", f"{first.name}救援队员", Role.RESPONDER, first, show=True)
    for i, grid in enumerate(context.grids, start=1):
        add(f"wg{i:04d}", f"{grid.name}网格员", Role.GRID_WORKER, grid, show=i == 1)
    # The contact of a unit that rectifies hazards (the property company of the community's estates).
    for i, community in enumerate(context.communities, start=1):
        add(f"dw{i:03d}", f"{community.name.removesuffix('社区')}物业负责人", Role.UNIT_CONTACT, community, show=i == 1)
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=500)
        by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
        Membership.objects.bulk_create(
            [Membership(user=by_name[name], role=role, jurisdiction=j) for name, role, j in memberships],
            batch_size=1000)
    context.users = by_name
