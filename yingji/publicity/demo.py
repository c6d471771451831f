"""Demo step: a year of publicity — every community on the campaign days (5·12, 安全生产月, 10·13, 119消防宣传月)
and the "五进" through the year, with audiences; two or three publicity points per community. Bulk-created."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from yingji.core.demo import DemoContext, demo_step
from yingji.publicity.models import (
    CAMPAIGN_MONTH,
    Campaign,
    PointCategory,
    PublicityEvent,
    PublicityPoint,
    Venue,
)

CAMPAIGN_DAY = {Campaign.DISASTER_DAY: 12, Campaign.INTERNATIONAL_DAY: 13, Campaign.SAFETY_MONTH: 16,
                Campaign.FIRE_MONTH: 9}
CAMPAIGN_TITLE = {Campaign.DISASTER_DAY: "“5·12”防灾减灾日主题宣传", Campaign.INTERNATIONAL_DAY: "“10·13”国际减灾日科普活动",
                  Campaign.SAFETY_MONTH: "安全生产月“安全宣传咨询日”", Campaign.FIRE_MONTH: "“119”消防宣传月进万家"}
VENUE_PLACE = {Venue.ENTERPRISE: "辖区企业", Venue.VILLAGE: "城中村", Venue.COMMUNITY: "社区广场", Venue.SCHOOL: "辖区小学",
               Venue.FAMILY: "居民家中"}
VENUE_TITLE = {Venue.ENTERPRISE: "安全知识进企业", Venue.VILLAGE: "防灾减灾进城中村", Venue.COMMUNITY: "应急科普进社区",
               Venue.SCHOOL: "应急演练与安全课进校园", Venue.FAMILY: "入户消防安全宣传"}
POINTS = [(PointCategory.BULLETIN_BOARD, "应急宣传栏"), (PointCategory.SCREEN, "电子显示屏"),
          (PointCategory.READING_CORNER, "应急科普角"), (PointCategory.EXPERIENCE_HALL, "安全体验馆")]


def _last(month: int, day: int, today: datetime.date) -> datetime.date:
    """The latest such date on or before today."""
    on = datetime.date(today.year, month, day)
    return on if on <= today else datetime.date(today.year - 1, month, day)


@demo_step(71, "publicity")
def generate_publicity(context: DemoContext) -> None:
    rng = context.sub_rng("publicity")
    today = timezone.localdate()
    events: list[PublicityEvent] = []
    points: list[PublicityPoint] = []
    for community in context.communities:
        for campaign, month in CAMPAIGN_MONTH.items():
            if rng.random() < 0.85:  # some communities miss a campaign
                venue = rng.choice(Venue.values)
                events.append(PublicityEvent(
                    jurisdiction=community, title=f"{community.name}{CAMPAIGN_TITLE[campaign]}",
                    held_on=_last(month, CAMPAIGN_DAY[campaign], today), venue=venue, campaign=campaign,
                    place=f"{community.name}{VENUE_PLACE[Venue(venue)]}", audience=rng.randint(40, 600),
                    organiser=f"{community.name}工作站"))
        for _n in range(rng.randint(1, 5)):
            venue = rng.choice(Venue.values)
            events.append(PublicityEvent(
                jurisdiction=community, title=f"{community.name}{VENUE_TITLE[Venue(venue)]}",
                held_on=today - datetime.timedelta(days=rng.randint(1, 360)), venue=venue,
                place=f"{community.name}{VENUE_PLACE[Venue(venue)]}", audience=rng.randint(10, 300),
                organiser=f"{community.name}工作站"))
        for category, name in rng.sample(POINTS, rng.randint(2, 3)):
            points.append(PublicityPoint(jurisdiction=community, name=f"{community.name}{name}", category=category,
                                         address=f"{community.name}党群服务中心旁"))
    for street in context.streets:
        events.append(PublicityEvent(jurisdiction=street, title=f"{street.name}“119”消防宣传月启动仪式",
                                     held_on=_last(11, 9, today), campaign=Campaign.FIRE_MONTH,
                                     place=f"{street.name}文化广场", audience=rng.randint(300, 1200),
                                     organiser=f"{street.name}应急办"))
    with transaction.atomic():
        PublicityEvent.objects.bulk_create(events, batch_size=1000)
        PublicityPoint.objects.bulk_create(points, batch_size=1000)
    context.say(f"  {len(events)} publicity events, {len(points)} publicity points")
