"""Demo step: approved plans for the district, every street and every community, each with a disposal
card (处置卡) for the common incident types — fire, flood and waterlogging, typhoon, elevator entrapment,
gas leak — and review dates spread over the coming year (a few already due, so the reminders show).
The volume rows are bulk-created as approved version 1 (their history says so); the open incidents of the
demo then get their checklists, as intake would have given them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from yingji.audit.context import acting_as
from yingji.core.demo import DemoContext, demo_step
from yingji.incidents.models import OPEN_STATUSES, Incident
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.plans import checklists, versions
from yingji.plans.models import CardStep, Plan, PlanKind, PlanStatus, PlanVersion, WhoKind
from yingji.plans.workflows import PLAN

R, K = WhoKind.ROLE, WhoKind.TEAM_KIND
# (title suffix, incident types, steps: (what, who kind, who, how, minutes))
CARDS: list[tuple[str, list[str], list[tuple[str, str, str, str, int | None]]]] = [
    ("火灾事故专项应急预案", ["21100", "21200", "21300"], [
        ("接报核实，报告值班领导", R, "community_staff", "电话核实起火位置、楼层、被困人员", 1),
        ("微型消防站出动，初期火灾扑救", K, "station_team", "携灭火器、水带赶赴现场，利用室内消火栓扑救", 3),
        ("组织楼内群众疏散", K, "community_rescue", "按疏散路线引导至安全区域，清点人数", 5),
        ("设置警戒，引导消防车辆", K, "volunteer", "清理消防通道，引导119车辆进场", 10),
        ("续报处置情况", R, "street_officer", "30分钟内向区应急管理局续报", 30)]),
    ("防汛防台风专项应急预案", ["11100", "11200", "12100", "12200"], [
        ("接收预警，启动应急响应", R, "street_officer", "按预警级别启动响应，通知各社区", 10),
        ("转移低洼地带和危房人员", K, "community_rescue", "按转移名单逐户通知，安置至避难场所", 60),
        ("封控下穿隧道、地下车库入口", K, "community_rescue", "设置沙袋、警示带，专人值守", 30),
        ("抽排积水", K, "professional", "调派水泵、发电机抽排", 60),
        ("巡查边坡、工地、广告牌", R, "grid_worker", "发现险情立即上报并设置警戒", 120)]),
    ("电梯困人专项应急预案", ["91200"], [
        ("安抚被困人员，了解人数和身体状况", R, "community_staff", "通过电梯对讲保持通话", 2),
        ("通知维保单位和服务站救援", K, "station_team", "维保单位30分钟内到场，服务站先行到场", 5),
        ("切断电源，手动盘车救援", K, "station_team", "确认轿厢位置后盘车平层开门", 15)]),
    ("燃气泄漏专项应急预案", ["21400"], [
        ("关闭燃气总阀，禁止明火和开关电器", R, "community_staff", "电话指导报警人，不得使用电器开关", 2),
        ("疏散周边群众，设置警戒区", K, "community_rescue", "警戒半径不少于50米", 5),
        ("通知燃气公司抢险", K, "professional", "燃气抢险队到场检测、堵漏", 15),
        ("通风检测，确认安全后解除警戒", K, "professional", "检测浓度低于爆炸下限20%", 60)]),
]


def _plans_for(j: Jurisdiction, rng: Any, today: datetime.date) -> list[Plan]:
    rows = []
    prefix = j.name
    comprehensive_types = sorted({t for _title, types, _steps in CARDS for t in types})
    rows.append(Plan(jurisdiction=j, title=f"{prefix}突发事件总体应急预案", kind=PlanKind.COMPREHENSIVE,
                     incident_types=[], version=1, status=PlanStatus.APPROVED,
                     review_due=today + datetime.timedelta(days=rng.randint(-20, 365)),
                     summary="辖区突发事件应对的总体安排：组织体系、预警、响应分级、保障措施。"))
    for title, types, _steps in CARDS:
        rows.append(Plan(jurisdiction=j, title=f"{prefix}{title}", kind=PlanKind.SPECIAL, incident_types=types,
                         version=1, status=PlanStatus.APPROVED,
                         review_due=today + datetime.timedelta(days=rng.randint(-20, 365)),
                         summary=f"适用于{prefix}辖区内的{title.removesuffix('专项应急预案')}事件。"))
    assert comprehensive_types  # the comprehensive plan covers no card of its own: the special ones do
    return rows


@demo_step(70, "plans")
def generate_plans(context: DemoContext) -> None:
    rng = context.sub_rng("plans")
    today = timezone.localdate()
    now = timezone.now()
    places = list(Jurisdiction.objects.filter(level__in=(Level.DISTRICT, Level.STREET, Level.COMMUNITY))
                  .order_by("path"))
    with acting_as(None, source="command"), transaction.atomic():
        plans = [p for j in places for p in _plans_for(j, rng, today)]
        for plan in plans:
            plan.approved_at = now - datetime.timedelta(days=rng.randint(30, 400))
        Plan.objects.bulk_create(plans)
        steps, snapshots = [], []
        cards = {f"{title}": card for title, _types, card in CARDS}
        for plan in plans:
            card = next((c for title, c in cards.items() if plan.title.endswith(title)), [])
            rows = [CardStep(plan=plan, order=n, what=what, who_kind=kind,
                             who_role=who if kind == R else "", who_team_kind=who if kind == K else "", how=how,
                             time_limit_minutes=minutes)
                    for n, (what, kind, who, how, minutes) in enumerate(card, start=1)]
            steps.extend(rows)
            snapshots.append(PlanVersion(
                plan=plan, version=1, title=plan.title, kind=plan.kind, incident_types=plan.incident_types,
                review_due=plan.review_due, summary=plan.summary, approved_at=plan.approved_at,
                steps=[{"order": s.order, "what": s.what, "who": s.who_label(), "how": s.how,
                        "time_limit_minutes": s.time_limit_minutes} for s in rows],
                changes=versions.diff(None, {}, [])))
        CardStep.objects.bulk_create(steps)
        PlanVersion.objects.bulk_create(snapshots)
        PLAN.start_many(plans, actor=None, note="演示数据：已审批的第 1 版", now=now)
        open_incidents = list(Incident.objects.filter(status__in=OPEN_STATUSES, checklist__isnull=True))
        items = checklists.open_checklists(open_incidents)
    context.say(f"  {len(plans)} approved plans with {len(steps)} card steps; {len(items)} checklist items on "
                f"{len(open_incidents)} open incidents")
