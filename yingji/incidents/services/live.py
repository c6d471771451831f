"""Live messages about incidents, on the topic "incidents" (core/realtime.py is the one send path).

Consoles subscribe with `Yingji.live({topics: ["incidents"]})` and hear what
happens under the jurisdictions where their user may view incidents; phones
hear what is addressed to their user. Messages are JSON objects with a "kind"
("incident.new", "incident.dispatched", "dispatch.acknowledge", "notification"…);
pages re-read what changed through the API.
"""

from __future__ import annotations

from typing import Any

from yingji.core import realtime

TOPIC = "incidents"


def broadcast(path: str, message: dict[str, Any], users: list[int] | tuple[int, ...] = (),
              incident: Any = None) -> None:
    """After commit: tell every console watching `path` and the given users.

    With `incident`, the message carries its readable number and a short title (number type · address)
    for the console's feed.
    """
    if incident is not None:
        message = {**message, "number": incident.number,
                   "title": f"{incident.number} {incident.type_label} · {incident.address or incident.jurisdiction.name}"
                   .strip()}
    realtime.publish(TOPIC, path, message)
    for user_id in users:
        realtime.publish_to_user(user_id, TOPIC, message)
