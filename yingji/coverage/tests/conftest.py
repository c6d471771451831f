"""Fixtures of the coverage tests: no real road network file unless a test installs one."""

from __future__ import annotations

import pytest

from yingji.core import travel


@pytest.fixture(autouse=True)
def _no_network_file(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "roads.npz")
    travel.use_engine(None)
    yield
    travel.use_engine(None)
