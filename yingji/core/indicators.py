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

An indicator may also have a *grouped form*, registered beside it under the same key, which measures
all the subjects of a scheme (its streets or communities) in one pass over the scheme's area and
answers, per subject id, the figures the one-area function answers (achieved, required, extra,
details; not the records, which the drill-down asks of the one-area function):

    @grouped("drills.own")
    def own_all(subjects, window, params):
        return {row.jurisdiction.pk: figures(row) for row in compliance.compute(subjects.areas, ...)}

Both forms live in the owning app and share its query builders and arithmetic; assessments only
dispatches (yingji/assessments/grouped.py builds the Subjects and falls back to the one-area function
for a key without a grouped form).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
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


# ------------------------------------------------------------------ grouped forms
class Subjects:
    """The subjects a grouped form measures together (`areas`, under `root`, the scheme's area), and
    every jurisdiction under `root` mapped to the subject it lies under. `places` are the (id, code, path,
    is a community) rows of the jurisdictions under `root`; yingji.assessments.grouped reads them."""

    def __init__(self, root: Any, areas: list[Any], places: Iterable[tuple[int, str, str, bool]],
                 windows: list[Window] | None = None) -> None:
        self.root, self.areas = root, areas
        self.windows = windows or []  # every window to be measured (those whose figures share a pass)
        # What several windows share (the ledger quality at one moment, a year's 应知应会 months), computed once.
        self.memo: dict[tuple[Any, ...], Any] = {}
        by_path = {a.path: a for a in areas}
        lengths = sorted({len(p) for p in by_path})
        self.of: dict[int, Any] = {}  # a jurisdiction's id -> the subject it lies under
        self.by_code: dict[str, Any] = {}  # the same, by the jurisdiction's code
        self.communities: dict[int, int] = defaultdict(int)  # subject id -> its communities (itself included)
        for pk, code, path, is_community in places:
            subject = next((by_path[path[:n]] for n in lengths if path[:n] in by_path), None)
            if subject is not None:
                self.of[pk] = self.by_code[code] = subject
                self.communities[subject.pk] += bool(is_community)

    def tally(self, rows: Any) -> dict[int, list[Any]]:
        """(jurisdiction id, *values) rows bucketed per subject id: {subject id: [values, …]}."""
        out: dict[int, list[Any]] = defaultdict(list)
        for place, *values in rows:
            subject = self.of.get(place)
            if subject is not None:
                out[subject.pk].append(values)
        return out

    def sums(self, rows: Any, *keys: str) -> dict[int, dict[str, int]]:
        """Grouped counts ({"jurisdiction_id": …, key: n, …} rows) summed per subject id."""
        out: dict[int, dict[str, int]] = {a.pk: dict.fromkeys(keys, 0) for a in self.areas}
        for row in rows:
            subject = self.of.get(row["jurisdiction_id"])
            if subject is not None:
                for key in keys:
                    out[subject.pk][key] += row[key]
        return out


GroupedFunction = Callable[[Subjects, Window, dict[str, Any]], dict[int, Measured]]
GROUPED: dict[str, GroupedFunction] = {}


def grouped(key: str) -> Callable[[GroupedFunction], GroupedFunction]:
    """Register `function(subjects, window, params) -> {subject id: Measured}` as the grouped form of the
    indicator `key`: the same figures as its one-area function, for every subject at once."""

    def register(function: GroupedFunction) -> GroupedFunction:
        known = GROUPED.get(key)
        if known is not None and (known.__module__, known.__qualname__) != (function.__module__,
                                                                            function.__qualname__):
            raise ImproperlyConfigured(f"the grouped form of {key!r} is registered by {known.__module__} "
                                       f"and again by {function.__module__}")
        GROUPED[key] = function
        return function

    return register


def grouped_form(key: str) -> GroupedFunction | None:
    """The grouped form registered for `key`, or None (measure each subject with the one-area function)."""
    discover()
    return GROUPED.get(key)
