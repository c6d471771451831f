"""Publicity's indicators for assessments (registered in yingji.core.indicators).

    publicity.events      events held in the period against `per_community` (default 4) per community
    publicity.campaigns   campaign days and months of the period with at least one event
    publicity.five_into   of the five "五进" venues, those reached by an event in the period

publicity.events has a grouped form (every subject of a scheme in one grouped count,
yingji.core.indicators.grouped) sharing the events' queryset and the arithmetic with the one-area function.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yingji.core.indicators import Measured, Subjects, Window, grouped, indicator
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.publicity.models import CAMPAIGN_MONTH, PublicityEvent, Venue


def _events(area: Jurisdiction, window: Window) -> Any:
    return PublicityEvent.objects.in_subtree(area.path).filter(held_on__gte=window.start, held_on__lte=window.end)


def _url(event: PublicityEvent) -> str:
    return reverse("publicity:detail", args=[event.pk])


def _events_measured(achieved: int, communities: int, params: dict[str, Any]) -> Measured:
    """`achieved` events against `per_community` (default 4) for each community (at least one); the events
    beyond it are extra (a bonus rule's units)."""
    required = float(params.get("per_community", 4)) * max(communities, 1)
    return Measured(achieved=achieved, required=required, extra=max(0.0, achieved - required))


@grouped("publicity.events")
def events_all(subjects: Subjects, window: Window, params: dict[str, Any]) -> dict[int, Measured]:
    """publicity.events for every subject at once (one count grouped by jurisdiction)."""
    counts = subjects.sums(_events(subjects.root, window).order_by().values("jurisdiction_id")
                           .annotate(n=Count("pk")), "n")
    return {a.pk: _events_measured(counts[a.pk]["n"], subjects.communities[a.pk], params) for a in subjects.areas}


@indicator("publicity.events", _("Publicity events held"), record_url=_url)
def events(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    rows = _events(area, window)
    communities = Jurisdiction.objects.filter(level=Level.COMMUNITY, path__startswith=area.path).count()
    measured = _events_measured(rows.count(), communities, params)
    measured.records = rows
    return measured


@indicator("publicity.campaigns", _("Campaign days and months with publicity"), record_url=_url)
def campaigns(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    """The campaigns whose month lies in the period, and how many of them had an event."""
    due = {c for c, month in CAMPAIGN_MONTH.items()
           for year in range(window.start.year, window.end.year + 1)
           if (window.start.year, window.start.month) <= (year, month) <= (window.end.year, window.end.month)}
    rows = _events(area, window).exclude(campaign="")
    held = set(rows.values_list("campaign", flat=True)) & {c.value for c in due}
    return Measured(achieved=len(held), required=len(due), records=rows, details={"held": sorted(held)})


@indicator("publicity.five_into", _("Five-into venues reached"), record_url=_url)
def five_into(area: Jurisdiction, window: Window, params: dict[str, Any]) -> Measured:
    rows = _events(area, window).exclude(venue="")
    reached = set(rows.values_list("venue", flat=True))
    return Measured(achieved=len(reached), required=len(Venue.values), records=rows,
                    details={"reached": sorted(reached)})
