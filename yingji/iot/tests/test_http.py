"""Signed HTTP ingestion: accepted when signed, refused (and counted) when unsigned, wrongly signed,
stale or replayed; nothing of a refused body is stored."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from yingji.core.testing import api_client
from yingji.incidents.models import Incident
from yingji.iot.http import sign
from yingji.iot.models import DeviceMessage
from yingji.iot.services import issue_secret
from yingji.iot.tests.builders import device

pytestmark = pytest.mark.django_db
URL = "/api/v1/iot/ingest"


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    cache.clear()


def post(body: bytes, *, code: str = "EL-A-1", secret: str = "", ts: int | None = None, nonce: str | None = None,
         signature: str | None = None):  # type: ignore[no-untyped-def]
    ts_text = str(int(time.time()) if ts is None else ts)
    nonce = nonce or uuid.uuid4().hex
    headers = {"HTTP_X_YINGJI_DEVICE": code, "HTTP_X_YINGJI_TIMESTAMP": ts_text, "HTTP_X_YINGJI_NONCE": nonce}
    if signature is None and secret:
        signature = sign(secret, ts_text, nonce, body)
    if signature is not None:
        headers["HTTP_X_YINGJI_SIGNATURE"] = signature
    return Client().post(URL, body, content_type="application/json", **headers)


def alarm(i: int | str) -> bytes:
    return json.dumps({"id": str(i), "ts": timezone.now().isoformat(), "type": "alarm",
                       "alarm": "entrapment"}).encode()


@pytest.fixture
def lift_and_key(cast):  # type: ignore[no-untyped-def]
    lift = device(cast.grid_a1, "EL-A-1", lon=114.02, lat=22.51)
    return lift, issue_secret(lift, actor=cast.officer_a)


def test_a_signed_alarm_becomes_an_incident_and_a_batch_is_accepted(lift_and_key):
    lift, key = lift_and_key
    response = post(alarm(1), secret=key)
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    assert Incident.objects.get().type_code == "91200"
    batch = json.dumps([json.loads(alarm(2)), json.loads(alarm(3)), json.loads(alarm(1))]).encode()
    response = post(batch, secret=key)
    assert response.json()["accepted"] == 2 and response.json()["duplicates"] == 1
    assert Incident.objects.count() == 1 and DeviceMessage.objects.filter(transport="http").count() == 3


@pytest.mark.parametrize("case,field,status", [
    ("unsigned", "X-Yingji-Signature", 401),
    ("wrong key", "X-Yingji-Signature", 401),
    ("body changed", "X-Yingji-Signature", 401),
    ("stale", "X-Yingji-Timestamp", 401),
    ("future", "X-Yingji-Timestamp", 401),
    ("bad nonce", "X-Yingji-Nonce", 401),
])
def test_bad_signatures_are_refused_naming_the_header_and_counted(lift_and_key, case, field, status):
    lift, key = lift_and_key
    body = alarm(1)
    now = int(time.time())
    kwargs = {
        "unsigned": {},
        "wrong key": {"secret": "0" * 64},
        "body changed": {"signature": sign(key, str(now), "n" * 16, alarm(2)), "ts": now, "nonce": "n" * 16},
        "stale": {"secret": key, "ts": now - 301},
        "future": {"secret": key, "ts": now + 301},
        "bad nonce": {"secret": key, "nonce": "short"},
    }[case]
    response = post(body, **kwargs)
    assert response.status_code == status, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not Incident.objects.exists()
    lift.refresh_from_db()
    assert lift.rejected == 1
    refused = DeviceMessage.objects.get()
    assert not refused.accepted and refused.error_field == field


def test_a_replayed_request_is_refused(lift_and_key):
    lift, key = lift_and_key
    ts, nonce = int(time.time()), uuid.uuid4().hex
    assert post(alarm(1), secret=key, ts=ts, nonce=nonce).status_code == 200
    again = post(alarm(1), secret=key, ts=ts, nonce=nonce)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "X-Yingji-Nonce"
    lift.refresh_from_db()
    assert lift.rejected == 1 and Incident.objects.count() == 1


def test_unknown_devices_and_bad_bodies(lift_and_key):
    _lift, key = lift_and_key
    assert post(alarm(1), code="NOBODY", secret=key).status_code == 401
    bad = post(b'{"id": "1", "type": "alarm"}', secret=key)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ts"
    assert post(b"[" + b",".join([alarm(i) for i in range(101)]) + b"]", secret=key).status_code == 422


def test_the_key_is_issued_in_scope_and_never_shown_again(cast, lift_and_key):
    _lift, key = lift_and_key
    assert api_client(cast.officer_c).post("/api/v1/iot/devices/EL-A-1/secret").status_code == 404
    shown = api_client(cast.officer_a).get("/api/v1/iot/devices/EL-A-1").json()
    assert key not in json.dumps(shown) and "secret" not in shown
    new = api_client(cast.officer_a).post("/api/v1/iot/devices/EL-A-1/secret").json()["secret"]
    assert new != key and post(alarm(9), secret=key).status_code == 401


def test_a_vendors_gateway_signs_for_its_own_devices_only(cast, settings):
    settings.YINGJI_IOT_VENDOR_KEYS = ["hitachi=k" + "1" * 40, "other=k" + "2" * 40]
    device(cast.grid_a1, "EL-A-1", vendor="hitachi")
    device(cast.grid_a1, "EL-A-2", vendor="someone else")

    def vendor_post(code: str, vendor: str, key: str):  # type: ignore[no-untyped-def]
        body, ts, nonce = alarm(f"{code}-{vendor}"), str(int(time.time())), uuid.uuid4().hex
        return Client().post(URL, body, content_type="application/json", HTTP_X_YINGJI_DEVICE=code,
                             HTTP_X_YINGJI_VENDOR=vendor, HTTP_X_YINGJI_TIMESTAMP=ts,
                             HTTP_X_YINGJI_NONCE=nonce, HTTP_X_YINGJI_SIGNATURE=sign(key, ts, nonce, body))

    assert vendor_post("EL-A-1", "hitachi", "k" + "1" * 40).status_code == 200
    refused = vendor_post("EL-A-2", "hitachi", "k" + "1" * 40)  # not this vendor's device
    assert refused.status_code == 401 and refused.json()["errors"][0]["field"] == "X-Yingji-Vendor"
    assert vendor_post("EL-A-1", "other", "k" + "2" * 40).status_code == 401
    assert vendor_post("EL-A-1", "hitachi", "k" + "2" * 40).json()["errors"][0]["field"] == "X-Yingji-Signature"
