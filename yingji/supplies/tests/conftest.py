"""Supplies tests run on the straight-line estimate unless a test installs a network.

A developer who ran `make demo` has a real road network at the default
YINGJI_ROAD_NETWORK path; the hand-checked times of these tests must not
depend on that.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_road_network(settings, tmp_path):  # type: ignore[no-untyped-def]
    from yingji.core import travel
    from yingji.supplies.services.search import reset_index

    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "no-roads.npz")
    travel.use_engine(None)
    reset_index()
    yield
    travel.use_engine(None)
    reset_index()
