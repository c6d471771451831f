"""Realtime fan-out to the dispatch console and responders' phones (Django Channels).

Group names: `incidents.j.<code>` for every jurisdiction on an incident's path
(a console joins the groups of the jurisdictions its user may see) and
`incidents.u.<user id>` for one person's phone. Messages are sent after the
transaction commits, so a console never shows a row that was rolled back.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from yingji.core.scope import ROOT_PATH

log = logging.getLogger(__name__)
ROOT_GROUP = "incidents.j.root"


def path_groups(path: str) -> list[str]:
    """Groups of a jurisdiction path and all its ancestors, plus the root group."""
    return [ROOT_GROUP] + [f"incidents.j.{code}" for code in path.strip("/").split("/") if code]


def group_for_path(path: str) -> str:
    """The one group a console joins for a granted path."""
    if path == ROOT_PATH:
        return ROOT_GROUP
    return f"incidents.j.{path.strip('/').split('/')[-1]}"


def user_group(user_id: int) -> str:
    return f"incidents.u.{user_id}"


def send_groups(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    body = {"type": "incident.message", "message": message}

    async def fan_out() -> None:
        for group in groups:
            await layer.group_send(group, body)

    try:
        async_to_sync(fan_out)()
    except Exception:  # the console missing one message must never break a dispatch
        log.exception("realtime broadcast failed")


def broadcast(path: str, message: dict[str, Any], users: list[int] | tuple[int, ...] = ()) -> None:
    """After commit: tell every console watching `path` and the given users' phones."""
    groups = path_groups(path) + [user_group(u) for u in users]
    transaction.on_commit(lambda: send_groups(groups, message))
