"""`yingji serve` runs the task worker and the scheduled jobs beside the web server (development, demo)."""

from __future__ import annotations

import datetime
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from yingji import cli
from yingji.core import background
from yingji.incidents.models import Dispatch, DispatchStatus
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.tests.builders import fire_in_a, world

ROOT = Path(__file__).resolve().parents[3]

# Run in a fresh process on a fresh SQLite file: the cast and the coverage test world (a 6-junction
# road network saved where the settings look for it), then one siting study queued in the database.
SETUP = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "yingji.settings"
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("migrate", verbosity=0)
from yingji.core.testing import build_cast
from yingji.coverage.tests.builders import line_network, world
from yingji.coverage.services.studies import request_siting
cast = build_cast()
world(cast)
line_network().save(settings.YINGJI_ROAD_NETWORK)
run = request_siting(actor=cast.commander, area=cast.district, new_sites=1, minutes=3)
print(run.pk)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db, timeout=5) as conn:
        return conn.execute(sql).fetchall()


def _answers(url: str, deadline: float) -> int:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return int(answer.status)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_a_siting_study_finishes_and_the_jobs_run_under_yingji_serve(tmp_path):
    db = tmp_path / "yingji.sqlite3"
    env = {k: v for k, v in os.environ.items()
           if k not in ("YINGJI_TESTING", "DJANGO_SETTINGS_MODULE", "YINGJI_MODE", "REDIS_URL")}
    env.update(YINGJI_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{db}", YINGJI_TICK_SECONDS="1",
               YINGJI_TASK_BACKEND="django_tasks_db.DatabaseBackend")
    setup = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=300)
    assert setup.returncode == 0, setup.stderr[-3000:]
    run_id = int(setup.stdout.strip().splitlines()[-1])
    assert _query(db, f"SELECT status FROM coverage_coveragerun WHERE id = {run_id}") == [("queued",)]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "yingji.cli", "serve", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        status, runs = "queued", 0
        while time.monotonic() < deadline and (status != "done" or runs < 1):
            time.sleep(0.5)
            assert server.poll() is None, server.stderr.read()[-3000:] if server.stderr else ""
            status = _query(db, f"SELECT status FROM coverage_coveragerun WHERE id = {run_id}")[0][0]
            runs = sum(r for (r,) in _query(db, "SELECT runs FROM core_scheduledjob WHERE name = 'incidents.escalate'"))
        assert status == "done", _query(db, f"SELECT error FROM coverage_coveragerun WHERE id = {run_id}")
        assert runs >= 1
        assert _answers(f"http://127.0.0.1:{port}/healthz", deadline) == 200  # and it serves
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        if server.stderr:
            server.stderr.close()


@pytest.mark.django_db(transaction=True)
def test_the_jobs_thread_escalates_an_overdue_call_out(cast):
    w = world(cast)
    incident = fire_in_a(cast)
    [d] = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    Dispatch.objects.filter(pk=d.pk).update(called_at=timezone.now() - datetime.timedelta(minutes=5))
    runner = background.JobsThread(interval=0.1)
    runner.start()
    try:
        # Wait without reading the database: SQLite's shared in-memory test database locks whole tables.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and runner.ticks < 1:
            time.sleep(0.05)
    finally:
        runner.stop()
    assert not runner.is_alive()
    assert Dispatch.objects.get(pk=d.pk).status == DispatchStatus.TIMED_OUT
    successor = Dispatch.objects.get(escalated_from=d)
    assert successor.status == DispatchStatus.CALLED and successor.team_id != d.team_id


def test_yingji_serve_starts_the_background_work_before_serving_unless_told_not_to(monkeypatch, settings):
    calls: list[str] = []

    class Started:
        def stop(self) -> None:
            calls.append("stopped")

    monkeypatch.setattr(background, "start", lambda: calls.append("background") or Started())
    monkeypatch.setattr("django.core.management.execute_from_command_line",
                        lambda argv: calls.append(" ".join(argv[1:])))
    cli.main(["serve", "--port", "8123"])
    assert calls == ["background", "runserver 127.0.0.1:8123 --noreload", "stopped"]
    calls.clear()
    settings.YINGJI_SERVE_BACKGROUND = False
    cli.main(["serve", "--port", "8123"])
    assert calls == ["runserver 127.0.0.1:8123 --noreload"]


def test_no_worker_thread_when_tasks_do_not_queue_in_the_database(settings):
    # In tests tasks run immediately: there is nothing for a worker thread to take.
    assert background.database_task_backend() is None
    settings.YINGJI_TICK_SECONDS = 0
    assert background.start().threads == []
