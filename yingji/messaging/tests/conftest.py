"""Fixtures of the messaging tests: local servers for every channel, started by the test."""

from __future__ import annotations

import pytest

from yingji.messaging.robots import target_index
from yingji.messaging.testing import HttpReceiver, PushEndpoint, SmtpServer


@pytest.fixture(autouse=True)
def _fresh_index():  # type: ignore[no-untyped-def]
    target_index.forget()
    yield
    target_index.forget()


@pytest.fixture
def allow_local(settings):  # type: ignore[no-untyped-def]
    """The servers below listen on 127.0.0.1, which the outbound guard refuses unless allowed."""
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture
def receiver(allow_local):  # type: ignore[no-untyped-def]
    with HttpReceiver() as state:
        yield state


@pytest.fixture
def smtp(settings):  # type: ignore[no-untyped-def]
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


@pytest.fixture
def push_service(settings, allow_local):  # type: ignore[no-untyped-def]
    endpoint = PushEndpoint(settings.YINGJI_VAPID_PUBLIC_KEY)
    endpoint.__enter__()
    yield endpoint
    endpoint.__exit__()
