"""Fixtures for every app's tests (see yingji/core/testing.py for the cast)."""

from __future__ import annotations

import pytest

from yingji.core.testing import Cast, build_cast


@pytest.fixture
def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    return build_cast()


@pytest.fixture(autouse=True)
def _reset_axes_and_cache(settings):  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()
    yield
