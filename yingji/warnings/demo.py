"""Demo warnings: a few of the past season (a typhoon lifted, rainstorms and heat expired) and one in force."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from yingji.accounts.models import User
from yingji.audit.context import acting_as
from yingji.core.demo import DemoContext, demo_step
from yingji.messaging import services as messaging
from yingji.messaging.models import Delivery
from yingji.warnings import services
from yingji.warnings.models import EarlyWarning

PAST = [
    # days ago, hours it held, hazard, level, headline, instruction
    (40, 10, "high_temperature", "yellow", "福田区发布高温黄色预警", "午间减少户外作业，注意防暑降温，关心独居老人。"),
    (21, 6, "rainstorm", "orange", "福田区发布暴雨橙色预警", "停止户外作业，远离低洼地带和地下空间，注意防范城市内涝。"),
    (9, 4, "thunder", "yellow", "福田区发布雷电黄色预警", "留在室内，远离空旷地带和高大金属物体。"),
]


def _box(j: object, shrink: float = 0.25) -> list[list[float]]:
    """A polygon well inside a jurisdiction's bounding box (as a duty officer would draw it)."""
    boundary = getattr(j, "boundary", None) or {}
    ring = boundary.get("coordinates", [[[]]])[0] if boundary.get("type") == "Polygon" else \
        boundary.get("coordinates", [[[[]]]])[0][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    dx, dy = (x1 - x0) * shrink, (y1 - y0) * shrink
    return [[x0 + dx, y0 + dy], [x1 - dx, y0 + dy], [x1 - dx, y1 - dy], [x0 + dx, y1 - dy], [x0 + dx, y0 + dy]]


def _answered(warning: EarlyWarning, context: DemoContext, *, share: float, delivered: bool) -> None:
    """A share of the recipients with an account acknowledge, minutes after the release (through
    messaging, as the phone's button does); a past warning's copies were all sent at the time."""
    if warning.message_id is None or warning.released_at is None:
        return
    if delivered:  # the demo's own history: bulk, as a demo generator may
        Delivery.objects.filter(message_id=warning.message_id).update(
            status="sent", attempts=1, sent_at=warning.released_at + datetime.timedelta(seconds=20))
    rng = context.sub_rng(f"warnings-ack-{warning.identifier}")
    users = list(User.objects.filter(pk__in=warning.recipients.exclude(user=None).values("user_id")).order_by("pk"))
    with transaction.atomic():
        for user in users:
            if rng.random() < share:
                messaging.acknowledge(warning.message, user,  # type: ignore[arg-type]
                                      now=warning.released_at + datetime.timedelta(minutes=rng.randint(1, 25)))


@demo_step(60, "early warnings")
def generate_warnings(context: DemoContext) -> None:
    district = context.districts[0]
    commander = context.users.get("district")
    street_officer = context.users.get("jd01")
    if commander is None or street_officer is None or not context.streets:
        context.say("  no accounts: no warnings")
        return
    now = timezone.now().replace(second=0, microsecond=0)
    street = context.streets[0]
    with acting_as(commander, source="command"):
        for days, hours, hazard, level, headline, instruction in PAST:
            at = now - datetime.timedelta(days=days)
            # The orange one the first street issued for itself, approved by the district.
            by_street = level == "orange"
            warning = services.compose(
                actor=street_officer if by_street else commander, now=at,
                jurisdiction=street if by_street else district, level=level, hazard=hazard,
                headline=headline.replace("福田区", street.name) if by_street else headline, instruction=instruction,
                description=f"{headline}，请有关单位和人员做好防范。", onset=at, expires=at + datetime.timedelta(hours=hours),
                areas=[services.AreaInput(kind="jurisdiction", jurisdiction=s.code)
                       for s in ([street] if by_street else context.streets[:3])],
                target_groups=["grid_workers", "station_teams"], channels=["in_app", "push", "sms"])
            if level == "orange":
                services.submit(warning, actor=street_officer, now=at)
                services.approve(warning, actor=commander, now=at + datetime.timedelta(minutes=4), note="同意发布")
            warning = services.release(warning, actor=street_officer if by_street else commander,
                                       now=at + datetime.timedelta(minutes=6))
            _answered(warning, context, share=0.9, delivered=True)
        services.expire_due(now)
        # A typhoon warning, updated once and then lifted.
        at = now - datetime.timedelta(days=30)
        typhoon = services.compose(
            actor=commander, now=at, jurisdiction=district, level="blue", hazard="typhoon",
            headline="福田区发布台风蓝色预警", instruction="关紧门窗，收好阳台物品，远离广告牌和临时搭建物。",
            onset=at, expires=at + datetime.timedelta(days=2),
            areas=[services.AreaInput(kind="jurisdiction", jurisdiction=district.code)],
            target_groups=["grid_workers", "station_teams", "community_staff"], channels=["in_app", "push", "sms"])
        typhoon = services.release(typhoon, actor=commander, now=at)
        lifted = services.compose_cancel(typhoon, actor=commander, note="台风已远离，解除预警")
        services.release(lifted, actor=commander, now=at + datetime.timedelta(hours=20))
        # In force now: a yellow rainstorm warning over part of the first street, drawn on the map.
        current = services.compose(
            actor=commander, now=now, jurisdiction=district, level="yellow", hazard="rainstorm",
            headline=f"福田区发布暴雨黄色预警（{street.name}）",
            description="预计未来6小时内将出现50毫米以上降雨，局部伴有雷电和短时大风。",
            instruction="远离低洼地带、地下车库和下穿通道；转移低洼处车辆；网格员即刻巡查易涝点。",
            onset=now, expires=now + datetime.timedelta(hours=6),
            areas=[services.AreaInput(kind="polygon", ring=_box(street), desc=f"{street.name}北部")],
            target_groups=["grid_workers", "station_teams"], channels=["in_app", "push", "sms"],
            remind_after_minutes=30)
        current = services.release(current, actor=commander, now=now)
        # Half an hour in: about two thirds of the people have opened and acknowledged it.
        _answered(current, context, share=0.65, delivered=False)
    context.say(f"  {EarlyWarning.objects.count()} warnings, 1 in force")
