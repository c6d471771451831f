"""Template filters of the incidents pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def minutes_seconds(seconds: float | None) -> str:
    """Elapsed time as the console shows it, m:ss (33:05); minutes keep counting past the hour."""
    if seconds is None:
        return "—"
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
