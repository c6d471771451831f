"""Realtime fan-out to the dispatch console and responders' phones (Django Channels).

Two kinds of group: `incidents.live`, which every console joins, and
`incidents.u.<user id>` for one person's phone. A broadcast about an incident
carries the incident's jurisdiction path and goes once to the live group; each
console passes on only what lies under the paths its user may see
(`core.scope.under_any`, in consumers.py). One group instead of one per
jurisdiction on the path makes a broadcast one Redis PUBLISH instead of five:
at hundreds of intakes a second, the fan-out was a third of an intake's CPU.

Messages are sent after the transaction commits, so a console never shows a
row that was rolled back. Each process sends through one event loop of its
own, on a background thread that lives as long as the process: the channel
layer keeps its Redis connections there, instead of a new loop (and new
connections) per message. Broadcasts are handed to that loop and sent in
order without holding up the request; whatever queued up while the loop was
busy goes out together, one message per group. `run_async` waits for its
coroutine (notification delivery needs the outcome of every send).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)
LIVE_GROUP = "incidents.live"
# Broadcasts taken off the queue together and sent as one message per group.
MAX_BATCH = 200


def user_group(user_id: int) -> str:
    return f"incidents.u.{user_id}"


class _LoopThread:
    """One event loop per process on a daemon thread; started on first use, again after a fork."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.queue: asyncio.Queue[tuple[list[str], dict[str, Any]]] | None = None
        self.pid = 0

    def get(self) -> asyncio.AbstractEventLoop:
        if self.loop is not None and self.pid == os.getpid():
            return self.loop
        with self.lock:
            if self.loop is None or self.pid != os.getpid():
                loop = asyncio.new_event_loop()
                self.queue = None
                thread = threading.Thread(target=self._run, args=(loop,), daemon=True, name="yingji-live")
                thread.start()
                self.loop, self.thread, self.pid = loop, thread, os.getpid()
            return self.loop

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        loop.run_forever()

    def in_loop_thread(self) -> bool:
        return self.thread is threading.current_thread()

    def post(self, groups: list[str], message: dict[str, Any]) -> None:
        """Queue a broadcast; one coroutine sends them in the order they were posted."""
        loop = self.get()
        loop.call_soon_threadsafe(self._enqueue, groups, message)

    def _enqueue(self, groups: list[str], message: dict[str, Any]) -> None:  # on the loop
        if self.queue is None:
            self.queue = asyncio.Queue()
            asyncio.get_running_loop().create_task(self._drain(self.queue))
        self.queue.put_nowait((groups, message))

    @staticmethod
    async def _drain(queue: asyncio.Queue[tuple[list[str], dict[str, Any]]]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await _send(batch)
            except Exception:  # the console missing one message must never break anything else
                log.exception("realtime broadcast failed")

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every broadcast posted so far was sent (tests, shutdown)."""
        if self.loop is None or self.pid != os.getpid() or self.in_loop_thread():
            return
        done = threading.Event()
        self.post([], {"flush": done})
        done.wait(timeout)


_loop = _LoopThread()


async def _send(batch: list[tuple[list[str], dict[str, Any]]]) -> None:
    """Send queued broadcasts, in order: one message per group carrying that group's items."""
    per_group: dict[str, list[dict[str, Any]]] = {}
    for groups, item in batch:
        flushed = item.get("flush")
        if isinstance(flushed, threading.Event):
            await _send_groups(per_group)
            per_group = {}
            flushed.set()
            continue
        for group in groups:
            # A phone gets what is addressed to its user, whatever the place: no path to filter on.
            per_group.setdefault(group, []).append(item if group == LIVE_GROUP else {**item, "path": ""})
    await _send_groups(per_group)


async def _send_groups(per_group: dict[str, list[dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, items in per_group.items():
        await layer.group_send(group, {"type": "incident.messages", "items": items})


def run_async(func: Callable[[], Awaitable[None]], timeout: float = 120.0) -> None:
    """Run a coroutine function on the process's event loop and wait for it, from sync code
    (also where this thread already runs a loop, as Playwright's sync API does in the browser tests)."""
    if _loop.in_loop_thread():
        raise RuntimeError("run_async called from the realtime loop itself")
    asyncio.run_coroutine_threadsafe(func(), _loop.get()).result(timeout)


def send_groups(groups: list[str], message: dict[str, Any], path: str = "") -> None:
    """Hand a message for these groups to the process's sender; it goes out in order, after this returns.

    `path` is the jurisdiction the message is about: consoles drop what lies outside their scope.
    """
    try:
        _loop.post(groups, {"message": message, "path": path})
    except Exception:  # the console missing one message must never break a dispatch
        log.exception("realtime broadcast failed")


def flush() -> None:
    """Wait until the broadcasts handed over so far have been sent."""
    _loop.flush()


def broadcast(path: str, message: dict[str, Any], users: list[int] | tuple[int, ...] = (),
              incident: Any = None) -> None:
    """After commit: tell every console watching `path` and the given users' phones.

    With `incident`, the message carries a short title (type · address) for the console's feed.
    """
    if incident is not None:
        message = {**message, "title": f"{incident.type_label} · {incident.address or incident.jurisdiction.name}"}
    groups = [LIVE_GROUP] + [user_group(u) for u in users]
    transaction.on_commit(lambda: send_groups(groups, message, path))
