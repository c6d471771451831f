"""A real ASGI server (daphne) in a thread of the test process, and a tiny websocket client.

Used through the `asgi_server` and `channel_layer` fixtures of yingji/conftest.py:

    console = WebSocket(asgi_server, "/ws/live/?topics=incidents", session_cookie(cast.officer_a))
    assert console.next("incident.new")["incident"] == incident.pk


Running in-process keeps the in-memory channel layer and the test database
shared with the test; the Twisted reactor cannot be restarted, so one server
lives for the whole session (see the `asgi_server` fixture in conftest.py).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
from typing import Any


def start_daphne() -> str:
    """Start daphne on a free port in a daemon thread; answers its base URL (http://localhost:PORT)."""
    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application

    from yingji.core.realtime import websocket_urlpatterns

    application = ProtocolTypeRouter({
        "http": ASGIStaticFilesHandler(get_asgi_application()),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns()))),
    })
    ready = threading.Event()
    server = Server(application, endpoints=["tcp:port=0:interface=127.0.0.1"], signal_handlers=False,
                    ready_callable=ready.set, verbosity=0)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    thread = threading.Thread(target=server.run, daemon=True, name="daphne")
    thread.start()
    ready.wait(10)
    for _ in range(100):
        if server.listening_addresses:
            break
        threading.Event().wait(0.05)
    port = server.listening_addresses[0][1]
    return f"http://localhost:{port}"


class WebSocket:
    """Just enough of RFC 6455 for tests: text frames in and out, no fragmentation."""

    def __init__(self, base_url: str, path: str, cookies: dict[str, str] | None = None, timeout: float = 5.0) -> None:
        host_port = base_url.split("//", 1)[1]
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
        request = (f"GET {path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {base_url}\r\n"
                   + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                break
            head += chunk
        self.status = int(head.split(b" ", 2)[1]) if head else 0
        self.buffer = b""

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def receive(self) -> Any:
        """The next JSON text message (None when the server closes)."""
        while True:
            b0, b1 = self._read(2)
            opcode, length = b0 & 0x0F, b1 & 0x7F
            if length == 126:
                length = int.from_bytes(self._read(2), "big")
            elif length == 127:
                length = int.from_bytes(self._read(8), "big")
            payload = self._read(length)
            if opcode == 0x8:
                return None
            if opcode == 0x1:
                return json.loads(payload.decode())

    def next(self, kind: str, tries: int = 10) -> Any:
        """The next message of this kind (skipping others), or None when the server closes."""
        for _ in range(tries):
            message = self.receive()
            if message is None or message.get("kind") == kind:
                return message
        return None

    def silent_for(self, seconds: float) -> bool:
        """Whether nothing at all arrives within `seconds` (what a console outside the scope hears)."""
        self.sock.settimeout(seconds)
        try:
            self.receive()
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(5.0)
        return False

    def close(self) -> None:
        self.sock.close()


def session_cookie(user: Any) -> dict[str, str]:
    """The cookie of a logged-in browser session of `user`, for the websocket handshake."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False
