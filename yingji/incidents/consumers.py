"""Websockets of the dispatch console and the responder's phone.

/ws/incidents/console/ joins the live group and passes on only what happens
under the jurisdictions where the user may view incidents (see
services/live.py); /ws/incidents/me/ joins the user's own group, where
call-outs arrive. Messages are JSON objects with a "kind"
("incident.new", "incident.dispatched", "dispatch.acknowledge", "notification"…);
pages re-read what changed through the API, so nothing out of scope is ever
pushed beyond ids and what the recipient may see.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from yingji.core.scope import granted_paths, under_any
from yingji.incidents.services.live import LIVE_GROUP, user_group


class _Base(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    # Where the user may view incidents; broadcasts about anywhere else are dropped here.
    granted: tuple[str, ...] = ()

    async def _join(self, groups: list[str]) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def incident_message(self, event: dict[str, Any]) -> None:
        await self.send_json(event["message"])

    async def incident_messages(self, event: dict[str, Any]) -> None:
        for item in event["items"]:
            if not item["path"] or under_any(item["path"], self.granted):
                await self.send_json(item["message"])


class ConsoleConsumer(_Base):
    """The duty officer's console: everything that happens in their jurisdictions."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.granted = tuple(await database_sync_to_async(granted_paths)(user, "incidents.view_incident"))
        if not self.granted:
            await self.close(code=4403)
            return
        await self._join([LIVE_GROUP, user_group(user.pk)])
        await self.accept()
        await self.send_json({"kind": "hello", "jurisdictions": len(self.granted)})


class ResponderConsumer(_Base):
    """A responder's phone: their own call-outs and alerts."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        await self._join([user_group(user.pk)])
        await self.accept()
        await self.send_json({"kind": "hello"})
