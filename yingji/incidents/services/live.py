"""Realtime fan-out to the dispatch console and responders' phones (Django Channels).

Group names: `incidents.j.<code>` for every jurisdiction on an incident's path
(a console joins the groups of the jurisdictions its user may see) and
`incidents.u.<user id>` for one person's phone. Messages are sent after the
transaction commits, so a console never shows a row that was rolled back.

Each process sends through one event loop of its own, on a background thread
that lives as long as the process: the channel layer keeps its Redis
connections there, instead of a new loop (and new connections) per message.
Broadcasts are handed to that loop and sent in order without holding up the
request; `run_async` waits for its coroutine (notification delivery needs the
outcome of every send).
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
            groups, message = await queue.get()
            try:
                await _send(groups, message)
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


async def _send(groups: list[str], message: dict[str, Any]) -> None:
    flushed = message.get("flush")
    if isinstance(flushed, threading.Event):
        flushed.set()
        return
    layer = get_channel_layer()
    if layer is None:
        return
    body = {"type": "incident.message", "message": message}
    for group in groups:
        await layer.group_send(group, body)


def run_async(func: Callable[[], Awaitable[None]], timeout: float = 120.0) -> None:
    """Run a coroutine function on the process's event loop and wait for it, from sync code
    (also where this thread already runs a loop, as Playwright's sync API does in the browser tests)."""
    if _loop.in_loop_thread():
        raise RuntimeError("run_async called from the realtime loop itself")
    asyncio.run_coroutine_threadsafe(func(), _loop.get()).result(timeout)


def send_groups(groups: list[str], message: dict[str, Any]) -> None:
    """Hand a message for these groups to the process's sender; it goes out in order, after this returns."""
    try:
        _loop.post(groups, message)
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
    groups = path_groups(path) + [user_group(u) for u in users]
    transaction.on_commit(lambda: send_groups(groups, message))
