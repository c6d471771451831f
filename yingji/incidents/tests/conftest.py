"""Fixtures of the incidents tests: a straight-line world, fresh per-process indexes, a robot receiver.

(`asgi_server`, a daphne server in this process, is in yingji/conftest.py.)
"""

from __future__ import annotations

import pytest

from yingji.incidents.services.ranking import team_index
from yingji.jurisdictions import locate
from yingji.messaging.robots import target_index


@pytest.fixture(autouse=True)
def _fresh_indexes(settings):  # type: ignore[no-untyped-def]
    # No road network file: every travel time is the straight-line estimate.
    settings.YINGJI_ROAD_NETWORK = ""
    team_index.reset()
    target_index.forget()
    locate._index = None
    yield
    team_index.reset()


@pytest.fixture
def receiver(settings):  # type: ignore[no-untyped-def]
    """A local HTTP server answering robots' {"errcode": 0} (or `.answers`), as messaging's tests use it;
    the outbound guard is told to let posts reach 127.0.0.1."""
    from yingji.messaging.testing import HttpReceiver

    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with HttpReceiver() as state:
        yield state
