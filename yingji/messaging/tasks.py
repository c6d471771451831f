"""Background work of messaging (django-tasks: immediate in tests, the database worker otherwise)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_message(message_id: int) -> dict[str, int]:
    """Deliver what is due of one message; several of these share a big message (claims keep them apart)."""
    from yingji.messaging.delivery import drain

    return drain(message_id=message_id)
