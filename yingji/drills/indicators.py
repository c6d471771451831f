"""Drills' indicators for assessments and the dashboard (registered in yingji.core.indicators), on the
compliance view's own rule (drills/compliance.py): the frequency rules of the period's year, each
requirement counted up to its minimum (more drills of one kind do not make up for another).

    drills.held            drills held against every requirement of the streets and communities in the area
    drills.own             the area's own requirements only (a street scored on its own rule, not its communities')
    drills.comprehensive   the streets' comprehensive drills against their rule (≥ 2 a year in the demo)

drills.own has a grouped form (every subject of a scheme in one compliance pass, yingji.core.indicators.grouped);
the one-area function is that form applied to one area, plus the records.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yingji.core.indicators import Measured, Subjects, Window, grouped, indicator
from yingji.drills import compliance
from yingji.drills.models import Drill, DrillScope
from yingji.jurisdictions.models import Jurisdiction, Level


def _rows(area: Jurisdiction, window: Window, levels: tuple[str, ...]) -> list[compliance.Row]:
    places = list(Jurisdiction.objects.filter(path__startswith=area.path, level__in=levels).order_by("path"))
    return compliance.compute(places, window.end.year, window.end)


def _records(area: Jurisdiction, window: Window, **filters: Any) -> Any:
    return Drill.objects.filter(jurisdiction__path__startswith=area.path, held_on__gte=window.start,
                                held_on__lte=window.end, **filters)


@indicator("drills.held", _("Drills held against the frequency rules"))
def held(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    rows = _rows(area, window, compliance.LEVELS)
    reqs = [r for row in rows for r in row.requirements]
    return Measured(achieved=sum(min(r.held, r.minimum) for r in reqs), required=sum(r.minimum for r in reqs),
                    records=_records(area, window),
                    details={"behind": [row.jurisdiction.name for row in rows if row.behind][:50]})


@indicator("drills.comprehensive", _("Comprehensive drills of the streets"))
def comprehensive(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    rows = _rows(area, window, (Level.STREET,))
    reqs = [r for row in rows for r in row.requirements if r.scope == DrillScope.COMPREHENSIVE and not r.key_field]
    return Measured(achieved=sum(min(r.held, r.minimum) for r in reqs), required=sum(r.minimum for r in reqs),
                    records=_records(area, window, scope=DrillScope.COMPREHENSIVE, jurisdiction__level=Level.STREET))


def _own_figures(areas: list[Jurisdiction], window: Window) -> dict[int, Measured]:
    """Each area's own requirements in the period's year, each counted up to its minimum, by area id."""
    return {row.jurisdiction.pk: Measured(achieved=sum(min(r.held, r.minimum) for r in row.requirements),
                                          required=row.required)
            for row in compliance.compute(areas, window.end.year, window.end)}


@grouped("drills.own")
def own_all(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    """drills.own for every subject at once (one compliance pass)."""
    return _own_figures(subjects.areas, window)


@indicator("drills.own", _("Drills held against the area's own rules"),
           record_url=lambda d: reverse("drills:detail", args=[d.pk]))
def own(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """The requirements of the area itself in the period's year (a street ≥ 2 comprehensive, key fields ≥ 1…),
    each counted up to its minimum: what an assessment scores a street or community on."""
    measured = _own_figures([area], window)[area.pk]
    measured.records = Drill.objects.filter(jurisdiction=area, held_on__gte=datetime.date(window.end.year, 1, 1),
                                            held_on__lte=window.end).order_by("held_on")
    return measured
