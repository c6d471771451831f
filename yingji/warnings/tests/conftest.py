"""Fixtures of the warnings tests: messaging's real local servers (an SMS gateway and a robot
receiver over HTTP), started by the test that needs them."""

from __future__ import annotations

import pytest

from yingji.messaging.robots import target_index
from yingji.messaging.testing import HttpReceiver


@pytest.fixture(autouse=True)
def _fresh_robot_index():  # type: ignore[no-untyped-def]
    target_index.forget()
    yield
    target_index.forget()


@pytest.fixture
def receiver(settings):  # type: ignore[no-untyped-def]
    """One local HTTP server playing the SMS gateway (/sms) and the group robots (other paths)."""
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with HttpReceiver() as state:
        settings.YINGJI_SMS_GATEWAY_URL = state.url + "/sms"
        settings.YINGJI_SMS_GATEWAY_KEY = "gw"
        settings.YINGJI_SMS_GATEWAY_TEMPLATE = '{"phone": "$phone", "text": "$text"}'
        settings.YINGJI_SMS_GATEWAY_CONTENT_TYPE = "json"
        settings.YINGJI_SMS_GATEWAY_SUCCESS = "errcode=0"
        yield state


class _Site:
    """What the feed server answers: {path: (status, content type, body)}, and the GETs it got."""

    def __init__(self) -> None:
        self.url = ""
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.gets: list[str] = []


@pytest.fixture
def feed_server(settings):  # type: ignore[no-untyped-def]
    """A local HTTP server playing the weather bureau's CAP feed (GET only), on 127.0.0.1 (allowed)."""
    import http.server
    import threading

    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    site = _Site()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            site.gets.append(self.path)
            status, kind, body = site.pages.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture
def push_service(settings):  # type: ignore[no-untyped-def]
    """messaging's local Web Push service (decrypts what it gets), on 127.0.0.1 (allowed)."""
    from yingji.messaging.testing import PushEndpoint

    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    endpoint = PushEndpoint(settings.YINGJI_VAPID_PUBLIC_KEY)
    endpoint.__enter__()
    yield endpoint
    endpoint.__exit__()


@pytest.fixture
def smtp(settings):  # type: ignore[no-untyped-def]
    """messaging's local SMTP server (aiosmtpd)."""
    from yingji.messaging.testing import SmtpServer

    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server
