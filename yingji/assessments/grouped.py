"""Indicators measured for every subject of a scheme at once (issue 13).

A registered indicator (yingji.core.indicators) measures one area: scored per street and per period,
a ranking asked each ledger once per street, quarter and indicator (736 queries for the Futian
year). The grouped form of an indicator measures all the subjects (the streets or communities a
scheme scores) in one pass over the scheme's area — one grouped query, the rows bucketed by the
subject their jurisdiction lies under — and answers the figures the one-area function answers for
each: achieved, required, extra, details (tests/test_grouped.py compares them). Not the records: a
ranking never reads them (building a queryset per subject, indicator and window was ~15 % of the year
page), and the drill-down asks the one-area function (services.indicator_records). The counting rule
stays the one-area function's: both read the same queryset builders and arithmetic.

A grouped form is registered through yingji.core.indicators (`grouped`) beside its one-area function,
by the app that owns the indicator: this module holds those of the indicators assessments defines
(assessments/indicators.py); the drills', training's and publicity's live in their indicators.py.
This module builds the Subjects and dispatches (`measure_all`), falling back to the one-area function
for a key without a grouped form.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from yingji.assessments import indicators as own
from yingji.core import indicators as registry
from yingji.core.indicators import Measured, Window, grouped
from yingji.jurisdictions.models import Jurisdiction, Level


class Subjects(registry.Subjects):
    """The subjects measured together, under `root` (the scheme's area), and every jurisdiction under
    them mapped to its subject (one query)."""

    def __init__(self, root: Jurisdiction, areas: list[Jurisdiction], windows: list[Window] | None = None) -> None:
        places = (Jurisdiction.objects.filter(path__startswith=root.path)
                  .values_list("pk", "code", "path", "level"))
        super().__init__(root, areas, ((pk, code, path, level == Level.COMMUNITY) for pk, code, path, level in places),
                         windows)


def measure_all(key: str, subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    """Every subject's Measured for indicator `key` over `window`, by subject id: its grouped form (registered
    by the owning app beside the one-area function), else the one-area function per subject."""
    found = registry.grouped_form(key)
    if found is not None:
        return found(subjects, window, params)
    function = registry.get(key).function
    return {a.pk: function(a, window, params) for a in subjects.areas}


# ------------------------------------------------------------------ this app's indicators
@grouped("hazards.closed_on_time")
def _hazards(subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    counts = subjects.sums(own.hazards_due(subjects.root.path, window).order_by().values("jurisdiction_id")
                           .annotate(**own.HAZARD_COUNTS), *own.HAZARD_COUNTS)
    return {a.pk: own.hazards_measured(counts[a.pk], None) for a in subjects.areas}


@grouped("incidents.one_three_five")
def _one_three_five(subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    keys = own.clock_keys(params)
    rows = subjects.tally(own.incidents_received(subjects.root.path, window).order_by().values_list(
        "jurisdiction_id", *own.elapsed_us(keys)))
    out = {}
    for a in subjects.areas:
        found = rows.get(a.pk, [])
        met = sum(own.all_met(keys, elapsed) for elapsed in found)
        out[a.pk] = own.incidents_measured(met, len(found), None)
    return out


@grouped("warnings.acknowledged")
def _acknowledged(subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    counts = subjects.sums(own.recipients_of(subjects.root.path, window).order_by().values("jurisdiction_id")
                           .annotate(**own.RECIPIENT_COUNTS), *own.RECIPIENT_COUNTS)
    return {a.pk: own.recipients_measured(counts[a.pk], None) for a in subjects.areas}


@grouped("duty.reports_on_time")
def _reports(subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    judged = own._judged_at(window)
    rows: dict[int, list[Any]] = defaultdict(list)
    for report in own.reports_due(subjects.root.path, window).only("pk", "due_at", "submitted_at", "jurisdiction_id"):
        subject = subjects.of.get(report.jurisdiction_id)
        if subject is not None:
            rows[subject.pk].append(report)
    return {a.pk: own.reports_measured(sum(not own.is_late(r, judged) for r in rows[a.pk]), len(rows[a.pk]),
                                       None) for a in subjects.areas}


@grouped("plans.current")
def _plans(subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    aggregates = own.plan_counts(window)
    counts = subjects.sums(own.plans_of(subjects.root.path, window).order_by().values("jurisdiction_id")
                           .annotate(**aggregates), *aggregates)
    return {a.pk: own.plans_measured(params, counts[a.pk], None) for a in subjects.areas}


@grouped("supplies.stock_counted")
def _stock(subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    since = own.counted_since(window, params)
    rows = subjects.tally(own.warehouses_of(subjects.root.path, window).values_list("jurisdiction_id", "last_count"))
    out = {}
    for a in subjects.areas:
        lasts = [last for (last,) in rows.get(a.pk, [])]
        out[a.pk] = own.warehouses_measured(sum(1 for last in lasts if last is not None and last >= since), len(lasts),
                                            None)
    return out


@grouped("resources.stations_by_type")
def _stations(subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    needs = {a.pk: own.station_targets(a, params, subjects.communities[a.pk]) for a in subjects.areas}
    kinds = {kind: 0 for need in needs.values() for kind in need}
    rows = subjects.tally(own.stations_built(subjects.root.path, window, kinds).order_by()
                          .values_list("jurisdiction_id", "kind"))
    out = {}
    for a in subjects.areas:
        have: dict[str, int] = {}
        for (kind,) in rows.get(a.pk, []):
            if kind in needs[a.pk]:
                have[kind] = have.get(kind, 0) + 1
        out[a.pk] = own.stations_measured(a, needs[a.pk], have, None)
    return out


@grouped("quality.ledgers")
def _quality(subjects: registry.Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    from yingji.assessments.quality import problem_rows_at

    stock_days = int(params.get("stock_days", 90))
    memo = ("quality", stock_days)
    at = subjects.memo.setdefault(memo, {})
    if window.end_at not in at:  # every end the scorer measures, in one pass over the ledgers
        at.update(problem_rows_at(subjects.root, stock_days=stock_days,
                                  ends=sorted({w.end_at for w in subjects.windows} | {window.end_at})))
    rows_by_place, problem_rows_by_place = at[window.end_at]
    rows: dict[int, int] = defaultdict(int)
    problems: dict[int, int] = defaultdict(int)
    for place, n in rows_by_place.items():
        if place in subjects.of:
            rows[subjects.of[place].pk] += n
    for place, n in problem_rows_by_place.items():
        if place in subjects.of:
            problems[subjects.of[place].pk] += n
    return {a.pk: own.quality_measured(a, rows[a.pk], problems[a.pk]) for a in subjects.areas}
