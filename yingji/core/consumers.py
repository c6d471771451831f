"""The two generic websockets (see core/realtime.py for what goes through them).

    /ws/live/?topics=incidents,hazards   a console: the items published on these topics under the
                                         jurisdictions where its user holds each topic's permission,
                                         and whatever is addressed to the user personally
    /ws/me/                              a person's own socket (a responder's phone): only what is
                                         addressed to them

The scope filter runs here, on the server: a console never receives an item
about a place its user may not see. A topic the user may not hear anywhere is
refused (named in the "hello" message); with none left the socket is closed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from yingji.core.realtime import topic_group, topics, user_group
from yingji.core.scope import granted_paths, under_any


class _Live(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    # topic -> where the user may hear it; items about anywhere else are dropped here.
    granted: dict[str, tuple[str, ...]]

    async def _join(self, groups: list[str]) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_batch(self, event: dict[str, Any]) -> None:
        for item in event["items"]:
            if item.get("personal") or under_any(item.get("path", ""), self.granted.get(item["topic"], ())):
                await self.send_json({**item["payload"], "topic": item["topic"]})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; anything they send is ignored."""


def _grants(user: Any, requested: list[str]) -> dict[str, tuple[str, ...]]:
    declared = topics()
    granted: dict[str, tuple[str, ...]] = {}
    for topic in requested:
        if topic in declared:
            paths = tuple(granted_paths(user, declared[topic]))
            if paths:
                granted[topic] = paths
    return granted


class ConsoleConsumer(_Live):
    """A console: the topics it asked for, within its user's jurisdictions, and the user's own messages."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        requested = sorted({t for value in query.get("topics", []) for t in value.split(",") if t})
        self.granted = await database_sync_to_async(_grants)(user, requested)
        if not self.granted:
            await self.close(code=4403)
            return
        await self._join([topic_group(t) for t in sorted(self.granted)] + [user_group(user.pk)])
        await self.accept()
        await self.send_json({"kind": "hello", "topics": sorted(self.granted),
                              "refused": [t for t in requested if t not in self.granted]})


class PersonalConsumer(_Live):
    """A person's own socket: what is addressed to them (call-outs, alerts), wherever it happens."""

    granted: dict[str, tuple[str, ...]] = {}

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.granted = {}
        await self._join([user_group(user.pk)])
        await self.accept()
        await self.send_json({"kind": "hello", "topics": []})
