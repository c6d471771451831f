"""Demo step: key-people contact lists and a few messages, so that the inbox and the lists have something.

Each of the first communities gets a contact list of the elderly living alone
and building managers (generated names and phones); the district sends a drill
notice asking for acknowledgement to every demo account, and the first
community's grid workers a patrol reminder — through `messaging.send`, like
any app. Delivered by the workers when `yingji serve` runs them.
"""

from __future__ import annotations

from yingji.core.demo import DemoContext, demo_step
from yingji.messaging import services
from yingji.messaging.models import Contact, ContactList

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
LISTS = {"futian": 10, "city": 10, "small": 2}


@demo_step(60, "messages and contact lists")
def build(context: DemoContext) -> None:
    rng = context.sub_rng("messaging")
    contacts: list[Contact] = []
    for community in context.communities[: LISTS.get(context.scale, 2)]:
        for name, units in (("独居老人", "栋"), ("楼栋长", "栋")):
            contact_list = ContactList.objects.create(jurisdiction=community, name=name,
                                                      description=f"{community.name}{name}名单（演示数据）")
            for _ in range(rng.randint(8, 20)):
                contacts.append(Contact(contact_list=contact_list,
                                        name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                                        phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                                        unit=f"{rng.randint(1, 30)}{units}"))
    Contact.objects.bulk_create(contacts, ignore_conflicts=True)  # a generated name and phone twice: once
    district = context.districts[0]
    everybody = [u.pk for u in context.users.values()]
    services.send(jurisdiction=district, topic="plans", event="drill.notice", title="本周六上午 9:00 防汛应急演练",
                  body="请各街道、社区按预案组织人员参加演练，并于周五 18:00 前确认收到本通知。",
                  recipients=everybody, channels=["in_app"], robots=False, ask_ack=True)
    first = context.communities[0]
    grid_workers = [u.pk for name, u in context.users.items() if name.startswith("wg")][:20]
    services.send(jurisdiction=first, topic="hazards", event="patrol.reminder", title="今日巡查提醒",
                  body="请完成辖区内低洼易涝点和三小场所的日常巡查，发现隐患及时上报。", recipients=grid_workers,
                  channels=["in_app"], robots=False)
    context.say(f"messaging: {ContactList.objects.count()} contact lists with {Contact.objects.count()} people, "
                f"2 messages to {len(everybody)} accounts")
