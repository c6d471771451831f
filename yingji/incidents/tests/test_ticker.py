"""The tick that escalates unanswered call-outs runs by itself in the serving process (development, demo)."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from yingji import cli
from yingji.incidents import ticker
from yingji.incidents.models import Dispatch, DispatchStatus
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.tests.builders import fire_in_a, world

pytestmark = pytest.mark.django_db(transaction=True)


def overdue_call_out(cast) -> Dispatch:  # type: ignore[no-untyped-def]
    w = world(cast)
    incident = fire_in_a(cast)
    [d] = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    Dispatch.objects.filter(pk=d.pk).update(called_at=timezone.now() - datetime.timedelta(minutes=5))
    return d


def test_it_escalates_an_overdue_call_out_from_its_own_thread(cast, tmp_path):
    d = overdue_call_out(cast)
    running = ticker.start(interval=0.1, lock_file=tmp_path / "tick.lock")
    assert running is not None and running.daemon
    try:
        # Wait without reading the database: SQLite's shared in-memory test database locks whole tables.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and running.ticks < 1:
            time.sleep(0.05)
    finally:
        running.stop()
    assert not running.is_alive()
    assert Dispatch.objects.get(pk=d.pk).status == DispatchStatus.TIMED_OUT
    successor = Dispatch.objects.get(escalated_from=d)
    assert successor.status == DispatchStatus.CALLED and successor.team_id != d.team_id


def test_only_one_process_ticks_and_zero_disables_it(db, tmp_path, settings):
    lock = tmp_path / "tick.lock"
    first = ticker.start(interval=60, lock_file=lock)
    assert first is not None
    try:
        assert ticker.start(interval=60, lock_file=lock) is None  # the lock is taken
    finally:
        first.stop()
    again = ticker.start(interval=60, lock_file=lock)  # released when the thread ended
    assert again is not None
    again.stop()
    assert ticker.start(interval=0, lock_file=lock) is None
    settings.YINGJI_TICK_SECONDS = 0
    assert ticker.start(lock_file=lock) is None


def test_yingji_serve_starts_the_tick_before_serving(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(ticker, "start", lambda: calls.append("tick"))
    monkeypatch.setattr("django.core.management.execute_from_command_line",
                        lambda argv: calls.append(" ".join(argv[1:])))
    cli.main(["serve", "--port", "8123"])
    assert calls == ["tick", "runserver 127.0.0.1:8123 --noreload"]
