"""Outbound HTTP to addresses that users type in: group robots, webhooks, the SMS gateway, push endpoints
(posts), and the CAP feeds the warnings centre polls (`get`).

Community staff register a robot's URL and press "test"; a phone registers
its push endpoint. Without a guard, the server would post wherever it is
told — to its own database port, to the cloud metadata service at
169.254.169.254, to any host of the intranet — and the answer would tell
whether a port is open. So:

- only http and https, no user:password@ in the URL;
- every address the host name resolves to must be a public unicast address
  (not loopback, private, link-local, shared, multicast, reserved or
  unspecified), unless it lies in a network the operator allows
  (`YINGJI_OUTBOUND_ALLOWED_NETWORKS`, e.g. the intranet SMS gateway's);
- checked when the URL is saved (`url_problem`, for forms) and again when a
  message is sent (`post`), which then connects to the address it checked
  (the name is not resolved a second time, so a DNS answer cannot change in
  between), sends the host name for virtual hosting and TLS, and never
  follows a redirect;
- failures are classified (`OutboundError.code`), never the network's own
  text, which is what reveals the inside of a network.

Connections are kept open per (address, port, host) for the next message:
the SMS fan-out of a warning posts thousands of requests to one gateway.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_ANSWER_BYTES = 64 * 1024
# How long a name's checked addresses are reused: a fan-out resolves its gateway once, not per message.
RESOLVE_TTL_S = 5.0


class OutboundError(Exception):
    """A request that did not succeed, by kind: not_allowed, bad_url, unresolved, network, timeout,
    http:<status>, too_large (an answer longer than the caller takes)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "YINGJI_OUTBOUND_ALLOWED_NETWORKS", [])]


def address_allowed(address: Address) -> bool:
    """A public unicast address, or one inside a network the operator allows."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed_networks() if network.version == address.version):
        return True
    return address.is_global and not address.is_multicast


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL, or OutboundError("bad_url")."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise OutboundError("bad_url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise OutboundError("bad_url")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


_resolved: dict[tuple[str, int], tuple[float, list[Address]]] = {}


def resolve(host: str, port: int) -> list[Address]:
    """Every address the name resolves to (an address literal stands for itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    cached = _resolved.get((host, port))
    if cached is not None and time.monotonic() - cached[0] < RESOLVE_TTL_S:
        return cached[1]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise OutboundError("unresolved") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))
    if not addresses:
        raise OutboundError("unresolved")
    _resolved[(host, port)] = (time.monotonic(), addresses)
    return addresses


def checked_address(url: str) -> tuple[str, str, int, str, Address]:
    """(scheme, host, port, path, address to connect to) once every address of the host is allowed."""
    scheme, host, port, path = _split(url)
    addresses = resolve(host, port)
    if not all(address_allowed(a) for a in addresses):
        raise OutboundError("not_allowed")
    return scheme, host, port, path, addresses[0]


def url_problem(url: str) -> str | None:
    """Why this URL may not be saved (translated), or None. A name that does not resolve here
    is accepted (the intranet's DNS may differ from this check's); sending checks again."""
    try:
        checked_address(url)
    except OutboundError as exc:
        if exc.code == "bad_url":
            return _("Enter an http(s) address.")
        if exc.code == "not_allowed":
            return _("This address is on a local or private network; the operator has not allowed it.")
    return None


# ------------------------------------------------------------------- posting
_pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}
_pools_lock = threading.Lock()


def _pool(scheme: str, address: Address, port: int, host: str) -> urllib3.HTTPConnectionPool:
    key = (scheme, str(address), port, host)
    pool = _pools.get(key)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(key)
            if pool is None:
                if scheme == "https":
                    # Connect to the checked address; certificate and SNI are those of the host name.
                    pool = urllib3.HTTPSConnectionPool(str(address), port, maxsize=8, block=False,
                                                       server_hostname=host, assert_hostname=host,
                                                       cert_reqs="CERT_REQUIRED")
                else:
                    pool = urllib3.HTTPConnectionPool(str(address), port, maxsize=8, block=False)
                _pools[key] = pool
    return pool


def _request(method: str, url: str, body: bytes | None, headers: dict[str, str] | None, timeout: float | None,
             max_bytes: int, whole: bool) -> Answer:
    scheme, host, port, path, address = checked_address(url)
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
    seconds = float(timeout if timeout is not None else getattr(settings, "YINGJI_OUTBOUND_TIMEOUT_S", 5))
    try:
        response = _pool(scheme, address, port, host).urlopen(
            method, path, body=body, headers={"Host": host_header, **(headers or {})}, retries=False,
            redirect=False, timeout=urllib3.Timeout(connect=seconds, read=seconds), preload_content=False)
        try:
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                response.close()  # the rest is unread: this connection must not serve the next request
        finally:
            response.release_conn()
    except urllib3.exceptions.NewConnectionError as exc:  # (a subclass of the timeout error in urllib3 2)
        raise OutboundError("network") from exc
    except urllib3.exceptions.TimeoutError as exc:
        raise OutboundError("timeout") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise OutboundError("network") from exc
    if not 200 <= response.status < 300:
        raise OutboundError(f"http:{response.status}")
    if len(data) > max_bytes:
        if whole:  # a document cut short is worse than none
            raise OutboundError("too_large")
        data = data[:max_bytes]  # a receiver's acknowledgement: its start is all that is read
    return Answer(response.status, data)


def post(url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float | None = None) -> Answer:
    """POST to a user-given URL under the rules above; a 2xx answer, or OutboundError."""
    return _request("POST", url, body, headers, timeout, MAX_ANSWER_BYTES, whole=False)


def get(url: str, headers: dict[str, str] | None = None, timeout: float | None = None,
        max_bytes: int = MAX_ANSWER_BYTES) -> Answer:
    """GET a user-given URL (a CAP feed the operator configured) under the same rules: only public
    addresses unless allowed, the checked address connected to, no redirect followed; a 2xx answer
    of at most `max_bytes` (else OutboundError("too_large")), or OutboundError."""
    return _request("GET", url, None, headers, timeout, max_bytes, whole=True)


class PostSession:
    """What pywebpush expects of a `requests` session (`.post(url, data=, headers=, timeout=)`),
    posting through the guard above; the answer has `status_code`, `text` and `headers`."""

    @dataclass
    class Response:
        status_code: int
        text: str
        headers: dict[str, Any]

    def post(self, url: str, data: bytes | None = None, headers: dict[str, Any] | None = None,
             timeout: float | None = None, **_ignored: Any) -> PostSession.Response:
        answer = post(url, data or b"", {str(k): str(v) for k, v in (headers or {}).items()}, timeout)
        return self.Response(answer.status, answer.body.decode("utf-8", "replace"), {})
