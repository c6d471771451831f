"""Indicators measured for every subject of a scheme at once (issue 13).

A registered indicator (yingji.core.indicators) measures one area: scored per street and per period,
a ranking asked each ledger once per street, quarter and indicator (736 queries for the Futian
year). The grouped form of an indicator measures all the subjects (the streets or communities a
scheme scores) in one pass over the scheme's area — one grouped query, the rows bucketed by the
subject their jurisdiction lies under — and answers the figures the one-area function answers for
each: achieved, required, extra, details (tests/test_grouped.py compares them). Not the records: a
ranking never reads them (building a queryset per subject, indicator and window was ~15 % of the year
page), and the drill-down asks the one-area function (services.indicator_records). The counting rule
stays the one-area function's: both read the same queryset builders and arithmetic (indicators.py),
or call the owning app's service (drills, training, publicity) once for the whole area.

`measure_all` falls back to the one-area function for a key without a grouped form.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db.models import Count

from yingji.assessments import indicators as own
from yingji.core import indicators as registry
from yingji.core.indicators import Measured, Window
from yingji.jurisdictions.models import Jurisdiction, Level


class Subjects:
    """The subjects measured together, under `root` (the scheme's area), and every jurisdiction under
    them mapped to its subject (one query)."""

    def __init__(self, root: Jurisdiction, areas: list[Jurisdiction], windows: list[Window] | None = None) -> None:
        self.root, self.areas = root, areas
        self.windows = windows or []  # every window to be measured (those whose figures share a pass)
        # What several windows share (the ledger quality at one moment, a year's 应知应会 months), computed once.
        self.memo: dict[tuple[Any, ...], Any] = {}
        by_path = {a.path: a for a in areas}
        lengths = sorted({len(p) for p in by_path})
        self.of: dict[int, Jurisdiction] = {}  # a jurisdiction's id -> the subject it lies under
        self.by_code: dict[str, Jurisdiction] = {}  # the same, by the jurisdiction's code
        self.communities: dict[int, int] = defaultdict(int)  # subject id -> its communities (itself included)
        for pk, code, path, level in (Jurisdiction.objects.filter(path__startswith=root.path)
                                      .values_list("pk", "code", "path", "level")):
            subject = next((by_path[path[:n]] for n in lengths if path[:n] in by_path), None)
            if subject is not None:
                self.of[pk] = self.by_code[code] = subject
                self.communities[subject.pk] += level == Level.COMMUNITY

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


Grouped = Callable[[Subjects, Window, dict[str, Any]], dict[int, Measured]]
GROUPED: dict[str, Grouped] = {}


def grouped(key: str) -> Callable[[Grouped], Grouped]:
    def register(function: Grouped) -> Grouped:
        GROUPED[key] = function
        return function

    return register


def measure_all(key: str, subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    """Every subject's Measured for indicator `key` over `window`, by subject id."""
    if key in GROUPED:
        return GROUPED[key](subjects, window, params)
    function = registry.get(key).function
    return {a.pk: function(a, window, params) for a in subjects.areas}


# ------------------------------------------------------------------ this app's indicators
@grouped("hazards.closed_on_time")
def _hazards(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    counts = subjects.sums(own.hazards_due(subjects.root.path, window).order_by().values("jurisdiction_id")
                           .annotate(**own.HAZARD_COUNTS), *own.HAZARD_COUNTS)
    return {a.pk: own.hazards_measured(counts[a.pk], None) for a in subjects.areas}


@grouped("incidents.one_three_five")
def _one_three_five(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
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
def _acknowledged(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    counts = subjects.sums(own.recipients_of(subjects.root.path, window).order_by().values("jurisdiction_id")
                           .annotate(**own.RECIPIENT_COUNTS), *own.RECIPIENT_COUNTS)
    return {a.pk: own.recipients_measured(counts[a.pk], None) for a in subjects.areas}


@grouped("duty.reports_on_time")
def _reports(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    judged = own._judged_at(window)
    rows: dict[int, list[Any]] = defaultdict(list)
    for report in own.reports_due(subjects.root.path, window).only("pk", "due_at", "submitted_at", "jurisdiction_id"):
        subject = subjects.of.get(report.jurisdiction_id)
        if subject is not None:
            rows[subject.pk].append(report)
    return {a.pk: own.reports_measured(sum(not own.is_late(r, judged) for r in rows[a.pk]), len(rows[a.pk]),
                                       None) for a in subjects.areas}


@grouped("plans.current")
def _plans(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    aggregates = own.plan_counts(window)
    counts = subjects.sums(own.plans_of(subjects.root.path, window).order_by().values("jurisdiction_id")
                           .annotate(**aggregates), *aggregates)
    return {a.pk: own.plans_measured(params, counts[a.pk], None) for a in subjects.areas}


@grouped("supplies.stock_counted")
def _stock(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    since = own.counted_since(window, params)
    rows = subjects.tally(own.warehouses_of(subjects.root.path, window).values_list("jurisdiction_id", "last_count"))
    out = {}
    for a in subjects.areas:
        lasts = [last for (last,) in rows.get(a.pk, [])]
        out[a.pk] = own.warehouses_measured(sum(1 for last in lasts if last is not None and last >= since), len(lasts),
                                            None)
    return out


@grouped("resources.stations_by_type")
def _stations(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
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
def _quality(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
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



# ------------------------------------------------------------------ other apps' indicators
# Their owning app's service called once for the scheme's whole area, its answer split per subject; the
# arithmetic after it is the one-area function's (drills/, training/ and publicity/indicators.py), which
# these must follow when it changes (tests/test_grouped.py compares the two on every key below).
@grouped("drills.own")
def _drills_own(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    from yingji.drills import compliance

    return {row.jurisdiction.pk: Measured(achieved=sum(min(r.held, r.minimum) for r in row.requirements),
                                          required=row.required)
            for row in compliance.compute(subjects.areas, window.end.year, window.end)}


@grouped("training.days_met")
def _days_met(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    from yingji.resources.models import Member
    from yingji.training import services

    members = Member.objects.filter(team__jurisdiction__path__startswith=subjects.root.path)
    found = services.short_of_rules(members, window.end.year)
    short = set(found.short_ids)
    per_subject = subjects.tally(members.order_by().values_list("team__jurisdiction_id", "pk"))
    out = {}
    for a in subjects.areas:
        ids = [pk for (pk,) in per_subject.get(a.pk, [])]
        meeting = [pk for pk in ids if pk not in short]
        out[a.pk] = Measured(achieved=len(meeting), required=len(ids), details={"short": len(ids) - len(meeting)})
    return out


@grouped("training.must_know")
def _must_know(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    from yingji.training import services

    held: dict[int, int] = defaultdict(int)
    due: dict[int, int] = defaultdict(int)
    months = {(y, m) for y in range(window.start.year, window.end.year + 1) for m in range(1, 13)
              if (window.start.year, window.start.month) <= (y, m) <= (window.end.year, window.end.month)}
    for year in sorted({y for y, _m in months}):
        # As of the year's last day: the months counted are the window's, up to its end, which the gaps
        # "as of the window's end" hold too — so one answer per year serves the four quarters and the year.
        memo = ("must_know", year)
        if memo not in subjects.memo:
            subjects.memo[memo] = services.must_know_gaps(subjects.root, year, datetime.date(year, 12, 31))
        for gap in subjects.memo[memo]:
            subject = subjects.of.get(gap.team.jurisdiction_id)
            if subject is None:
                continue
            for month in range(1, 13):
                if (year, month) not in months or (month not in gap.held and month not in gap.missed):
                    continue
                due[subject.pk] += 1
                held[subject.pk] += int(month in gap.held)
    return {a.pk: Measured(achieved=held[a.pk], required=due[a.pk]) for a in subjects.areas}


@grouped("training.quiz_people")
def _quiz_people(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    from yingji.training import quizzes

    people: dict[int, int] = defaultdict(int)
    for row in quizzes.quiz_participation(subjects.root, window.start, window.end):
        subject = subjects.by_code.get(row["code"])
        if subject is not None:
            people[subject.pk] += row["people"]
    return {a.pk: Measured(achieved=people[a.pk],
                           required=float(params.get("per_community", 20)) * max(subjects.communities[a.pk], 1))
            for a in subjects.areas}


@grouped("publicity.events")
def _publicity_events(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    from yingji.publicity.indicators import _events

    counts = subjects.sums(_events(subjects.root, window).order_by().values("jurisdiction_id")
                           .annotate(n=Count("pk")), "n")
    out = {}
    for a in subjects.areas:
        required = float(params.get("per_community", 4)) * max(subjects.communities[a.pk], 1)
        achieved = counts[a.pk]["n"]
        out[a.pk] = Measured(achieved=achieved, required=required,
                             extra=max(0.0, achieved - required))
    return out


@grouped("training.coverage")
def _coverage(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    from yingji.resources.models import Member, Team
    from yingji.training import services
    from yingji.training.models import CoverageRule

    found = services.coverage(subjects.root, window.end.year)
    # The members it counted, per subject: those of the teams of the kinds their nearest rule names
    # (training's own rule, services._coverage_rule, as coverage() picks them).
    rules = list(CoverageRule.objects.select_related("jurisdiction").defer("jurisdiction__boundary"))
    kinds: dict[str, list[str]] = {}  # a place's path -> the team kinds its rule counts
    counted = []
    for pk, kind, path in (Team.objects.filter(jurisdiction__path__startswith=subjects.root.path).order_by()
                           .values_list("pk", "kind", "jurisdiction__path")):
        if path not in kinds:
            kinds[path] = services._coverage_rule(path, rules)[1]
        if kind in kinds[path]:
            counted.append(pk)
    members = subjects.tally(Member.objects.filter(team_id__in=counted).order_by()
                             .values_list("team__jurisdiction_id", "pk"))
    missing: dict[int, list[tuple[int, str]]] = defaultdict(list)  # subject id -> (id, name), in coverage's order
    names = {pk: (name, place) for pk, name, place in Member.objects.filter(pk__in=found.missing_ids)
             .values_list("pk", "name", "team__jurisdiction_id")}
    for pk in found.missing_ids:
        name, place = names[pk]
        if place in subjects.of:
            missing[subjects.of[place].pk].append((pk, name))
    out = {}
    for a in subjects.areas:
        gone = missing[a.pk]
        required = len(members.get(a.pk, []))
        out[a.pk] = Measured(achieved=required - len(gone), required=required,
                             details={"missing": [name for _pk, name in gone[:50]]})
    return out
