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


_server_url: list[str] = []


@pytest.fixture
def asgi_server(transactional_db):  # type: ignore[no-untyped-def]
    """Base URL of a daphne server sharing this process (HTTP and websockets)."""
    from yingji.incidents.tests.asgi_server import start_daphne

    if not _server_url:
        _server_url.append(start_daphne())
    return _server_url[0]
