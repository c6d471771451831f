"""Who is acting right now, for the audit log.

The web middleware and the API authentication put the request here; management
commands, importers and tasks use `acting_as(...)`. Signal handlers read it
when they write a ChangeRecord.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from yingji.core.http import client_ip


@dataclass(frozen=True)
class Actor:
    user: Any = None
    ip_address: str | None = None
    source: str = "system"


_current_request: ContextVar[Any] = ContextVar("yingji_audit_request", default=None)
_current_actor: ContextVar[Actor | None] = ContextVar("yingji_audit_actor", default=None)


def current_actor() -> Actor:
    actor = _current_actor.get()
    if actor is not None:
        return actor
    request = _current_request.get()
    if request is not None:
        user = getattr(request, "user", None)
        source = "api" if request.path.startswith("/api/") else "web"
        return Actor(user=user if user is not None and user.is_authenticated else None,
                     ip_address=client_ip(request), source=source)
    return Actor()


@contextlib.contextmanager
def acting_as(user: Any, source: str = "command", ip_address: str | None = None) -> Iterator[None]:
    token = _current_actor.set(Actor(user=user, ip_address=ip_address, source=source))
    try:
        yield
    finally:
        _current_actor.reset(token)


@contextlib.contextmanager
def for_request(request: Any) -> Iterator[None]:
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)
