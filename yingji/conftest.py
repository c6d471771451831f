"""Fixtures for every app's tests (see yingji/core/testing.py for the cast)."""

from __future__ import annotations

import pytest

from yingji.core.testing import Cast, build_cast


@pytest.fixture
def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    return build_cast()


_server_url: list[str] = []


@pytest.fixture
def asgi_server(transactional_db):  # type: ignore[no-untyped-def]
    """Base URL of a daphne server sharing this process (HTTP and websockets; core/tests/asgi_server.py)."""
    from yingji.core.tests.asgi_server import start_daphne

    if not _server_url:
        _server_url.append(start_daphne())
    return _server_url[0]


@pytest.fixture(params=["in-memory", "redis"])
def channel_layer(request, settings):  # type: ignore[no-untyped-def]
    """The default in-memory layer, and Redis publish/subscribe as production runs it (REDIS_URL)."""
    import uuid

    from channels.layers import get_channel_layer

    from yingji.core.tests.asgi_server import redis_reachable

    if request.param == "redis":
        if not redis_reachable():
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings.CHANNEL_LAYERS = {"default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"], "prefix": f"yingji-test-{uuid.uuid4().hex[:8]}"}}}
        assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"  # the layers were rebuilt
    return request.param


@pytest.fixture(autouse=True)
def _reset_axes_and_cache(settings):  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()
    # Per-process indexes of database rows: a flushed database (transactional tests) leaves them stale.
    from yingji.jurisdictions import locate

    locate.forget()
    yield


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """Each test starts in the default language (Simplified Chinese) whatever an earlier test in this
    worker activated (a request in English, a job rendering a message in a recipient's language)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# ------------------------------------------------------------------ browser tests
# Headless Debian Chromium driven by Playwright (its own browser download does
# not work offline). Screenshots go to test-artifacts/screenshots/.
SCREENSHOTS = __import__("pathlib").Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    import os

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are still sequential.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_for(browser, live_server, settings):  # type: ignore[no-untyped-def]
    """page_for(user, language="zh-hans", mobile=False, timezone_id=None) -> a logged-in Playwright page on the
    live server (timezone_id: the browser's clock, e.g. "UTC", for pages that must show Beijing time anyway).

    Playwright's wait_for_function evaluates its predicate in the page with eval, which the
    Content-Security-Policy refuses; pages get the policy only with `csp=True`
    (core/tests/test_browser_xss.py, which waits by other means).
    """
    from django.test import Client

    contexts = []

    def make(user=None, language: str = "zh-hans", mobile: bool = False, csp: bool = False,  # type: ignore[no-untyped-def]
             timezone_id: str | None = None):
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1366, "height": 900}
        context = browser.new_context(locale=language, viewport=viewport, base_url=live_server.url, bypass_csp=not csp,
                                      extra_http_headers={"Accept-Language": language},
                                      **({"timezone_id": timezone_id} if timezone_id else {}))
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                  "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                                  "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():  # type: ignore[no-untyped-def]
    """screenshot(page, "name") saves test-artifacts/screenshots/name.png and returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):  # type: ignore[no-untyped-def]
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Tests marked `postgres` (row locks, real concurrency) skip on SQLite; .ci/run runs them on PostgreSQL."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
