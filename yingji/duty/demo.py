"""Demo step: 24-hour duty at every command centre of the district — this month's and next month's rosters,
holidays, a reinforced-duty spell, the handovers and the duty log of the days gone by, and daily reports.

The district and its streets keep day and night shifts (08:00–20:00, 20:00–08:00) with four crews;
communities with three. Duty staff get accounts (the existing street and community accounts stand
duty too, so `jd01` and `sq001` find themselves on the roster). Past shifts were taken over and
mostly handed over — about one in twelve left no notes, so the flag shows. Everything derives from
the seed; rosters go through the roster services, the volume rows (log, handovers) are bulk-created.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from yingji.accounts.models import Membership, User
from yingji.accounts.roles import Role
from yingji.audit.context import acting_as
from yingji.core.demo import DEMO_PASSWORD, DemoContext, demo_step
from yingji.duty import times
from yingji.duty.models import DailyReport, EntryKind, Handover, Holiday, LogEntry, Shift, ShiftKind
from yingji.duty.services import reports, rosters
from yingji.incidents.models import Incident

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢"
GIVEN = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 明 超 秀英 华 平 刚 桂英 建华 志强 海燕 晓东 文 斌 宇 浩 婷 "
         "建国 卫东 红梅 振华 立新 国庆 晓燕 春生 永平 志刚 秋菊 冬梅 淑芬 雪 鹏 晨 悦 欣怡 子涵 一鸣").split()
DAY_NIGHT = [{"label": "白班", "start": "08:00", "end": "20:00"}, {"label": "夜班", "start": "20:00", "end": "08:00"}]
HOLIDAY_SLOT = [{"label": "节假日带班", "start": "08:00", "end": "08:00"}]
# Fixed-date public holidays; the lunar ones (Spring Festival, Qingming, Dragon Boat, Mid-Autumn) follow the
# State Council's notice of each year and are entered on the holidays page.
FIXED_HOLIDAYS = [((1, 1), "元旦"), *[((5, d), "劳动节") for d in range(1, 6)], *[((10, d), "国庆节") for d in range(1, 8)]]
LOG_TEXT = {
    EntryKind.CALL: ["居民来电反映{b}栋楼道有烟味，已通知网格员核实", "群众来电咨询{b}栋停水时间，已答复", "物业来电报告{b}栋电梯故障，已通知维保单位",
                     "来电反映{b}号路段积水约{n}0厘米，已通知排水队", "12345转办：{b}栋噪音扰民，已转社区处理"],
    EntryKind.INSTRUCTION: ["区应急管理局通知：做好寒潮天气防御工作", "上级指示：加强节日期间值班值守，严格执行领导带班制度",
                            "街道主要领导批示：{b}栋火情后续做好安置和回访", "区三防指挥部通知：请各单位检查应急物资储备"],
    EntryKind.VISIT: ["街道检查组到值班室检查值班值守情况", "社区开展{b}栋消防安全巡查，发现隐患{n}处已登记",
                      "对{b}栋独居老人开展入户走访", "陪同消防站开展三小场所检查"],
    EntryKind.EVENT: ["{b}栋发生电动车起火，已扑灭，无人员伤亡", "{b}号路段树木倒伏，已清理", "{b}栋电梯困人，{n}人已解救",
                      "{b}栋地下室水浸，已抽排"],
    EntryKind.OTHER: ["值班电话、视频会议系统测试正常", "应急物资仓库盘点完成", "交接值班车辆钥匙和对讲机{n}台"],
}
LOG_MIX = [(EntryKind.CALL, 45), (EntryKind.INSTRUCTION, 12), (EntryKind.VISIT, 15), (EntryKind.EVENT, 10),
           (EntryKind.OTHER, 18)]
HANDOVER_TEXT = ["本班值班期间辖区总体平稳。{extra}", "本班接报{n}起，均已处置完毕。{extra}", "值班设备运行正常。{extra}"]
HANDOVER_EXTRA = ["{b}栋漏水待物业明日维修，请跟进。", "{b}栋独居老人需回访。", "上级通知的物资盘点需在明日12时前上报。", ""]


def _names(rng: random.Random) -> Any:
    used: set[str] = set()
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            yield name


def _staff(context: DemoContext, rng: random.Random) -> dict[int, list[User]]:
    """Duty staff per command centre: four for the district and each street, three per community."""
    password = make_password(DEMO_PASSWORD)
    names = _names(rng)
    plan: list[tuple[User, str, Any]] = []
    district = context.districts[0]
    posts = [(district, Role.DISTRICT_ADMIN, 4, "qz")] + \
        [(s, Role.STREET_OFFICER, 4, f"jd{i:02d}z") for i, s in enumerate(context.streets, start=1)] + \
        [(c, Role.COMMUNITY_STAFF, 3, f"sq{i:03d}z") for i, c in enumerate(context.communities, start=1)]
    for place, role, count, stem in posts:
        for n in range(1, count + 1):
            user = User(username=f"{stem}{n}", display_name=next(names), password=password,
                        phone=f"13{rng.randint(100000000, 999999999)}")
            plan.append((user, role, place))
    with transaction.atomic():
        User.objects.bulk_create([u for u, _r, _p in plan], batch_size=500)
        Membership.objects.bulk_create([Membership(user=u, role=r, jurisdiction=p) for u, r, p in plan],
                                       batch_size=1000)
    staff: dict[int, list[User]] = {}
    for user, _role, place in plan:
        staff.setdefault(place.pk, []).append(user)
    # The accounts of the demo stand duty too: jd01 in its street, sq001 in its community.
    for i, street in enumerate(context.streets, start=1):
        if f"jd{i:02d}" in context.users:
            staff[street.pk].insert(0, context.users[f"jd{i:02d}"])
    for i, community in enumerate(context.communities, start=1):
        if f"sq{i:03d}" in context.users:
            staff[community.pk].insert(0, context.users[f"sq{i:03d}"])
    return staff


def _crews(people: list[User], n: int) -> list[dict[str, Any]]:
    """n crews: a leader each, the others spread as members."""
    leaders, others = people[:n], people[n:]
    return [{"leader": leader.pk, "members": [o.pk for k, o in enumerate(others) if k % n == i]}
            for i, leader in enumerate(leaders)]


def _month_after(day: datetime.date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


@demo_step(60, "duty")
def generate_duty(context: DemoContext) -> None:
    rng = context.sub_rng("duty")
    if not context.districts:
        return
    district = context.districts[0]
    admin = context.users.get("admin")
    now = timezone.now()
    today = times.local_day(now)
    staff = _staff(context, rng)
    with acting_as(admin, source="command"):
        for year in (today.year, today.year + 1):
            for (month, day), name in FIXED_HOLIDAYS:
                Holiday.objects.get_or_create(jurisdiction=district, day=datetime.date(year, month, day),
                                              defaults={"name": name})
        posts = [district, *context.streets, *context.communities]
        months = [(today.year, today.month), _month_after(today)]
        made = 0
        for post in posts:
            people = staff[post.pk]
            crews = 4 if post.level != "community" else 3
            holiday = post.level != "community"
            pattern = rosters.save_pattern(
                actor=admin, jurisdiction=post, name="两班倒", slots=DAY_NIGHT, crews=_crews(people, crews),
                holiday_slots=HOLIDAY_SLOT if holiday else [],
                holiday_crews=[{"leader": p.pk, "members": []} for p in people[:2]] if holiday else [])
            for year, month in months:
                made += len(rosters.generate_month(pattern, year, month, actor=admin, now=now).created)
        # A cold wave (winter) or a typhoon (summer): reinforced night duty in two streets for three nights.
        reason = "台风“海葵”加强值守" if 5 <= today.month <= 10 else "寒潮加强值守"
        for street in context.streets[:2]:
            first = max(today, times.month_days(today.year, today.month)[0]) + datetime.timedelta(days=2)
            leader = staff[street.pk][1]
            shifts = rosters.add_extra_shifts(
                actor=admin, jurisdiction=street, kind=ShiftKind.REINFORCED, first_day=first,
                last_day=first + datetime.timedelta(days=2), start=datetime.time(18), end=datetime.time(8),
                label="加强值守", leader=leader, members=staff[street.pk][2:3], note=reason, now=now)
            made += len(shifts)
    past = _history(context, rng, staff, now)
    compiled = _reports(context, admin, staff, today, now)
    upward_done = _reports_up(context, admin, now)
    swapped = _swaps(context, rng, staff, now)
    context.say(f"  {made} shifts in {len(posts)} command centres, {past['handovers']} handovers "
                f"({past['missing']} missing), {past['entries']} duty log entries, {compiled} daily reports, "
                f"{upward_done} incident reports, {swapped} shift swaps")


def _history(context: DemoContext, rng: random.Random, staff: dict[int, list[User]],
             now: datetime.datetime) -> dict[str, int]:
    """What the days gone by of this month left: take-overs, handover notes, the duty log."""
    shifts = list(Shift.objects.filter(starts_at__lte=now, kind=ShiftKind.REGULAR).order_by("jurisdiction_id",
                                                                                              "starts_at"))
    by_place: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_place.setdefault(shift.jurisdiction_id, []).append(shift)
    handovers: list[Handover] = []
    taken: list[Shift] = []
    for place_shifts in by_place.values():
        for before, after in zip(place_shifts, place_shifts[1:], strict=False):
            after.taken_over_at = after.starts_at - datetime.timedelta(minutes=rng.randint(2, 15))
            after.taken_over_by_id = after.leader_id
            taken.append(after)
            if rng.random() < 0.08:
                continue  # no notes: the roster flags this shift
            text = rng.choice(HANDOVER_TEXT).format(n=rng.randint(0, 4), extra=rng.choice(HANDOVER_EXTRA).format(
                b=rng.randint(1, 30)))
            handovers.append(Handover(shift=before, notes=text, written_by_id=before.leader_id,
                                      written_at=before.ends_at - datetime.timedelta(minutes=rng.randint(5, 30)),
                                      acknowledged_by_id=after.leader_id, acknowledged_at=after.taken_over_at,
                                      acknowledged_in=after))
    incident_type = ContentType.objects.get_for_model(Incident)
    incidents: dict[tuple[str, datetime.date], list[Incident]] = {}
    month_start = times.day_bounds(times.month_days(now.year, now.month)[0])[0]
    for incident in Incident.objects.filter(received_at__gte=month_start, received_at__lte=now).select_related(
            "jurisdiction"):
        for code in incident.jurisdiction.ancestor_codes:
            incidents.setdefault((code, times.local_day(incident.received_at)), []).append(incident)
    entries: list[LogEntry] = []
    names = {u.pk: str(u) for people in staff.values() for u in people}
    places = {p.pk: p for p in [*context.districts, *context.streets, *context.communities]}
    for place_id, place_shifts in by_place.items():
        place = places[place_id]
        per_shift = (2, 5) if place.level != "community" else (0, 2)
        for shift in place_shifts:
            end = min(shift.ends_at, now)
            for _ in range(rng.randint(*per_shift)):
                at = shift.starts_at + (end - shift.starts_at) * rng.random()
                kind = rng.choices([k for k, _w in LOG_MIX], weights=[w for _k, w in LOG_MIX])[0]
                text = rng.choice(LOG_TEXT[kind]).format(b=rng.randint(1, 30), n=rng.randint(1, 5))
                entry = LogEntry(jurisdiction_id=place_id, shift=shift, at=at, kind=kind, summary=text,
                                 author_id=shift.leader_id, author_name=names.get(shift.leader_id, ""))
                about = incidents.get((place.code, times.local_day(at)), [])
                if kind == EntryKind.EVENT and about:
                    incident = rng.choice(about)
                    entry.summary = f"接报{incident.type_label}（{incident.address}），已调度处置"
                    entry.subject_type, entry.subject_id, entry.subject_label = incident_type, incident.pk, \
                        str(incident)[:200]
                entries.append(entry)
    with transaction.atomic():
        Shift.objects.bulk_update(taken, ["taken_over_at", "taken_over_by"], batch_size=1000)
        Handover.objects.bulk_create(handovers, batch_size=1000)
        LogEntry.objects.bulk_create(entries, batch_size=2000)
    return {"handovers": len(handovers), "missing": len(taken) - len(handovers), "entries": len(entries)}


def _reports(context: DemoContext, admin: Any, staff: dict[int, list[User]], today: datetime.date,
             now: datetime.datetime) -> int:
    """Daily reports: communities and streets for the last three days, the district for the last week. The
    communities' went up: reviewed by a second officer, submitted, received by the street (yesterday's are
    still waiting in the streets' queues, one was returned)."""
    count = 0
    days = [d for d in times.month_days(today.year, today.month) if d < today]
    with acting_as(admin, source="command"):
        for day in days[-3:]:
            for place in [*context.communities, *context.streets]:
                people = staff[place.pk]
                report = reports.compile_report(actor=people[0], jurisdiction=place, day=day, now=now)
                count += 1
                if place.level != "community":
                    continue
                reports.step(report, "review", actor=people[1], now=now)
                reports.step(report, "submit", actor=people[0], now=now)
                if day != days[-1]:
                    reports.step(report, "receive", actor=staff[place.parent_id][0], now=now)
        if days:
            waiting = DailyReport.objects.filter(day=days[-1], status="submitted").order_by("pk").first()
            if waiting is not None:
                reports.step(waiting, "return", actor=staff[waiting.jurisdiction.parent_id][0],
                             note="请补充夜间巡查情况后重新上报", now=now)
        for day in days[-7:]:
            reports.compile_report(actor=admin, jurisdiction=context.districts[0], day=day,
                                   summary="全区值班值守正常，各街道、社区均按要求落实24小时值班和领导带班制度。", now=now)
            count += 1
    return count


def _reports_up(context: DemoContext, admin: Any, now: datetime.datetime) -> int:
    """The last two days' incidents: assigned, their first reports submitted (a few late) and received,
    final reports for the closed ones; today's open incidents wait for the duty job."""
    from yingji.duty.services import upward

    since = now - datetime.timedelta(days=2)
    count = 0
    with acting_as(admin, source="command"):
        for incident in Incident.objects.filter(received_at__gte=since, received_at__lt=now - datetime.timedelta(
                hours=1)).select_related("jurisdiction").order_by("received_at"):
            upward.assign(incident, now=incident.received_at + datetime.timedelta(seconds=8))
            first = upward.draft_first_report(incident, now=incident.received_at + datetime.timedelta(seconds=8))
            if first is None:
                continue
            late = incident.pk % 9 == 0
            submitted = incident.received_at + datetime.timedelta(minutes=41 if late else 18)
            upward.step(first, "submit", actor=admin, now=submitted)
            upward.step(first, "receive", actor=admin, now=submitted + datetime.timedelta(minutes=5))
            count += 1
            if incident.status == "closed" and incident.closed_at and incident.closed_at < now:
                final = upward.draft_final_report(incident, now=incident.closed_at + datetime.timedelta(minutes=2))
                if final is not None:
                    upward.step(final, "submit", actor=admin, now=incident.closed_at + datetime.timedelta(minutes=30))
    return count


def _swaps(context: DemoContext, rng: random.Random, staff: dict[int, list[User]], now: datetime.datetime) -> int:
    """A few swaps in the first street's communities: one asked, one agreed, one approved."""
    from yingji.duty.services import swaps

    made = 0
    with acting_as(context.users.get("admin"), source="command"):
        for community, step in zip(context.communities[:3], [None, "agree", "approve"], strict=False):
            shift = (Shift.objects.filter(jurisdiction=community, kind=ShiftKind.REGULAR,
                                          starts_at__gt=now + datetime.timedelta(days=1))
                     .order_by("starts_at").first())
            if shift is None:
                continue
            on_it = {shift.leader_id, *shift.staff.values_list("user_id", flat=True)}
            replacement = next((u for u in staff[community.pk] if u.pk not in on_it), None)
            if replacement is None:
                continue
            swap = swaps.request_swap(shift, actor=shift.leader, replacement=replacement, reason="家中老人住院需陪护",
                                      now=now)
            if step in ("agree", "approve"):
                swaps.step(swap, "agree", actor=replacement, now=now)
            if step == "approve":
                swaps.step(swap, "approve", actor=context.users.get("admin"), now=now)
            made += 1
    return made
