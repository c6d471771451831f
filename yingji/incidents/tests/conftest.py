"""Fixtures of the incidents tests: a straight-line world, fresh per-process indexes, a webhook receiver.

(`asgi_server`, a daphne server in this process, is in yingji/conftest.py.)
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from yingji.incidents.services.ranking import team_index
from yingji.jurisdictions import locate


@pytest.fixture(autouse=True)
def _fresh_indexes(settings):  # type: ignore[no-untyped-def]
    # No road network file: every travel time is the straight-line estimate.
    settings.YINGJI_ROAD_NETWORK = ""
    team_index.reset()
    locate._index = None
    yield
    team_index.reset()


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    answers: list[tuple[int, dict]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, body))
        status, answer = type(self).answers.pop(0) if type(self).answers else (200, {"errcode": 0})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    """(base URL, handler class) of a local HTTP server answering robots' {"errcode": 0} (or `handler.answers`)."""
    _Receiver.received, _Receiver.answers = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Receiver
    server.shutdown()
