"""The registry of assessment indicators: functions that measure a ledger over a jurisdiction and a period.

An assessment scheme (yingji/assessments) names an indicator by its key and
gives it parameters (targets, thresholds); the function answers how far the
jurisdiction got and *which records* the figure was counted from, so a score
can be opened down to the rows behind it. Capability apps register their
indicators in a module `indicators.py` (discovered from settings.YINGJI_APPS):

    from yingji.core.indicators import Measured, indicator

    @indicator("drills.held", _("Drills held against the rule"))
    def drills_held(area, period, params):
        rows = Drill.objects.in_subtree(area.path).filter(held_on__range=(period.start, period.end))
        return Measured(achieved=rows.count(), required=params.get("per_year", 2), records=rows)

The registry lives in `core` so that any app can register without importing
the assessments app, which comes after all of them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Window:
    """The period measured: its first and last day (inclusive), and the moment it is judged at."""

    start: datetime.date
    end: datetime.date

    @property
    def start_at(self) -> datetime.datetime:
        from django.utils import timezone

        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_at(self) -> datetime.datetime:
        """The first moment after the period (exclusive upper bound)."""
        from django.utils import timezone

        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1),
                                                             datetime.time.min))


@dataclass
class Measured:
    """What an indicator found: `achieved` out of `required` (the share is capped at 1), the
    records counted (a queryset, for the drill-down) and `extra` units beyond the target (bonus rules)."""

    achieved: float
    required: float
    records: QuerySet[Any] | None = None
    extra: float = 0.0
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """0..1; a target of nothing is met (a community with no incidents has no late ones)."""
        if self.required <= 0:
            return 1.0
        return max(0.0, min(1.0, self.achieved / self.required))


IndicatorFunction = Callable[[Any, Window, dict[str, Any]], Measured]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Any
    function: IndicatorFunction
    # How to link a record of `records` to its page (the drill-down); None: the record's get_absolute_url.
    record_url: Callable[[Any], str] | None = None
    description: Any = ""


REGISTRY: dict[str, Indicator] = {}
_discovered = False


def indicator(key: str, label: Any, *, record_url: Callable[[Any], str] | None = None,
              description: Any = "") -> Callable[[IndicatorFunction], IndicatorFunction]:
    """Register `function(area, window, params) -> Measured` under `key` ("<app>.<what>")."""

    def register(function: IndicatorFunction) -> IndicatorFunction:
        known = REGISTRY.get(key)
        if known is not None and (known.function.__module__, known.function.__qualname__) != (
                function.__module__, function.__qualname__):
            # One key, one meaning: two apps registering one key made the later silently win.
            raise ImproperlyConfigured(f"indicator {key!r} is registered by {known.function.__module__} "
                                       f"and again by {function.__module__}")
        REGISTRY[key] = Indicator(key, label, function, record_url, description)
        return function

    return register


def discover() -> dict[str, Indicator]:
    global _discovered
    if not _discovered:
        autodiscover_modules("indicators")
        _discovered = True
    return REGISTRY


def get(key: str) -> Indicator:
    registry = discover()
    if key not in registry:
        raise KeyError(key)
    return registry[key]
