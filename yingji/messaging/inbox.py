"""A user's in-app inbox ("我的消息"): their in-app deliveries, newest first, and how many are unread."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yingji.messaging.models import Channel, Delivery


def inbox(user: Any) -> QuerySet[Delivery]:
    """The user's own in-app deliveries (whatever their jurisdiction: they were sent to this person)."""
    if user is None or not user.is_authenticated:
        return Delivery.objects.none()
    return (Delivery.objects.filter(user=user, channel=Channel.IN_APP).select_related("message")
            .order_by("-queued_at", "-id"))


def unread_count(user: Any) -> int:
    """For the header on every page: one count on a small partial index."""
    if user is None or not user.is_authenticated:
        return 0
    return Delivery.objects.filter(user=user, channel=Channel.IN_APP, read_at=None).count()


def mark_shown(rows: list[Delivery], now: datetime.datetime | None = None) -> None:
    """The entries reached the recipient's screen (the inbox listed them): delivered."""
    fresh = [row.pk for row in rows if row.delivered_at is None]
    if fresh:
        now = now or timezone.now()
        Delivery.objects.filter(pk__in=fresh, delivered_at=None).update(delivered_at=now)
        from yingji.messaging import services  # services imports this module

        services.tell_progress(sorted({row.message_id for row in rows if row.pk in set(fresh)}), fresh)
        for row in rows:
            row.delivered_at = row.delivered_at or now
