"""Demo step: the registry of a Futian-sized district.

Futian's published figures are 642 teams with 8,400 members over 92
communities; the small scale keeps the same proportions for 12 communities.
Stations of every type sit inside their community beside one of its roads
(when the road-network step has left one in `context.extra["road_network"]`); a few
stations deliberately fall short of the staffing standard and a few
certificates and maintenance dates lapse within 30 days, so the compliance and
expiry pages have something to show. Everything is bulk-created (no audit
rows) and derived from the seed.

Later steps read `context.extra["stations"]`, `["teams"]` and
`["responders"]` (usernames of responder accounts linked to team members).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from yingji.accounts.models import Membership, User
from yingji.accounts.roles import Role
from yingji.core.demo import DemoContext, demo_step
from yingji.core.validators import ID_CHECK, ID_WEIGHTS
from yingji.resources.gazetteer import rebuild
from yingji.resources.models import (
    Equipment,
    EquipmentKind,
    Expert,
    ExpertField,
    Facility,
    FacilityKind,
    FacilityStatus,
    Member,
    MemberCertificate,
    Service,
    Specialty,
    Station,
    StationKind,
    Team,
    TeamKind,
    TeamRole,
)
from yingji.routing.places import BESIDE_M, RoadSpots

FUTIAN_TEAMS, FUTIAN_MEMBERS, FUTIAN_COMMUNITIES = 642, 8_400, 92

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华飞玉兰萍红鹏建国志明海燕俊峰文斌宇浩波辉晨欣怡子涵嘉豪思远振宇"
ROADS = ("深南大道 滨河大道 红荔路 莲花路 福华路 益田路 彩田路 金田路 新洲路 香蜜湖路 北环大道 梅林路 皇岗路 华强北路 "
         "振华路 燕南路 上步路 福民路 石厦路 沙嘴路 农林路 景田路 园岭路 八卦路").split()
MALLS = "购物公园 COCO Park 中心城 皇庭广场 卓悦汇 华强北茂业 星河COCO City 天虹 京基百纳 欢乐海岸 福田华润万象 海岸城".split(" ")
HOSPITALS = "市第二人民医院 福田区人民医院 福田区中医院 福田区妇幼保健院 市儿童医院 北大深圳医院 港大深圳医院 市中医院".split()
PARKS = "车公庙工业区 八卦岭工业区 上步工业区 天安数码城 梅林工业区 泰然工业区 福田保税区".split()
FORESTS = "梅林山 塘朗山 银湖山 笔架山 莲花山 安托山".split()
SKILLS = "急救 心肺复苏 破拆 绳索救援 水域救援 驾驶 无人机操作 电工 开锁 电梯救援".split()
SUPPLIES = "饮用水 方便食品 帐篷 折叠床 棉被 应急照明 急救箱 发电机".split()
ORGANISATIONS = ("深圳市应急管理研究院 深圳大学 市消防救援支队 市气象局 市水务规划设计院 市人民医院 市疾控中心 "
                 "深圳供电局 深圳燃气集团 市建筑科学研究院 市特种设备安全检验研究院 市交通运输局 市生态环境监测站 "
                 "哈工大深圳校区 市地质局 市心理援助中心").split()
TITLES = "教授 高级工程师 主任医师 研究员 正高级工程师 副教授".split()

STATION_SERVICES = {
    StationKind.STREET_CENTRE: Service.values,
    StationKind.COMMUNITY: Service.values,
    StationKind.MICRO_FIRE: [Service.RESCUE, Service.FIRST_AID_KIT],
    StationKind.MALL: [Service.RESCUE, Service.ELEVATOR_ENTRAPMENT, Service.FIRST_AID_KIT, Service.PHONE_CHARGING],
    StationKind.HOSPITAL: [Service.RESCUE, Service.FIRST_AID_KIT, Service.PHONE_CHARGING],
    StationKind.FOREST: [Service.RESCUE, Service.FALLEN_TREE, Service.PEST_REMOVAL, Service.WATER_DELIVERY],
}
STATION_KIT = [EquipmentKind.FIRE_PUMP, EquipmentKind.BREAKING_TOOLS, EquipmentKind.WATER_RESCUE, EquipmentKind.PPE,
               EquipmentKind.COMMUNICATIONS, EquipmentKind.DRONE, EquipmentKind.GENERATOR, EquipmentKind.DRAINAGE_PUMP,
               EquipmentKind.LIGHTING, EquipmentKind.CHAINSAW, EquipmentKind.FIRST_AID]
KIT_NAMES = {
    EquipmentKind.PATROL_VEHICLE: "应急巡逻车", EquipmentKind.RESCUE_VEHICLE: "抢险救援车",
    EquipmentKind.ELECTRIC_BIKE: "消防电动车", EquipmentKind.FIRE_ENGINE: "小型消防车",
    EquipmentKind.FIRE_PUMP: "手抬机动消防泵", EquipmentKind.BREAKING_TOOLS: "破拆工具组",
    EquipmentKind.WATER_RESCUE: "水域救援装备", EquipmentKind.PPE: "个人防护装备", EquipmentKind.COMMUNICATIONS: "对讲机",
    EquipmentKind.DRONE: "侦察无人机", EquipmentKind.GENERATOR: "移动发电机", EquipmentKind.DRAINAGE_PUMP: "排水泵",
    EquipmentKind.LIGHTING: "移动照明灯", EquipmentKind.CHAINSAW: "油锯", EquipmentKind.FIRST_AID: "急救箱",
}
TEAM_SPECIALTIES = {
    TeamKind.STATION_TEAM: [Specialty.FIRE, Specialty.SEARCH_RESCUE, Specialty.GENERAL, Specialty.ELEVATOR],
    TeamKind.COMMUNITY_RESCUE: [Specialty.FLOOD_TYPHOON, Specialty.SEARCH_RESCUE, Specialty.GENERAL],
    TeamKind.PROFESSIONAL: [Specialty.HAZMAT, Specialty.WATER_RESCUE, Specialty.EARTHQUAKE, Specialty.MEDICAL],
    TeamKind.SOCIAL_FORCE: [Specialty.SEARCH_RESCUE, Specialty.WATER_RESCUE, Specialty.MEDICAL],
    TeamKind.VOLUNTEER: [Specialty.GENERAL, Specialty.MEDICAL, Specialty.FLOOD_TYPHOON],
    TeamKind.ENTERPRISE: [Specialty.FIRE, Specialty.HAZMAT, Specialty.ELEVATOR],
}
OTHER_TEAM_NAMES = {
    TeamKind.PROFESSIONAL: ("专业救援队", ["危化品处置", "水上救援", "地震救援", "医疗救护", "电力抢修", "燃气抢险"]),
    TeamKind.SOCIAL_FORCE: ("社会应急力量", ["蓝天救援队", "公羊救援队", "曙光救援队", "红十字救援队"]),
    TeamKind.VOLUNTEER: ("志愿服务队", ["党员先锋", "青年志愿者", "巾帼志愿者", "平安志愿者"]),
    TeamKind.ENTERPRISE: ("企业应急队", ["物业", "商场", "写字楼", "燃气站", "地铁站"]),
}


class _Places:
    """Points inside a jurisdiction, on its roads when a road network is known (routing.places.RoadSpots)."""

    def __init__(self, context: DemoContext, rng: random.Random) -> None:
        self.rng = rng
        self.spots = RoadSpots(context.extra.get("road_network"))

    def point(self, jurisdiction: Any, beside_m: tuple[float, float] = BESIDE_M) -> tuple[float, float]:
        if not jurisdiction.boundary:
            return (float(jurisdiction.centroid_lon or 114.05), float(jurisdiction.centroid_lat or 22.54))
        [spot] = self.spots.inside(jurisdiction.boundary, 1, self.rng, beside_m=beside_m)
        return spot


def _id_number(rng: random.Random) -> str:
    birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 36))
    body = f"440304{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _split(total: int, n: int, rng: random.Random, low: int) -> list[int]:
    """n positive sizes (each ≥ low when possible) summing to total, unevenly."""
    if n == 0:
        return []
    weights = [rng.uniform(0.6, 1.6) for _ in range(n)]
    spare = max(total - low * n, 0)
    sizes = [min(low, total // n) + int(spare * w / sum(weights)) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % n] += 1
    return sizes


@demo_step(30, "resources")
def generate_resources(context: DemoContext) -> None:
    rng = context.sub_rng("resources")
    places = _Places(context, rng)
    today = timezone.localdate()
    scale = len(context.communities) / FUTIAN_COMMUNITIES
    n_teams = round(FUTIAN_TEAMS * scale)
    n_members = round(FUTIAN_MEMBERS * scale)
    by_street: dict[str, list[Any]] = {}
    for community in context.communities:
        by_street.setdefault(community.parent.code, []).append(community)

    # -- stations
    stations: list[Station] = []
    per_place: dict[str, int] = {}

    def station(kind: str, jurisdiction: Any, name: str, where: Any = None) -> None:
        # At the kerb: a station's vehicles leave from its door, so its team's time to its own door is nil.
        lon, lat = places.point(where or jurisdiction, beside_m=(0.0, 0.0))
        mall = kind == StationKind.MALL
        services = STATION_SERVICES.get(kind) or rng.sample(Service.values, rng.randint(3, 6))
        per_place[jurisdiction.code] = per_place.get(jurisdiction.code, 0) + 1
        stations.append(Station(
            jurisdiction=jurisdiction, code=f"ST{jurisdiction.code}{per_place[jurisdiction.code]:02d}",
            name=name, kind=kind, lon=lon, lat=lat, phone=f"0755-8{rng.randrange(10**6, 10**7)}",
            address=f"{rng.choice(ROADS)}{rng.randint(1, 300)}号", open_24h=not mall,
            hours="10:00-22:00" if mall else "", services=[s for s in Service.values if s in services]))

    street_cycle = 0
    for street in context.streets:
        communities = by_street.get(street.code, [])
        if not communities:
            continue
        station(StationKind.STREET_CENTRE, street, f"{street.name}应急管理服务中心")
        for community in communities:
            station(StationKind.COMMUNITY, community, f"{community.name}应急管理服务站")
            for n in range(1 + (rng.random() < 0.5)):
                station(StationKind.MICRO_FIRE, community, f"{community.name}微型消防站{'一二'[n]}号")
        extras = [(StationKind.STREET_FRONT, "临街服务站"), (StationKind.STREET_FRONT, "临街服务站"),
                  (StationKind.MALL, ""), (StationKind.SMALL, "小型服务站"), (StationKind.SMALL, "小型服务站")]
        if rng.random() < 0.6:
            extras.append((StationKind.HOSPITAL, ""))
        if rng.random() < 0.5:
            extras.append((StationKind.INDUSTRIAL_PARK, ""))
        if street_cycle % 4 == 1:
            extras.append((StationKind.FOREST, ""))
        if rng.random() < 0.3:
            extras.append((StationKind.OTHER, "交通枢纽服务站"))
        for kind, suffix in extras:
            community = rng.choice(communities)
            name = {
                StationKind.MALL: f"{MALLS[street_cycle % len(MALLS)]}商场服务站",
                StationKind.HOSPITAL: f"{HOSPITALS[street_cycle % len(HOSPITALS)]}服务站",
                StationKind.INDUSTRIAL_PARK: f"{PARKS[street_cycle % len(PARKS)]}园区服务站",
                StationKind.FOREST: f"{FORESTS[street_cycle % len(FORESTS)]}森林防火服务站",
            }.get(kind) or f"{community.name}{suffix}"
            if any(s.name == name for s in stations):
                name = f"{name}（{community.name}）"
            station(kind, community, name)
        street_cycle += 1

    # -- teams: a station team per station, a rescue team per community, then other forces up to the target
    teams: list[Team] = []
    team_sizes: list[int] = []
    short_roles: dict[int, str] = {}

    def team(kind: str, jurisdiction: Any, name: str, home: Station | None, size: int) -> Team:
        specialties = rng.sample(TEAM_SPECIALTIES[kind], rng.randint(1, min(3, len(TEAM_SPECIALTIES[kind]))))
        if kind == TeamKind.STATION_TEAM:
            # A station's team is the first responder of its neighbourhood, to fires and service calls alike
            # (the micro fire station duty): an incident at the door calls it first.
            specialties += [Specialty.FIRE, Specialty.GENERAL]
        t = Team(jurisdiction=jurisdiction, station=home, code=f"TM{len(teams) + 1:05d}", name=name, kind=kind,
                 specialties=[s for s in Specialty.values if s in specialties],
                 contact_name=_person(rng), contact_phone=_phone(rng))
        teams.append(t)
        team_sizes.append(size)
        return t

    for s in stations:
        if s.kind == StationKind.MICRO_FIRE:
            size = rng.randint(6, 10)
        else:
            size = rng.randint(12, 22) if rng.random() > 0.06 else rng.randint(6, 9)  # a few fall short
        t = team(TeamKind.STATION_TEAM, s.jurisdiction, f"{s.name}救援队", s, size)
        if s.kind != StationKind.MICRO_FIRE and rng.random() < 0.05:
            short_roles[len(teams) - 1] = rng.choice([TeamRole.SAFETY_OFFICER, TeamRole.COMMUNICATOR])
        del t
    for community in context.communities:
        team(TeamKind.COMMUNITY_RESCUE, community, f"{community.name}应急救援队", None, rng.randint(15, 30))
    others = max(n_teams - len(teams), 0)
    kinds = [TeamKind.PROFESSIONAL] * 3 + [TeamKind.SOCIAL_FORCE] * 5 + [TeamKind.VOLUNTEER] * 10 + \
        [TeamKind.ENTERPRISE] * 6
    remaining = max(n_members - sum(team_sizes), 3 * others)
    for size in _split(remaining, others, rng, 3):
        kind = rng.choice(kinds)
        community = rng.choice(context.communities)
        suffix, prefixes = OTHER_TEAM_NAMES[kind]
        where = community.parent if kind in (TeamKind.PROFESSIONAL, TeamKind.SOCIAL_FORCE) else community
        team(kind, where, f"{where.name}{rng.choice(prefixes)}{suffix}", None, size)
    # Trim to the published total (the fixed teams may have overshot on a small scale).
    overshoot = sum(team_sizes) - n_members
    i = 0
    while overshoot > 0 and i < 100_000:
        j = i % len(team_sizes)
        if team_sizes[j] > 10 and teams[j].kind != TeamKind.STATION_TEAM:
            team_sizes[j] -= 1
            overshoot -= 1
        i += 1

    # -- vehicles and equipment
    kit: list[Equipment] = []

    def equipment(kind: str, owner_station: Station | None, owner_team: Team | None, jurisdiction: Any,
                  count: int, plate: bool = False) -> None:
        vehicle = kind in (EquipmentKind.PATROL_VEHICLE, EquipmentKind.RESCUE_VEHICLE, EquipmentKind.FIRE_ENGINE,
                           EquipmentKind.ELECTRIC_BIKE)
        interval = 180 if vehicle else 365
        # Most kit is maintained on time; a few items run a little overdue.
        last = today - datetime.timedelta(days=rng.randint(5, interval + 25))
        kit.append(Equipment(
            jurisdiction=jurisdiction, station=owner_station, team=owner_team, code=f"EQ{len(kit) + 1:06d}",
            name=KIT_NAMES[kind], kind=kind, count=count,
            plate_number=f"粤B{rng.choice('ADFG')}{rng.randrange(10**4):04d}" if plate else "",
            last_maintained_on=last, next_maintenance_on=last + datetime.timedelta(days=interval)))

    for s in stations:
        if s.kind == StationKind.MICRO_FIRE:
            equipment(EquipmentKind.ELECTRIC_BIKE, s, None, s.jurisdiction, rng.randint(1, 2))
            for kind in (EquipmentKind.FIRE_PUMP, EquipmentKind.PPE, EquipmentKind.FIRST_AID):
                equipment(kind, s, None, s.jurisdiction, rng.randint(1, 6))
            continue
        vehicles = 1 if rng.random() < 0.05 else 2
        equipment(EquipmentKind.PATROL_VEHICLE, s, None, s.jurisdiction, 1, plate=True)
        if vehicles == 2:
            equipment(rng.choice([EquipmentKind.RESCUE_VEHICLE, EquipmentKind.ELECTRIC_BIKE]), s, None,
                      s.jurisdiction, 1, plate=True)
        for kind in rng.sample(STATION_KIT, rng.randint(4, 7)):
            equipment(kind, s, None, s.jurisdiction, rng.randint(1, 12))
    for t in teams:
        if t.kind == TeamKind.COMMUNITY_RESCUE:
            for kind in rng.sample([EquipmentKind.DRAINAGE_PUMP, EquipmentKind.CHAINSAW, EquipmentKind.LIGHTING], 2):
                equipment(kind, None, t, t.jurisdiction, rng.randint(1, 4))

    # -- experts: the district expert group, every field
    district = context.districts[0]
    experts = []
    per_field = 3 if context.scale != "small" else 1
    for field in ExpertField.values:
        for _ in range(per_field):
            experts.append(Expert(
                jurisdiction=district, code=f"EX{len(experts) + 1:04d}", name=_person(rng), field=field,
                organisation=rng.choice(ORGANISATIONS), title=rng.choice(TITLES), phone=_phone(rng),
                available=rng.random() > 0.15))

    # -- facilities
    facilities: list[Facility] = []

    def facility(kind: str, jurisdiction: Any, name: str, **extra: Any) -> None:
        lon, lat = places.point(jurisdiction)
        status = FacilityStatus.IN_SERVICE if rng.random() > 0.05 else FacilityStatus.UNDER_REPAIR
        facilities.append(Facility(jurisdiction=jurisdiction, code=f"FA{len(facilities) + 1:06d}", name=name,
                                   kind=kind, status=status, lon=lon, lat=lat,
                                   address=f"{rng.choice(ROADS)}{rng.randint(1, 300)}号", **extra))

    for community in context.communities:
        for n in range(rng.randint(2, 3)):
            capacity = rng.choice([200, 500, 800, 1500, 3000, 5000])
            facility(FacilityKind.SHELTER, community, f"{community.name}应急避难场所{n + 1}", capacity=capacity,
                     area_m2=capacity * rng.randint(2, 4),
                     supplies_on_site="、".join(rng.sample(SUPPLIES, rng.randint(3, 6))))
        for n in range(6):
            facility(FacilityKind.HYDRANT, community, f"{community.name}市政消火栓{n + 1:02d}")
        for n in range(3):
            facility(FacilityKind.AED, community, f"{community.name}公共AED{n + 1}")
        if rng.random() < 0.5:
            facility(FacilityKind.WATER_INTAKE, community, f"{community.name}消防取水点")
    for street in context.streets:
        if street.code in by_street and rng.random() < 0.6:
            facility(FacilityKind.HELIPAD, rng.choice(by_street[street.code]), f"{street.name}直升机临时起降点",
                     area_m2=rng.choice([900, 1200, 1600]))

    # Members first: the captain becomes the team's contact. Foreign keys to
    # rows created just before are filled in by bulk_create from the instances.
    members, certificates = _members(teams, team_sizes, short_roles, rng, today)
    with transaction.atomic():
        Station.objects.bulk_create(stations, batch_size=500)
        Team.objects.bulk_create(teams, batch_size=500)
        member_ids = _fast_insert(Member, ["team", "name", "phone", "id_number", "team_role", "skills",
                                           "training_hours", "on_duty"],
                                  [(teams[m.team].pk, m.name, m.phone, m.id_number, m.role, m.skills, m.hours,
                                    m.on_duty) for m in members])
        _fast_insert(MemberCertificate, ["member", "kind", "number", "issued_on", "expires_on"],
                     [(member_ids[c[0]], *c[1:]) for c in certificates])
        Equipment.objects.bulk_create(kit, batch_size=1000)
        Expert.objects.bulk_create(experts)
        Facility.objects.bulk_create(facilities, batch_size=1000)
        responders = _link_responders(context, teams, members, member_ids)
    context.extra.update(stations=stations, teams=teams, responders=responders)
    context.say(f"  {len(stations)} stations, {len(teams)} teams, {len(members)} members, "
                f"{len(certificates)} certificates, {len(kit)} equipment rows, {len(experts)} experts, "
                f"{len(facilities)} facilities")


@dataclass
class _Person:
    team: int  # index into the teams list
    name: str
    phone: str
    id_number: str
    role: str
    skills: list[str]
    hours: int
    on_duty: bool


def _members(teams: list[Team], sizes: list[int], short_roles: dict[int, str], rng: random.Random,
             today: datetime.date) -> tuple[list[_Person], list[tuple[Any, ...]]]:
    """Members of every team (leaders first) and their certificates as (member index, kind, number, issued, expires)."""
    members: list[_Person] = []
    certificates: list[tuple[Any, ...]] = []
    leaders = [TeamRole.CAPTAIN, TeamRole.VICE_CAPTAIN, TeamRole.COMMUNICATOR, TeamRole.SAFETY_OFFICER]
    for index, (t, size) in enumerate(zip(teams, sizes, strict=True)):
        roles = [r for r in leaders if r != short_roles.get(index)]
        if t.kind == TeamKind.STATION_TEAM and t.station is not None and t.station.kind == StationKind.MICRO_FIRE:
            roles = [TeamRole.CAPTAIN, TeamRole.SAFETY_OFFICER]
        for n in range(size):
            role = roles[n] if n < len(roles) else TeamRole.MEMBER
            person = _Person(index, _person(rng), _phone(rng), _id_number(rng), role,
                             rng.sample(SKILLS, rng.randint(0, 3)), rng.randint(8, 60), rng.random() > 0.1)
            if role == TeamRole.CAPTAIN:
                t.contact_name, t.contact_phone = person.name, person.phone
            for kind, share in (("first_aid", 0.6), ("cpr_aed", 0.4), ("water_rescue", 0.08), ("driver", 0.1)):
                if rng.random() < share:
                    expires = today + datetime.timedelta(days=rng.randint(-15, 1400))
                    certificates.append((len(members), kind, f"{kind[:2].upper()}{rng.randrange(10**8):08d}",
                                         expires - datetime.timedelta(days=3 * 365), expires))
            members.append(person)
    return members, certificates


def _fast_insert(model: type[Any], names: list[str], rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert many rows with one executemany and return their ids in order.

    bulk_create spends most of its time preparing each value of each of ~20,000
    model instances; members and certificates are plain enough to prepare by
    column here (the demo runs alone, so the new ids are the ones above the old maximum).
    """
    fields = [model._meta.get_field(name) for name in names]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = [f.column for f in fields] + ["created_at", "updated_at"]
    prepare = []
    for f in fields:
        if isinstance(f, models.JSONField):
            prepare.append(lambda v, f=f: f.get_db_prep_save(v, connection))
        elif isinstance(f, models.DateField):
            prepare.append(connection.ops.adapt_datefield_value)
        else:
            prepare.append(None)
    values = [tuple(p(v) if p else v for p, v in zip(prepare, row, strict=True)) + (now, now) for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        table, ", ".join(connection.ops.quote_name(c) for c in columns), ", ".join(["%s"] * len(columns)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = cursor.fetchone()[0]
        for i in range(0, len(values), 2000):
            cursor.executemany(sql, values[i:i + 2000])
        cursor.execute(f"SELECT id FROM {table} WHERE id > %s ORDER BY id", [start])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != len(rows):
        raise RuntimeError(f"expected {len(rows)} new {model.__name__} rows, found {len(ids)}")
    return ids


def _link_responders(context: DemoContext, teams: list[Team], members: list[_Person],
                     member_ids: list[int]) -> list[str]:
    """The demo `responder` becomes a member of the first community's station team; a few more
    responder accounts captain other station teams of the first street, so call-outs reach real users."""
    first_street = context.communities[0].parent
    station_teams = [t for t in teams if t.kind == TeamKind.STATION_TEAM and t.station is not None
                     and t.station.kind != StationKind.MICRO_FIRE and t.jurisdiction.path.startswith(first_street.path)
                     and t.jurisdiction.level == "community"]
    if not station_teams:
        return []
    linked: list[str] = []
    responder = context.users.get("responder")
    first_team = next((t for t in station_teams if t.jurisdiction.code == context.communities[0].code),
                      station_teams[0])
    if responder is not None:
        first = teams.index(first_team)
        i = next(i for i, m in enumerate(members) if m.team == first and m.role == TeamRole.MEMBER)
        Member.objects.filter(pk=member_ids[i]).update(user=responder, name=responder.display_name or members[i].name,
                                                       phone=responder.phone or members[i].phone)
        linked.append(responder.username)
    password = responder.password if responder is not None else make_password(None)
    extra = [t for t in station_teams if t is not first_team][:5]
    new_users = []
    for i, t in enumerate(extra, start=2):
        index = teams.index(t)
        c = next(c for c, m in enumerate(members) if m.team == index and m.role == TeamRole.CAPTAIN)
        new_users.append((User(username=f"responder{i:02d}", display_name=members[c].name, phone=members[c].phone,
                               password=password), t, member_ids[c]))
    User.objects.bulk_create([u for u, _t, _m in new_users])
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u, _t, _m in new_users])}
    Membership.objects.bulk_create([Membership(user=by_name[u.username], jurisdiction=t.jurisdiction,
                                               role=Role.RESPONDER) for u, t, _m in new_users])
    for u, _t, captain_id in new_users:
        Member.objects.filter(pk=captain_id).update(user=by_name[u.username])
        context.users[u.username] = by_name[u.username]
        linked.append(u.username)
    if new_users:
        u, t, _m = new_users[0]
        context.accounts.append((str(Role.RESPONDER.label), u.username, t.jurisdiction.name))
    return linked


@demo_step(95, "gazetteer")
def build_gazetteer(context: DemoContext) -> None:
    """The gazetteer's table from the demo's roads and ledgers (after every step that adds places)."""
    rebuild()
