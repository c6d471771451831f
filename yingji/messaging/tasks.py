"""Background work of messaging (django-tasks: immediate in tests, the database worker otherwise)."""

from __future__ import annotations

from django_tasks import task

from yingji.messaging.delivery import drain


@task()
def deliver_messages(message_ids: list[int]) -> dict[str, int]:
    """Deliver what is due of these messages; several of these tasks share big messages (claims keep them apart)."""
    return drain(message_ids=message_ids)
