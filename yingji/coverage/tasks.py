"""Background work of coverage (django-tasks: immediate in tests, the database worker otherwise)."""

from __future__ import annotations

from django_tasks import task

from yingji.coverage.models import CoverageRun
from yingji.coverage.services.siting import compute_siting


@task()
def run_siting(run_id: int) -> dict[str, str]:
    """Compute a queued siting study (services.studies.request_siting queues it)."""
    run = CoverageRun.objects.select_related("jurisdiction").get(pk=run_id)
    compute_siting(run)
    return {"status": run.status}


@task()
def run_replay(run_id: int) -> dict[str, str]:
    """Compute a queued what-if replay (services.whatif.request_replay queues it)."""
    from yingji.coverage.models import ReplayRun
    from yingji.coverage.services.whatif import compute_replay

    run = ReplayRun.objects.select_related("jurisdiction", "siting_run", "created_by").get(pk=run_id)
    compute_replay(run)
    return {"status": run.status}
