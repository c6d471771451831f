"""Realtime fan-out to the dispatch console and responders' phones (Django Channels).

Group names: `incidents.j.<code>` for every jurisdiction on an incident's path
(a console joins the groups of the jurisdictions its user may see) and
`incidents.u.<user id>` for one person's phone. Messages are sent after the
transaction commits, so a console never shows a row that was rolled back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
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


def run_async(func: Callable[[], Awaitable[None]]) -> None:
    """Run a coroutine function from sync code, even where this thread already runs a loop
    (Playwright's sync API does so in the browser tests): then it runs in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(func)()
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            async_to_sync(func)()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def send_groups(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    body = {"type": "incident.message", "message": message}

    async def fan_out() -> None:
        for group in groups:
            await layer.group_send(group, body)

    try:
        run_async(fan_out)
    except Exception:  # the console missing one message must never break a dispatch
        log.exception("realtime broadcast failed")


def broadcast(path: str, message: dict[str, Any], users: list[int] | tuple[int, ...] = (),
              incident: Any = None) -> None:
    """After commit: tell every console watching `path` and the given users' phones.

    With `incident`, the message carries a short title (type · address) for the console's feed.
    """
    if incident is not None:
        message = {**message, "title": f"{incident.type_label} · {incident.address or incident.jurisdiction.name}"}
    groups = path_groups(path) + [user_group(u) for u in users]
    transaction.on_commit(lambda: send_groups(groups, message))
