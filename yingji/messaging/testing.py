"""Real local servers for the channel tests (and the bench): an HTTP receiver that checks robots'
signatures like WeChat Work and DingTalk do, a Web Push endpoint that decrypts what it gets with the
subscription's private key, and an SMTP server (aiosmtpd).

Not mocks: the channels post over TCP to these servers exactly as they post
to the real services, and the servers refuse what the real ones would refuse
(a DingTalk signature that does not match, a push message that cannot be
decrypted or whose VAPID token is not signed by the server's key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import os
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    plaintext: bytes = b""  # for the push endpoint: the decrypted payload

    @property
    def json(self) -> Any:
        return json.loads(self.plaintext or self.body)

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))


def dingtalk_sign_ok(query: dict[str, str], secret: str, now_ms: int | None = None) -> bool:
    """DingTalk's check of "加签": sign = base64(HMAC-SHA256(secret, "timestamp\\nsecret")), within an hour."""
    try:
        ts = int(query["timestamp"])
    except (KeyError, ValueError):
        return False
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    if abs(now_ms - ts) > 3600 * 1000:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    return hmac.compare_digest(expected.decode(), query.get("sign", ""))


@dataclass
class Receiver:
    """What a running HttpReceiver saw, and how it answers."""

    url: str
    received: list[Received] = field(default_factory=list)
    # Answers given in turn ((status, JSON body)); then 200 {"errcode": 0}.
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Paths of DingTalk robots and their secrets: a post without the right signature is refused.
    dingtalk_secrets: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0


def _handler(state: Receiver, keep: bool) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real gateways do
        # Headers and body leave in two writes: without TCP_NODELAY (which real servers set) each
        # answer would wait 40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with state.lock:
                state.count += 1
                if keep:
                    state.received.append(item)
                status, answer = state.answers.pop(0) if state.answers else (200, {"errcode": 0, "errmsg": "ok"})
            route = urllib.parse.urlsplit(self.path).path
            if route in state.dingtalk_secrets and not dingtalk_sign_ok(item.query, state.dingtalk_secrets[route]):
                status, answer = 200, {"errcode": 310000, "errmsg": "sign not match"}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


class HttpReceiver:
    """A threaded HTTP server on 127.0.0.1 that records what is posted (`keep=False`: counts only)."""

    def __init__(self, keep: bool = True) -> None:
        self.state = Receiver(url="")
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state, keep))
        self.server.daemon_threads = True
        self.state.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self.state

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------ Web Push
class Browser:
    """What a browser holds for one push subscription: the P-256 key pair and the auth secret."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.p256dh = b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        self.auth = b64url(os.urandom(16))

    def decrypt(self, body: bytes) -> bytes:
        import http_ece

        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=b64url_decode(self.auth),
                                version="aes128gcm")


def vapid_claims(authorization: str, public_key: str) -> dict[str, Any]:
    """The claims of a `vapid t=<JWT>, k=<key>` header, once its ES256 signature checks against `public_key`."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    scheme, _sep, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError("not a VAPID authorization")
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    if parts.get("k") != public_key:
        raise ValueError("VAPID key is not the server's")
    header, claims, signature = parts["t"].split(".")
    raw = b64url_decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public_key))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises when forged
    return json.loads(b64url_decode(claims))


class PushEndpoint(HttpReceiver):
    """A push service: accepts an aes128gcm message for a known browser (201) after checking its
    VAPID token, decrypts it into `received[i].plaintext`; 410 Gone for an unknown one."""

    def __init__(self, vapid_public_key: str) -> None:
        super().__init__()
        self.browsers: dict[str, Browser] = {}
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                browser = endpoint.browsers.get(self.path)
                status = 201
                try:
                    if browser is None:
                        status = 410
                    else:
                        claims = vapid_claims(item.headers.get("authorization", ""), vapid_public_key)
                        if claims.get("aud") != endpoint.state.url:
                            raise ValueError("wrong audience")
                        if item.headers.get("content-encoding") != "aes128gcm":
                            raise ValueError("not aes128gcm")
                        item.plaintext = browser.decrypt(body)
                except Exception:  # a forged token or an undecipherable body: refused like a push service
                    status = 400
                with endpoint.state.lock:
                    endpoint.state.received.append(item)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server.RequestHandlerClass = Handler

    def new_browser(self, name: str = "") -> tuple[str, Browser]:
        """(endpoint URL, browser) of a new subscription at this push service."""
        path = f"/push/{name or b64url(os.urandom(6))}"
        browser = Browser()
        self.browsers[path] = browser
        return self.state.url + path, browser


# ---------------------------------------------------------------------- SMTP
class SmtpServer:
    """aiosmtpd on 127.0.0.1: `messages` holds (envelope sender, recipients, parsed message)."""

    def __init__(self) -> None:
        import email
        import email.policy
        import socket

        from aiosmtpd.controller import Controller

        self.messages: list[tuple[str, list[str], Any]] = []
        outer = self

        class Handler:
            async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                                  rcpt_options: Any) -> str:
                if address.endswith("@refused.example"):
                    return "550 5.1.1 no such mailbox"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                outer.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                       email.message_from_bytes(envelope.original_content or envelope.content,
                                                              policy=email.policy.default)))
                return "250 Message accepted"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()
