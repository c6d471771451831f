"""One indicator key, one meaning: a second function under a taken key is refused, not silently preferred."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from yingji.core import indicators


def test_every_key_is_registered_by_one_function() -> None:
    registry = indicators.discover()
    assert "drills.held" in registry and "drills.own" in registry
    assert registry["drills.held"].function.__module__ == "yingji.drills.indicators"


def test_a_second_function_under_a_taken_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indicators, "REGISTRY", dict(indicators.discover()))

    def other(area, window, params):  # type: ignore[no-untyped-def]
        raise AssertionError("never called")

    with pytest.raises(ImproperlyConfigured, match="drills.held"):
        indicators.indicator("drills.held", "x")(other)
    assert indicators.REGISTRY["drills.held"].function.__module__ == "yingji.drills.indicators"
