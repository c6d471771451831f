"""Drill compliance: per street and community, the drills held this year against the frequency rules.

The requirements of a jurisdiction are every rule filed at it or above it that applies to its level
(`applies_to` street or community) or to it alone (`self`). Rules asking for the same thing (scope and
key field) do not add up: the highest minimum stands, so a community's own rule can ask more than the
district's, never less. A drill counts for a requirement when it was held by that jurisdiction in the
calendar year (its `held_on` date: 31 December is the old year, 1 January the new) and matches the
requirement's scope and key field (blank: any).

Behind: fewer drills held than the share of the minimum the year's elapsed days ask for, rounded half
up (⌊minimum × elapsed / days in year + ½⌋): a rule of one a year is behind from 2 July (day 183 of
365) with none held; at the year's end the share is the minimum itself. Due: what is
still to hold before 31 December.

Three queries whatever the size: the jurisdictions, the rules over them, the drills counted by
jurisdiction, scope and key field.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from yingji.drills.models import Drill, DrillRule, RuleTarget, requirement_label
from yingji.jurisdictions.models import Jurisdiction, Level

LEVELS = (Level.STREET, Level.COMMUNITY)


@dataclass
class Requirement:
    scope: str
    key_field: str
    minimum: int
    held: int = 0
    expected: int = 0  # by the day the view is for

    @property
    def label(self) -> str:
        return requirement_label(self.scope, self.key_field)

    @property
    def due(self) -> int:
        return max(0, self.minimum - self.held)

    @property
    def behind(self) -> bool:
        return self.held < self.expected


@dataclass
class Row:
    jurisdiction: Jurisdiction
    street: Jurisdiction | None
    requirements: list[Requirement] = field(default_factory=list)
    held: int = 0  # every drill the jurisdiction held this year

    @property
    def required(self) -> int:
        return sum(r.minimum for r in self.requirements)

    @property
    def due(self) -> int:
        return sum(r.due for r in self.requirements)

    @property
    def behind(self) -> bool:
        return any(r.behind for r in self.requirements)

    @property
    def met(self) -> bool:
        return self.due == 0


def elapsed_share(year: int, today: datetime.date) -> tuple[int, int]:
    """(days of `year` elapsed by `today` inclusive, days in `year`)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    days = (last - first).days + 1
    if today < first:
        return 0, days
    if today > last:
        return days, days
    return (today - first).days + 1, days


def requirements_for(jurisdiction: Jurisdiction, rules: list[DrillRule]) -> list[Requirement]:
    """The requirements over `jurisdiction` from `rules` (any rules; those that do not apply are skipped)."""
    wanted: dict[tuple[str, str], int] = {}
    for rule in rules:
        filed = rule.jurisdiction.path
        if rule.applies_to == RuleTarget.SELF:
            applies = rule.jurisdiction_id == jurisdiction.pk
        else:
            applies = rule.applies_to == jurisdiction.level and jurisdiction.path.startswith(filed) \
                and jurisdiction.pk != rule.jurisdiction_id
        if applies:
            key = (rule.scope, rule.key_field)
            wanted[key] = max(wanted.get(key, 0), rule.minimum_per_year)
    return [Requirement(scope, key_field, minimum) for (scope, key_field), minimum in
            sorted(wanted.items(), key=lambda item: (item[0][0] != "comprehensive", item[0]))]


def compute(jurisdictions: list[Jurisdiction], year: int, today: datetime.date) -> list[Row]:
    """The compliance rows of these streets and communities for `year`, as of `today`."""
    if not jurisdictions:
        return []
    ids = [j.pk for j in jurisdictions]
    ancestors = {p for j in jurisdictions for p in _ancestors(j.path)}
    rules = list(DrillRule.objects.filter(jurisdiction__path__in=ancestors).select_related("jurisdiction"))
    counts: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for jurisdiction_id, scope, key_field, n in (
            Drill.objects.filter(jurisdiction_id__in=ids, held_on__gte=datetime.date(year, 1, 1),
                                 held_on__lte=datetime.date(year, 12, 31))
            .values_list("jurisdiction_id", "scope", "key_field").annotate(n=Count("pk")).order_by()):
        counts[jurisdiction_id].append((scope, key_field, n))
    elapsed, days = elapsed_share(year, today)
    by_id = {j.pk: j for j in jurisdictions}
    rows = []
    for j in jurisdictions:
        row = Row(jurisdiction=j, street=j if j.level == Level.STREET else by_id.get(j.parent_id),
                  requirements=requirements_for(j, rules))
        held = counts.get(j.pk, [])
        row.held = sum(n for _s, _k, n in held)
        for req in row.requirements:
            req.held = sum(n for scope, key_field, n in held
                           if (not req.scope or scope == req.scope) and (not req.key_field or key_field == req.key_field))
            req.expected = (2 * req.minimum * elapsed + days) // (2 * days)  # ⌊minimum × elapsed / days + ½⌋
        rows.append(row)
    return rows


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def scope_rows(user: Any, area: Jurisdiction | None, year: int, today: datetime.date) -> list[Row]:
    """The rows of the streets and communities `user` sees (under `area` when given), streets first within
    each street's group: street, its communities, the next street…"""
    queryset = Jurisdiction.objects.visible_to(user).filter(level__in=LEVELS)
    if area is not None:
        queryset = queryset.filter(path__startswith=area.path)
    return compute(list(queryset.order_by("path")), year, today)


def summary(rows: list[Row]) -> dict[str, int]:
    return {"jurisdictions": len(rows), "met": sum(r.met for r in rows), "behind": sum(r.behind for r in rows),
            "due": sum(r.due for r in rows)}
