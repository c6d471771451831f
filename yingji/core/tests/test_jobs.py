"""Scheduled jobs (core/jobs.py): due on a clock, one runner at a time per job, failures isolated."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from yingji.core import jobs
from yingji.core.models import ScheduledJob

T0 = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
EVERY = datetime.timedelta(seconds=30)


class Recorder:
    """A job body that remembers the clock of every run."""

    def __init__(self, fail: bool = False, hold_s: float = 0.0) -> None:
        self.calls: list[datetime.datetime] = []
        self.fail = fail
        self.hold_s = hold_s
        self.lock = threading.Lock()

    def __call__(self, now: datetime.datetime) -> dict[str, int]:
        with self.lock:
            self.calls.append(now)
        if self.hold_s:
            time.sleep(self.hold_s)
        if self.fail:
            raise RuntimeError("the gateway is down")
        return {"done": len(self.calls)}


def job(name: str, body: Recorder, every: datetime.timedelta = EVERY) -> jobs.Job:
    return jobs.Job(name, every, body)


@pytest.mark.django_db
def test_a_job_runs_when_due_and_not_before():
    body = Recorder()
    runner = jobs.Runner([job("test.clock", body)])
    assert [o.name for o in runner.run_due(T0)] == ["test.clock"]  # a new job is due at once
    assert runner.run_due(T0 + datetime.timedelta(seconds=29)) == []
    assert [o.name for o in runner.run_due(T0 + EVERY)] == ["test.clock"]
    assert body.calls == [T0, T0 + EVERY]  # the job gets the runner's clock
    row = ScheduledJob.objects.get(name="test.clock")
    assert row.runs == 2 and row.failures == 0 and row.last_error == ""
    assert row.due_at == T0 + 2 * EVERY and row.last_started_at == T0 + EVERY
    assert row.lease_owner == "" and row.lease_until is None and row.last_result == {"done": 2}


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_others_still_run():
    broken, healthy = Recorder(fail=True), Recorder()
    runner = jobs.Runner([job("test.broken", broken), job("test.healthy", healthy)])
    outcomes = {o.name: o for o in runner.run_due(T0)}
    assert not outcomes["test.broken"].ok and "the gateway is down" in outcomes["test.broken"].error
    assert outcomes["test.healthy"].ok and healthy.calls == [T0]
    row = ScheduledJob.objects.get(name="test.broken")
    assert row.failures == 1 and "RuntimeError: the gateway is down" in row.last_error
    # Not retried in a tight loop: due again after its period, like any job; a success clears the error.
    assert runner.run_due(T0 + datetime.timedelta(seconds=1)) == []
    broken.fail = False
    runner.run_due(T0 + EVERY)
    row.refresh_from_db()
    assert (row.runs, row.failures, row.last_error) == (2, 1, "")


@pytest.mark.django_db
def test_a_job_held_by_another_runner_waits_until_its_lease_expires():
    body = Recorder()
    ScheduledJob.objects.create(name="test.held", due_at=T0, lease_owner="elsewhere:1",
                                lease_until=T0 + datetime.timedelta(minutes=5))
    runner = jobs.Runner([job("test.held", body)])
    assert runner.run_due(T0 + datetime.timedelta(minutes=1)) == []
    # That runner died: once the lease has expired, another runner takes the job over.
    assert [o.name for o in runner.run_due(T0 + datetime.timedelta(minutes=5))] == ["test.held"]
    assert len(body.calls) == 1


def test_every_app_declares_its_jobs_in_its_jobs_module():
    declared = jobs.discover()
    assert {"incidents.escalate", "messaging.deliver_due"} <= set(declared)
    assert declared["incidents.escalate"].every == datetime.timedelta(seconds=15)
    with pytest.raises(Exception, match="two jobs are named incidents.escalate"):
        jobs.periodic("incidents.escalate", every=EVERY)(lambda now: None)


@pytest.mark.django_db
def test_yingji_tick_once_runs_the_due_jobs_and_status_lists_them(capsys):
    call_command("run_jobs", "--once")
    rows = {row.name: row for row in ScheduledJob.objects.all()}
    assert rows["incidents.escalate"].runs == 1 and rows["messaging.deliver_due"].runs == 1
    call_command("run_jobs", "--once")  # nothing is due a moment later
    assert ScheduledJob.objects.get(name="incidents.escalate").runs == 1
    call_command("run_jobs", "--status")
    out = capsys.readouterr().out
    assert "incidents.escalate  every 0:00:15" in out and "runs 1" in out


# ---------------------------------------------------------------- PostgreSQL: real concurrency
def _skip_unless_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runners_never_run_one_job_twice():
    _skip_unless_postgres()
    bodies = {f"test.pair{i}": Recorder(hold_s=0.2) for i in range(4)}
    declared = [job(name, body) for name, body in bodies.items()]
    runners = [jobs.Runner(declared), jobs.Runner(declared)]
    ran: dict[str, list[str]] = {r.owner: [] for r in runners}
    start = threading.Barrier(2)

    def work(runner: jobs.Runner, now: datetime.datetime) -> None:
        try:
            start.wait()
            ran[runner.owner] += [o.name for o in runner.run_due(now)]
        finally:
            connection.close()

    for round_no in range(3):
        now = T0 + round_no * EVERY
        threads = [threading.Thread(target=work, args=(r, now)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    # Every job ran exactly once per round, whichever runner took it.
    assert {name: len(body.calls) for name, body in bodies.items()} == {name: 3 for name in bodies}
    assert sorted(sum(ran.values(), [])) == sorted(list(bodies) * 3)
    assert set(ScheduledJob.objects.filter(name__in=list(bodies)).values_list("runs", flat=True)) == {3}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_runner_skips_a_row_another_runner_is_claiming_instead_of_waiting():
    _skip_unless_postgres()
    body = Recorder()
    ScheduledJob.objects.create(name="test.locked", due_at=T0)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                ScheduledJob.objects.select_for_update().get(name="test.locked")
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        assert jobs.Runner([job("test.locked", body)]).run_due(T0 + EVERY) == []  # skipped, not blocked
    finally:
        release.set()
        holder.join(10)
    assert body.calls == []
    assert [o.name for o in jobs.Runner([job("test.locked", body)]).run_due(T0 + EVERY)] == ["test.locked"]


def test_the_clock_default_is_now(db):
    body = Recorder()
    before = timezone.now()
    jobs.Runner([job("test.now", body)]).run_due()
    assert before <= body.calls[0] <= timezone.now()
