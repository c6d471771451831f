"""Fixtures of the incidents tests: a straight-line world, fresh per-process indexes."""

from __future__ import annotations

import pytest

from yingji.incidents import locate
from yingji.incidents.services.ranking import team_index


@pytest.fixture(autouse=True)
def _fresh_indexes(settings):  # type: ignore[no-untyped-def]
    # No road network file: every travel time is the straight-line estimate.
    settings.YINGJI_ROAD_NETWORK = ""
    team_index.reset()
    locate._index = None
    yield
    team_index.reset()
