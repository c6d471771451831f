"""Demo steps: risk points of every category and grade on the roads (27); a year of patrols, hazards and
inspections with realistic closure times, some overdue (60).

Points are placed on road segments of the loaded network (beside the road, a
few metres off), so the map, patrol check-ins and travel times look real.
"""

from __future__ import annotations

import datetime
import math
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from yingji.accounts.models import Membership, User
from yingji.accounts.roles import Role
from yingji.core.demo import DemoContext, demo_step
from yingji.hazards.checklists import checklist
from yingji.hazards.models import (
    CheckIn,
    Hazard,
    HazardSeverity,
    HazardSource,
    HazardStatus,
    Inspection,
    InspectionResult,
    Inspector,
    PatrolFrequency,
    PatrolPlan,
    PatrolRecord,
    PatrolStop,
    RiskCategory,
    RiskGrade,
    RiskGrading,
    RiskPoint,
)
from yingji.hazards.models.hazard import new_reference
from yingji.hazards.services.inspections import week_start
from yingji.hazards.services.patrol import period_start
from yingji.jurisdictions.models import Jurisdiction
from yingji.routing.places import RoadSpots

NAMES = {
    RiskCategory.CROWDED_PLACE: ("购物广场", "农贸市场", "地铁站出入口"),
    RiskCategory.PUBLIC_GATHERING: ("影剧院", "体育馆", "KTV"),
    RiskCategory.FIRE_KEY_UNIT: ("医院", "养老院", "学校"),
    RiskCategory.OLD_RESIDENTIAL: ("老旧小区", "城中村", "旧住宅区"),
    RiskCategory.THREE_SMALL: ("小餐馆", "小作坊", "小网吧"),
    RiskCategory.SLOPE: ("边坡", "挡土墙", "山体"),
    RiskCategory.LOW_LYING: ("低洼易涝点", "下穿隧道", "地下车库"),
    RiskCategory.SMALL_WORKS: ("小散工程", "装修工地", "管网施工点"),
    RiskCategory.HAZMAT: ("加油站", "危化品仓库", "液化气供应站"),
    RiskCategory.GAS_PIPELINE: ("燃气调压站", "燃气管线", "燃气阀门井"),
    RiskCategory.EBIKE_CHARGING: ("电动自行车充电站", "集中充电棚", "电池换电柜"),
    RiskCategory.SELF_BUILT_HOUSE: ("自建房", "出租屋", "农民房"),
    RiskCategory.INDUSTRIAL_PARK: ("工业园", "产业园", "物流园"),
    RiskCategory.OTHER: ("广告牌", "行道树", "临时建筑"),
}
AREA_CATEGORIES = {RiskCategory.SLOPE, RiskCategory.LOW_LYING, RiskCategory.OLD_RESIDENTIAL,
                   RiskCategory.INDUSTRIAL_PARK}
GRADE_WEIGHTS = {RiskGrade.RED: 0.06, RiskGrade.ORANGE: 0.16, RiskGrade.YELLOW: 0.34, RiskGrade.BLUE: 0.44}
UNITS = ("物业服务中心", "业主委员会", "经营单位", "施工单位", "管理处")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
MEASURES = ("每日巡查，设置警示标志", "落实专人管理，配齐灭火器材", "雨季前清淤，备足沙袋和水泵",
            "安装监测设备，定期委托检测", "张贴安全告知书，开展员工培训")
HAZARD_TITLES = {
    RiskCategory.OLD_RESIDENTIAL: ("楼道堆放杂物", "消防通道被占用", "电线私拉乱接"),
    RiskCategory.EBIKE_CHARGING: ("电动车楼道内充电", "飞线充电", "充电桩无断电保护"),
    RiskCategory.THREE_SMALL: ("店内住人", "灭火器过期", "违规使用液化气"),
    RiskCategory.SLOPE: ("坡面出现裂缝", "排水沟堵塞", "挡土墙鼓胀"),
    RiskCategory.LOW_LYING: ("雨水箅子堵塞", "泵站故障", "警示牌缺失"),
    RiskCategory.SMALL_WORKS: ("未设置围挡", "高处作业无安全带", "动火作业无审批"),
    RiskCategory.CROWDED_PLACE: ("安全出口锁闭", "疏散指示损坏", "应急照明不亮"),
}
OTHER_TITLES = ("消防设施损坏", "安全出口堵塞", "警示标志缺失", "违规动火", "设备老化")
# Days to close by severity (median) as the demo draws them; about 8 % run past the deadline.
CLOSE_MEDIAN_DAYS = {HazardSeverity.MAJOR: 2.0, HazardSeverity.GENERAL: 4.0, HazardSeverity.MINOR: 6.0}


def _square(lon: float, lat: float, metres: float) -> dict[str, Any]:
    d_lat = metres / 111_000
    d_lon = metres / (111_000 * math.cos(math.radians(lat)))
    ring = [[lon - d_lon, lat - d_lat], [lon + d_lon, lat - d_lat], [lon + d_lon, lat + d_lat],
            [lon - d_lon, lat + d_lat], [lon - d_lon, lat - d_lat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(SURNAMES) + rng.choice("建国志强秀英丽华明军海燕伟芳"), f"13{rng.randint(100000000, 999999999)}"


@demo_step(27, "risk points")
def generate_risk_points(context: DemoContext) -> None:
    rng = context.sub_rng("hazards-risk-points")
    spots = RoadSpots(context.extra.get("road_network"))
    categories = list(RiskCategory)
    grades, weights = list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values())
    today = timezone.localdate()
    points: list[RiskPoint] = []
    turn = 0
    for community in context.communities:
        if not community.boundary:
            continue
        stem = community.name.removesuffix("社区")
        places = spots.inside(community.boundary, rng.randint(4, 8), rng)
        for i, (lon, lat) in enumerate(places, start=1):
            category = categories[turn % len(categories)]  # every category in every demo
            grade = grades[turn % 4] if turn < 4 else rng.choices(grades, weights)[0]
            turn += 1
            person, phone = _person(rng)
            points.append(RiskPoint(
                jurisdiction=community, code=f"RP{community.code}{i:02d}", category=category, grade=grade,
                name=f"{stem}{rng.choice(NAMES[category])}{i}", lon=lon, lat=lat,
                area=_square(lon, lat, rng.uniform(40, 120)) if category in AREA_CATEGORIES else None,
                address=f"{community.name}{rng.randint(1, 200)}号",
                responsible_unit=f"{stem}{rng.choice(UNITS)}", responsible_person=person, responsible_phone=phone,
                control_measures=rng.choice(MEASURES),
                review_date=today + datetime.timedelta(days=rng.randint(-20, 180))))
    with transaction.atomic():
        RiskPoint.objects.bulk_create(points, batch_size=1000)
        saved = RiskPoint.objects.filter(code__in=[p.code for p in points]).values_list("pk", "grade")
        start = timezone.now() - datetime.timedelta(days=400)
        RiskGrading.objects.bulk_create([RiskGrading(risk_point_id=pk, at=start, grade_to=grade, reason="年度评估")
                                         for pk, grade in saved], batch_size=1000)
    context.extra["risk_points"] = points
    context.say(f"  {len(points)} risk points in {len({p.category for p in points})} categories and "
                f"{len({p.grade for p in points})} grades, beside the roads")


# ---------------------------------------------------------------- a year of work
def _unit_contacts() -> dict[int, User]:
    """The responsible-unit contact of each community (dw001…, made with the demo accounts)."""
    return {m.jurisdiction_id: m.user for m in
            Membership.objects.filter(role=Role.UNIT_CONTACT).select_related("user")}


@demo_step(60, "patrols, hazards and inspections")
def generate_year(context: DemoContext) -> None:
    rng = context.sub_rng("hazards-year")
    now = timezone.now()
    today = timezone.localdate()
    points: list[RiskPoint] = list(RiskPoint.objects.select_related("jurisdiction").order_by("code"))
    if not points:
        return
    with transaction.atomic():
        contacts = _unit_contacts()
        by_community: dict[int, list[RiskPoint]] = {}
        for p in points:
            by_community.setdefault(p.jurisdiction_id, []).append(p)
        workers = {m.jurisdiction_id: m.user for m in
                   Membership.objects.filter(role=Role.GRID_WORKER).select_related("user")}
        staff = {m.jurisdiction_id: m.user for m in
                 Membership.objects.filter(role=Role.COMMUNITY_STAFF).select_related("user")}
        # Patrol plans: each grid walks its community's points, weekly (daily where a point is red).
        plans: list[tuple[PatrolPlan, list[RiskPoint]]] = []
        for grid in context.grids:
            mine = by_community.get(grid.parent_id, [])
            if not mine:
                continue
            route = rng.sample(mine, min(len(mine), rng.randint(3, 5)))
            daily = any(p.grade == RiskGrade.RED for p in route)
            plans.append((PatrolPlan(jurisdiction=grid, name=f"{grid.name}{'日常' if daily else '每周'}巡查",
                                     worker=workers.get(grid.pk), tolerance_m=100,
                                     frequency=PatrolFrequency.DAILY if daily else PatrolFrequency.WEEKLY,
                                     starts_on=today - datetime.timedelta(days=365)), route))
        PatrolPlan.objects.bulk_create([p for p, _r in plans], batch_size=500)
        PatrolStop.objects.bulk_create([PatrolStop(plan=p, risk_point=rp, order=i)
                                        for p, route in plans for i, rp in enumerate(route)], batch_size=2000)
        records, check_ins = _patrols(plans, rng, now, today)
        hazards = _hazards(context, points, workers, staff, contacts, rng, now)
        inspectors, inspections = _inspections(context, points, rng, today)
    context.say(f"  {len(plans)} patrol plans, {records} patrols walked ({check_ins} check-ins), "
                f"{hazards} hazards, {inspectors} inspectors, {inspections} inspections")


def _patrols(plans: list[tuple[PatrolPlan, list[RiskPoint]]], rng: random.Random, now: datetime.datetime,
             today: datetime.date) -> tuple[int, int]:
    """Weekly plans for the whole year, daily plans for the last 30 days; about 6 % of periods missed."""
    records: list[PatrolRecord] = []
    stops: dict[int, list[RiskPoint]] = {}
    for plan, route in plans:
        stops[plan.pk] = route
        step = 1 if plan.frequency == PatrolFrequency.DAILY else 7
        first = today - datetime.timedelta(days=30 if step == 1 else 364)
        start = period_start(plan, first)
        while start < today:
            if rng.random() > 0.06:
                at = timezone.make_aware(datetime.datetime.combine(
                    start + datetime.timedelta(days=rng.randint(0, step - 1)), datetime.time(rng.randint(8, 16))))
                if at < now:
                    records.append(PatrolRecord(plan=plan, jurisdiction_id=plan.jurisdiction_id, period_start=start,
                                                worker_id=plan.worker_id, started_at=at,
                                                finished_at=at + datetime.timedelta(minutes=20 * len(route))))
            start += datetime.timedelta(days=step)
    PatrolRecord.objects.bulk_create(records, batch_size=2000)
    rows: list[CheckIn] = []
    answers_of: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        for i, point in enumerate(stops[record.plan_id]):
            if point.category not in answers_of:
                answers_of[point.category] = [{"key": q.key, "ok": True, "note": ""} for q in checklist(point.category)]
            d = rng.uniform(3, 60) / 111_000
            rows.append(CheckIn(record=record, risk_point=point, jurisdiction_id=record.jurisdiction_id,
                                at=record.started_at + datetime.timedelta(minutes=20 * i),
                                lon=point.lon + d, lat=point.lat, distance_m=round(d * 111_000 * 0.92, 1),
                                accuracy_m=round(rng.uniform(5, 30), 1), answers=answers_of[point.category]))
    CheckIn.objects.bulk_create(rows, batch_size=5000)
    return len(records), len(rows)


def _hazards(context: DemoContext, points: list[RiskPoint], workers: dict[int, User], staff: dict[int, User],
             contacts: dict[int, User], rng: random.Random, now: datetime.datetime) -> int:
    from django.conf import settings

    grids_of: dict[int, list[Jurisdiction]] = {}
    for grid in context.grids:
        grids_of.setdefault(grid.parent_id, []).append(grid)
    sources = [HazardSource.GRID_WORKER] * 45 + [HazardSource.PATROL] * 25 + [HazardSource.PUBLIC] * 12 + \
        [HazardSource.INSPECTION] * 10 + [HazardSource.STATION] * 5 + [HazardSource.IOT] * 3
    severities = [HazardSeverity.MINOR] * 50 + [HazardSeverity.GENERAL] * 42 + [HazardSeverity.MAJOR] * 8
    rows: list[Hazard] = []
    used: set[str] = set()
    for point in points:
        n = {RiskGrade.RED: 14, RiskGrade.ORANGE: 9, RiskGrade.YELLOW: 5, RiskGrade.BLUE: 2}[point.grade]
        for _i in range(rng.randint(n // 2, n)):
            reported = now - datetime.timedelta(days=rng.uniform(0, 365), hours=rng.uniform(0, 10))
            severity = rng.choice(severities)
            source = rng.choice(sources)
            grid = rng.choice(grids_of.get(point.jurisdiction_id) or [point.jurisdiction])
            reporter = workers.get(grid.pk) if source in (HazardSource.GRID_WORKER, HazardSource.PATROL) else None
            officer = staff.get(point.jurisdiction_id)
            contact = contacts.get(point.jurisdiction_id)
            days = settings.YINGJI_HAZARD_DEADLINE_DAYS[severity]
            assigned = reported + datetime.timedelta(hours=rng.uniform(0.5, 20))
            deadline = assigned + datetime.timedelta(days=days)
            close_days = rng.lognormvariate(math.log(CLOSE_MEDIAN_DAYS[severity]), 0.6)
            rectified = assigned + datetime.timedelta(days=close_days)
            closed = rectified + datetime.timedelta(hours=rng.uniform(2, 30))
            status = HazardStatus.CLOSED
            if rectified > now:
                status = HazardStatus.RECTIFYING if rng.random() < 0.7 else HazardStatus.ASSIGNED
            elif closed > now:
                status = HazardStatus.RECHECKING
            if assigned > now:
                status = HazardStatus.REPORTED
            if rng.random() < 0.02 and status == HazardStatus.CLOSED:
                status = HazardStatus.DISMISSED
            title = rng.choice(HAZARD_TITLES.get(point.category, OTHER_TITLES))
            reference = new_reference(timezone.localdate(reported))
            while reference in used:
                reference = new_reference(timezone.localdate(reported))
            used.add(reference)
            hazard = Hazard(
                jurisdiction=grid, reference=reference, title=title, category=point.category, severity=severity,
                source=source, status=status, risk_point=point,
                lon=round(point.lon + rng.uniform(-0.0002, 0.0002), 6),
                lat=round(point.lat + rng.uniform(-0.0002, 0.0002), 6), address=point.address,
                reported_at=reported, reported_by=reporter,
                reporter_name=str(reporter) if reporter else ("市民" if source == HazardSource.PUBLIC else ""),
                reporter_phone=f"13{rng.randint(100000000, 999999999)}" if source == HazardSource.PUBLIC else "")
            if status != HazardStatus.REPORTED and status != HazardStatus.DISMISSED:
                hazard.responsible_unit = point.responsible_unit
                hazard.assignee = contact
                hazard.assigned_at = assigned
                hazard.deadline = deadline
                hazard.escalate_at = deadline if status in (HazardStatus.ASSIGNED, HazardStatus.RECTIFYING) else None
            if status in (HazardStatus.RECHECKING, HazardStatus.CLOSED):
                hazard.rectified_by, hazard.rectified_at = contact, rectified
                hazard.rectification = "已整改完毕，现场照片已上传"
            if status == HazardStatus.CLOSED:
                hazard.rechecked_by = reporter or officer
                hazard.closed_at = closed
            if status == HazardStatus.DISMISSED:
                hazard.closed_at = assigned
            rows.append(hazard)
    Hazard.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _inspections(context: DemoContext, points: list[RiskPoint], rng: random.Random,
                 today: datetime.date) -> tuple[int, int]:
    """Each street: 6-10 inspectors, most certified; about one inspection a week each, a few weeks skipped."""
    inspectors: list[Inspector] = []
    for s, street in enumerate(context.streets, start=1):
        for i in range(rng.randint(6, 10)):
            certified = rng.random() < 0.7
            name, _phone = _person(rng)
            inspectors.append(Inspector(
                jurisdiction=street, name=name, staff_number=f"ZF{street.code[-6:]}{s:02d}{i:02d}",
                certificate_number=f"粤执{rng.randint(1000000, 9999999)}" if certified else "",
                certificate_issuer="深圳市人民政府" if certified else "",
                certificate_valid_until=today + datetime.timedelta(days=rng.randint(-30, 900)) if certified else None))
    Inspector.objects.bulk_create(inspectors, batch_size=500)
    points_of: dict[str, list[RiskPoint]] = {}
    for p in points:
        points_of.setdefault(p.jurisdiction.path.rsplit("/", 2)[0] + "/", []).append(p)
    streets = {s.pk: s for s in context.streets}
    rows: list[Inspection] = []
    for inspector in inspectors:
        street = streets[inspector.jurisdiction_id]
        places = points_of.get(street.path) or []
        if not places:
            continue
        monday = week_start(today) - datetime.timedelta(weeks=52)
        while monday <= today:
            for _k in range(0 if rng.random() < 0.1 else rng.randint(1, 2)):
                day = monday + datetime.timedelta(days=rng.randint(0, 4))
                if day > today:
                    continue
                point = rng.choice(places)
                found = rng.random() < 0.25
                rows.append(Inspection(jurisdiction=point.jurisdiction, inspector=inspector, place=point.name,
                                       risk_point=point, inspected_on=day,
                                       result=InspectionResult.HAZARDS if found else InspectionResult.PASSED,
                                       findings="发现安全隐患，已责令整改" if found else "未发现问题"))
            monday += datetime.timedelta(weeks=1)
    Inspection.objects.bulk_create(rows, batch_size=2000)
    return len(inspectors), len(rows)
