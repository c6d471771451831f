"""Background work of the incidents app (django-tasks: immediate in tests, database worker otherwise)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notifications(ids: list[int]) -> dict[str, int]:
    """Deliver a batch of queued notifications (call-outs, robot messages, alerts)."""
    from yingji.incidents.services.notify import deliver

    return deliver(ids)

