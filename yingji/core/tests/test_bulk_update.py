"""core.bulk.update_by_pk writes each object's fields to its own row (NULLs, times, JSON), nothing else."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.core.bulk import update_by_pk
from yingji.core.models import ScheduledJob

pytestmark = pytest.mark.django_db


def test_it_writes_each_rows_own_values_and_leaves_the_others():
    now = timezone.now()
    jobs = [ScheduledJob.objects.create(name=f"job{i}", due_at=now) for i in range(5)]
    for i, job in enumerate(jobs[:4]):
        job.due_at = now + datetime.timedelta(minutes=i)
        job.lease_until = None if i % 2 else now
        job.last_result = {"n": i}
        job.runs = i * 10
        job.name = "not written"
    assert update_by_pk(jobs[:4], ["due_at", "lease_until", "last_result", "runs"]) == 4
    rows = {j.pk: j for j in ScheduledJob.objects.all()}
    for i, job in enumerate(jobs[:4]):
        row = rows[job.pk]
        assert row.due_at == now + datetime.timedelta(minutes=i) and row.runs == i * 10
        assert row.last_result == {"n": i} and (row.lease_until is None) == bool(i % 2)
        assert row.name == f"job{i}"
    assert rows[jobs[4].pk].runs == 0 and rows[jobs[4].pk].last_result is None
    assert update_by_pk([], ["runs"]) == 0
