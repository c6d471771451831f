"""Signed HTTP ingestion: a device (or its vendor's gateway on its behalf) posts its messages.

    POST /api/v1/iot/ingest
    X-Yingji-Device: EL-0001
    X-Yingji-Timestamp: 1796436131            epoch seconds, within ±5 minutes of the platform's clock
    X-Yingji-Nonce: 5f0c9a…                   8–64 characters, never used twice by the device
    X-Yingji-Signature: hex(HMAC-SHA256(device key, timestamp + "\\n" + nonce + "\\n" + body))
    body: one message of docs/iot.md, or a JSON array of up to 100

The key is the device's (`POST /api/v1/iot/devices/{code}/secret`, shown once),
or its vendor's: a gateway adds `X-Yingji-Vendor: <vendor>` (ASCII, as HTTP
headers are) and signs with the vendor's key (YINGJI_IOT_VENDOR_KEYS), for the
devices registered with exactly that vendor name.
An unsigned, wrongly signed, stale or replayed request is refused (401 or 409,
naming the header at fault), recorded on the device page and counted on the
device; nothing of its body is stored. A nonce is remembered for twice the
window in the cache (Redis when REDIS_URL is set, so every web process shares
it); a message resent under a new nonce is still stored once, by its id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from yingji.iot.ingest import Incoming, Outcome, ingest
from yingji.iot.models import Device, Transport
from yingji.iot.payloads import Refused

WINDOW_S = 300
MAX_BATCH = 100
MAX_BODY = 256 * 1024
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def vendor_keys() -> dict[str, str]:
    """{vendor name: key} from YINGJI_IOT_VENDOR_KEYS ("vendor=key,vendor=key")."""
    keys = {}
    for entry in settings.YINGJI_IOT_VENDOR_KEYS:
        name, _sep, key = entry.partition("=")
        if name.strip() and key.strip():
            keys[name.strip()] = key.strip()
    return keys


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}\n{nonce}\n".encode() + body, hashlib.sha256).hexdigest()


class HttpRefused(Refused):
    def __init__(self, field: str, message: str, status: int) -> None:
        super().__init__(field, message)
        self.status = status


def _check(headers: Any, body: bytes, now: float) -> Device:
    code = (headers.get("X-Yingji-Device") or "").strip()
    device = Device.objects.filter(code=code).select_related("jurisdiction").first() if code else None
    if device is None:
        raise HttpRefused("X-Yingji-Device", _("Unknown device."), 401)
    timestamp = (headers.get("X-Yingji-Timestamp") or "").strip()
    nonce = (headers.get("X-Yingji-Nonce") or "").strip()
    signature = (headers.get("X-Yingji-Signature") or "").strip().lower()
    vendor = (headers.get("X-Yingji-Vendor") or "").strip()
    try:
        if vendor:
            secret = vendor_keys().get(vendor, "")
            if not secret or device.vendor != vendor:
                raise HttpRefused("X-Yingji-Vendor", _("No key of this vendor, or the device is not its."), 401)
        elif not device.secret:
            raise HttpRefused("X-Yingji-Device", _("No signing key was issued for this device."), 401)
        else:
            secret = device.secret
        if not signature:
            raise HttpRefused("X-Yingji-Signature", _("The request is not signed."), 401)
        if not timestamp.isdigit() or abs(now - int(timestamp)) > WINDOW_S:
            raise HttpRefused("X-Yingji-Timestamp", _("The timestamp is missing or more than 5 minutes off."), 401)
        if not NONCE.match(nonce):
            raise HttpRefused("X-Yingji-Nonce", _("Give a nonce of 8–64 letters, digits, - or _."), 401)
        if not hmac.compare_digest(sign(secret, timestamp, nonce, body), signature):
            raise HttpRefused("X-Yingji-Signature", _("The signature does not match the body."), 401)
        # Checked last, so an attacker cannot burn a nonce without the key.
        if not cache.add(f"iot:nonce:{device.pk}:{nonce}", 1, timeout=2 * WINDOW_S):
            raise HttpRefused("X-Yingji-Nonce", _("This nonce was used already (a replayed request)."), 409)
    except HttpRefused as exc:
        exc.device = device  # type: ignore[attr-defined]
        raise
    return device


def receive(headers: Any, body: bytes, path: str) -> tuple[int, dict[str, Any]]:
    """(HTTP status, answer) for one signed post; refusals are recorded and counted, never raised."""
    try:
        if len(body) > MAX_BODY:
            raise HttpRefused("body", _("The body is larger than 256 KB."), 413)
        device = _check(headers, body, time.time())
    except HttpRefused as exc:
        known = getattr(exc, "device", None)
        if known is not None:
            ingest([Incoming(topic=path, payload=body, transport=Transport.HTTP, device_code=known.code,
                             refused=exc)])
        return exc.status, {"detail": str(exc.message), "code": "refused",
                            "errors": [{"field": exc.field, "message": str(exc.message)}]}
    items = _split(body)
    if isinstance(items, Refused):
        ingest([Incoming(topic=path, payload=body, transport=Transport.HTTP, device_code=device.code, refused=items)])
        return 422, {"detail": str(items.message), "code": "invalid",
                     "errors": [{"field": items.field, "message": str(items.message)}]}
    outcome: Outcome = ingest([Incoming(topic=path, payload=raw, transport=Transport.HTTP, device_code=device.code)
                               for raw in items])
    answer = {"accepted": outcome.stored, "duplicates": outcome.duplicates, "refused": outcome.refused,
              "errors": [{"field": f, "message": str(m)} for _c, f, m in outcome.refusals]}
    if outcome.refused and not outcome.stored and not outcome.duplicates:
        return 422, {"detail": answer["errors"][0]["message"], "code": "invalid", **answer}
    return 200, answer


def _split(body: bytes) -> list[bytes] | Refused:
    """One message per item: a JSON array is split, anything else goes to validation as one message."""
    stripped = body.lstrip()
    if not stripped.startswith(b"["):
        return [body]
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Refused("payload", _("The message is not JSON text in UTF-8."))
    if not data or len(data) > MAX_BATCH:
        return Refused("payload", _("Send 1 to %(n)s messages in one request.") % {"n": MAX_BATCH})
    return [json.dumps(item).encode() for item in data]
