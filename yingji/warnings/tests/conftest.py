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
