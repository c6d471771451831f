"""Builders of the messaging tests."""

from __future__ import annotations

from typing import Any

from yingji.messaging import services
from yingji.messaging.models import Contact, ContactList, RobotTarget


def robot(cast: Any, url: str, *, where: Any = None, format: str = "generic", topics: tuple[str, ...] = ("incidents",),
          **fields: Any) -> RobotTarget:
    return RobotTarget.objects.create(jurisdiction=where or cast.street_1, name=fields.pop("name", f"{format} robot"),
                                      format=format, url=url, topics=list(topics), **fields)


def key_people(cast: Any, n: int = 3, where: Any = None) -> ContactList:
    contact_list = ContactList.objects.create(jurisdiction=where or cast.community_a, name=f"重点人员{n}")
    for i in range(n):
        Contact.objects.create(contact_list=contact_list, name=f"联系人{i}", phone=f"1390000{i:04d}",
                               email=f"c{i}@example.org", unit="A社区")
    return contact_list


def message(cast: Any, *, recipients: Any = None, channels: tuple[str, ...] = ("in_app",), robots: Any = False,
            **fields: Any) -> Any:
    defaults = {"jurisdiction": cast.community_a, "topic": "warnings", "event": "warning.issued",
                "title": "暴雨黄色预警", "body": "今晚有大到暴雨，请做好防范。"}
    defaults.update(fields)
    return services.send(recipients=recipients if recipients is not None else [cast.responder_a],
                         channels=channels, robots=robots, **defaults)
