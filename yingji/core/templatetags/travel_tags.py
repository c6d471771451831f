"""`{% load travel_tags %}` then `{{ seconds|travel_time:estimated }}`: one trip's time, as every screen shows it."""

from __future__ import annotations

from django import template

from yingji.core.travel import travel_text

register = template.Library()


@register.filter
def travel_time(seconds: float | None, estimated: bool = False) -> str:
    """"7.9 分钟", or "约 8 分钟（估算）" for a straight-line estimate (see core.travel.travel_text)."""
    return travel_text(seconds, bool(estimated))


@register.filter
def elapsed(seconds: float | None) -> str:
    """A running clock as a dispatcher reads it aloud: "32:56", or "1:05:09" past the hour."""
    if seconds is None:
        return "—"
    total = max(0, int(round(float(seconds))))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
