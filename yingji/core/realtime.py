"""Realtime: the one path from the server to consoles and phones (Django Channels).

    from yingji.core import realtime

    realtime.publish("incidents", incident.jurisdiction.path, {"kind": "incident.new", "incident": pk})
    realtime.publish_to_user(user.pk, "incidents", {"kind": "notification", ...})

A *topic* is a stream of live items about one kind of thing. An app declares
the topics it publishes, with the permission a console needs to hear them, on
its AppConfig: `live_topics = {"incidents": "incidents.view_incident"}`.

- `publish(topic, path, payload)` goes to every console subscribed to the
  topic; each console passes on only the items under the jurisdictions where
  its user holds the topic's permission (`core.scope.under_any`, checked on the
  server in core/consumers.py). One group per topic, not one per
  jurisdiction: a broadcast is one Redis PUBLISH, whatever the path's depth.
- `publish_to_user(user_id, topic, payload)` goes to that person's own
  sockets (their phone, their console), wherever the subject lies.
- `deliver_to_users(...)` is the same as publish_to_user, sent now and
  answered with each message's outcome, for delivery workers that record it.

Both publish functions send after the transaction commits (a console never
shows a row that was rolled back). Each process sends through one event loop
of its own, on a background thread that lives as long as the process: the
channel layer keeps its Redis connections there. Items are handed to that
loop and sent in the order they were published without holding up the
request; whatever queued up while the loop was busy goes out together, one
message per group. Browsers receive `{**payload, "topic": topic}` as JSON;
`Yingji.live(...)` (core/static/yingji/live.js) subscribes. Payloads carry ids
and what any subscriber may see: pages re-read details through the scoped API.

While the channel layer is down (Redis stopped), publishing is a logged no-op:
the write that published has committed already and goes on; consoles miss the
live items meanwhile (they re-read through the API on reconnecting), and the
outage is logged once a minute (`_Outage`), not once per message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from channels.layers import get_channel_layer
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import module_has_submodule

log = logging.getLogger(__name__)
# Items taken off the queue together and sent as one message per group.
MAX_BATCH = 200
TOPIC_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,60}$")


# ------------------------------------------------------------------ topics and groups
@functools.cache
def topics() -> dict[str, str]:
    """Every declared topic and the permission a console needs to hear it (AppConfig.live_topics)."""
    declared: dict[str, str] = {}
    for config in apps.get_app_configs():
        for name, permission in getattr(config, "live_topics", {}).items():
            if not TOPIC_NAME.match(name):
                raise ImproperlyConfigured(f"{config.name}: live topic names are lower-case words, not {name!r}")
            if declared.get(name, permission) != permission:
                raise ImproperlyConfigured(f"live topic {name!r} is declared twice")
            declared[name] = permission
    return declared


def topic_group(topic: str) -> str:
    return f"live.{topic}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def websocket_urlpatterns() -> list[Any]:
    """Websocket routes collected from the apps (`websocket_urlpatterns` in their routing.py)."""
    patterns: list[Any] = []
    for app_module in settings.YINGJI_APPS:
        if module_has_submodule(import_module(app_module), "routing"):
            patterns += getattr(import_module(f"{app_module}.routing"), "websocket_urlpatterns", [])
    return patterns


# ------------------------------------------------------------------ the public functions
def publish(topic: str, path: str, payload: dict[str, Any]) -> None:
    """After commit: `payload` to the consoles subscribed to `topic` whose user may see `path`
    (the jurisdiction path of what the item is about)."""
    if topic not in topics():
        raise ImproperlyConfigured(f"live topic {topic!r} is not declared in any app's live_topics")
    if not path:
        raise ValueError("publish needs the jurisdiction path of what it is about (consoles filter on it)")
    item = {"topic": topic, "path": path, "payload": payload}
    transaction.on_commit(lambda: hand_over([([topic_group(topic)], item)]))


def publish_to_user(user_id: int, topic: str, payload: dict[str, Any]) -> None:
    """After commit: `payload` to the sockets of one person (their phone, their console)."""
    item = {"topic": topic, "personal": True, "payload": payload}
    transaction.on_commit(lambda: hand_over([([user_group(user_id)], item)]))


def deliver_to_users(messages: Iterable[tuple[int, str, dict[str, Any]]], timeout: float = 60.0) -> list[str | None]:
    """Send (user id, topic, payload) messages now, in order, through the same sender as
    publish_to_user, and wait: answers per message None when the channel layer took it, else the error.

    For delivery workers that record each delivery's outcome (called after their commit).
    """
    entries: list[tuple[list[str], dict[str, Any]]] = []
    futures: list[concurrent.futures.Future[None]] = []
    for user_id, topic, payload in messages:
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        entries.append(([user_group(user_id)], {"topic": topic, "personal": True, "payload": payload, "done": done}))
        futures.append(done)
    if not entries:
        return []
    if _loop.in_loop_thread():
        raise RuntimeError("deliver_to_users called from the realtime loop itself")
    hand_over(entries)
    outcomes: list[str | None] = []
    for done in futures:
        try:
            done.result(timeout)
            outcomes.append(None)
        except Exception as exc:  # noqa: BLE001 - the outcome is recorded per message
            outcomes.append(str(exc)[:300] or type(exc).__name__)
    return outcomes


def flush(timeout: float = 10.0) -> None:
    """Wait until everything handed over so far has been sent (tests, shutdown)."""
    _loop.flush(timeout)


def hand_over(entries: list[tuple[list[str], dict[str, Any]]]) -> None:
    """Queue (groups, item) entries on this process's sender (called after commit; tests may replace it)."""
    try:
        for groups, item in entries:
            _loop.post(groups, item)
    except Exception:  # a console missing one item must never break the write that published it
        log.exception("realtime: could not queue a live message")


# ------------------------------------------------------------------ the sender loop
@dataclass
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class _LoopThread:
    """One event loop per process on a daemon thread; started on first use, again after a fork."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.queue: asyncio.Queue[tuple[list[str], Any]] | None = None
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

    def post(self, groups: list[str], item: Any) -> None:
        """Queue an item; one coroutine sends them in the order they were posted."""
        loop = self.get()
        loop.call_soon_threadsafe(self._enqueue, groups, item)

    def _enqueue(self, groups: list[str], item: Any) -> None:  # on the loop
        if self.queue is None:
            self.queue = asyncio.Queue()
            asyncio.get_running_loop().create_task(self._drain(self.queue))
        self.queue.put_nowait((groups, item))

    @staticmethod
    async def _drain(queue: asyncio.Queue[tuple[list[str], Any]]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await _send(batch)
            except Exception:  # a console missing one message must never stop the sender
                log.exception("realtime broadcast failed")

    def flush(self, timeout: float) -> None:
        if self.loop is None or self.pid != os.getpid() or self.in_loop_thread():
            return
        marker = _Flush()
        self.post([], marker)
        marker.done.wait(timeout)


_loop = _LoopThread()


async def _send(batch: list[tuple[list[str], Any]]) -> None:
    """Send queued items in order: one message per group carrying that group's items."""
    per_group: dict[str, list[dict[str, Any]]] = {}
    for groups, item in batch:
        if isinstance(item, _Flush):
            await _send_groups(per_group)
            per_group = {}
            item.done.set()
            continue
        for group in groups:
            per_group.setdefault(group, []).append(item)
    await _send_groups(per_group)


class _Outage:
    """Failed sends while the channel layer is down: one warning a minute, with the count missed."""

    EVERY_S = 60.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: float | None = None
        self.missed = 0

    def report(self, group: str, exc: BaseException) -> None:
        now = time.monotonic()
        with self.lock:
            self.missed += 1
            if self.last is not None and now - self.last < self.EVERY_S:
                return
            self.last, missed, self.missed = now, self.missed, 0
        log.warning("realtime: the channel layer refused live messages (%s: %s); consoles miss live items "
                    "until it is back (%d refused since the last report, the last to %s)",
                    type(exc).__name__, exc, missed, group)


_outage = _Outage()


async def _send_groups(per_group: dict[str, list[dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    for group, items in per_group.items():
        waiting = [item.pop("done") for item in items if "done" in item]
        try:
            if layer is None:
                raise RuntimeError("no channel layer configured")
            await layer.group_send(group, {"type": "live.batch", "items": items})
        except Exception as exc:  # one full or broken group must not stop the others
            for done in waiting:
                done.set_exception(exc)
            if not waiting:
                _outage.report(group, exc)
            continue
        for done in waiting:
            done.set_result(None)
