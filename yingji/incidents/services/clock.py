"""The 1-3-5 clock: dispatch within 1 minute, on scene within 3, initial handling within 5.

All three are measured from the moment the call was received
(Incident.received_at), on the incident's timeline: the first "team called",
the first "team on scene" and the first "initial handling done" events. The
Incident's dispatched_at / arrived_at / handled_at fields mirror those events
so that a year of statistics is one query, not one per incident.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.incidents.models import Dispatch, EventKind, Incident, IncidentEvent
from yingji.jurisdictions.models import Jurisdiction, Level

TARGETS_S = {"dispatch": 60.0, "arrival": 180.0, "handling": 300.0}
LABELS = {"dispatch": _("Dispatch (1 min)"), "arrival": _("On scene (3 min)"), "handling": _("Initial handling (5 min)")}
FIRST_EVENT = {"dispatch": EventKind.DISPATCHED, "arrival": EventKind.ARRIVED, "handling": EventKind.HANDLED}


@dataclass(frozen=True)
class Measure:
    key: str
    seconds: float | None
    target_s: float

    @property
    def met(self) -> bool | None:
        return None if self.seconds is None else self.seconds <= self.target_s

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "seconds": None if self.seconds is None else round(self.seconds, 1),
                "target_s": self.target_s, "met": self.met}


def _seconds(start: datetime.datetime, end: datetime.datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds())


def measure_events(received_at: datetime.datetime, events: Iterable[tuple[str, datetime.datetime]]) -> list[Measure]:
    """The three measures from a timeline given as (kind, time) pairs, in any order."""
    first: dict[str, datetime.datetime] = {}
    for kind, at in events:
        if kind not in first or at < first[kind]:
            first[kind] = at
    return [Measure(key, _seconds(received_at, first.get(kind)), TARGETS_S[key]) for key, kind in FIRST_EVENT.items()]


def measure(incident: Incident) -> list[Measure]:
    """The 1-3-5 figures of one incident, from its timeline."""
    rows = IncidentEvent.objects.filter(incident=incident, kind__in=FIRST_EVENT.values()).values_list("kind", "at")
    return measure_events(incident.received_at, rows)


def measure_fields(incident: Incident) -> list[Measure]:
    """The same from the mirrored fields (no query)."""
    ends = {"dispatch": incident.dispatched_at, "arrival": incident.arrived_at, "handling": incident.handled_at}
    return [Measure(key, _seconds(incident.received_at, ends[key]), TARGETS_S[key]) for key in TARGETS_S]


@dataclass
class Aggregate:
    """1-3-5 figures over a group of incidents (a station, a street, a month)."""

    key: str
    label: str
    count: int = 0
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, measures: list[Measure]) -> None:
        self.count += 1
        for m in measures:
            if m.seconds is not None:
                self.samples[m.key].append(m.seconds)

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "count": self.count}
        for key, target in TARGETS_S.items():
            values = self.samples.get(key, [])
            out[f"{key}_median_s"] = round(statistics.median(values), 1) if values else None
            out[f"{key}_met_pct"] = round(100.0 * sum(v <= target for v in values) / len(values), 1) if values else None
            out[f"{key}_n"] = len(values)
        return out


def aggregate(incidents: QuerySet[Incident], by: str) -> list[dict[str, Any]]:
    """Per "month", "street" or "station" (the station of the first team on scene)."""
    groups: dict[str, Aggregate] = {}
    if by == "station":
        return _by_station(incidents)
    rows = incidents.values_list("received_at", "dispatched_at", "arrived_at", "handled_at", "jurisdiction__path")
    street_names = _street_names() if by == "street" else {}
    for received, dispatched, arrived, handled, path in rows:
        if by == "month":
            key = label = timezone.localtime(received).strftime("%Y-%m")
        else:
            codes = path.strip("/").split("/")
            key = codes[2] if len(codes) > 2 else codes[-1]
            label = street_names.get(key, key)
        group = groups.setdefault(key, Aggregate(key, label))
        group.add([Measure(k, _seconds(received, end), TARGETS_S[k])
                   for k, end in (("dispatch", dispatched), ("arrival", arrived), ("handling", handled))])
    return [groups[k].row() for k in sorted(groups)]


def _street_names() -> dict[str, str]:

    return dict(Jurisdiction.objects.filter(level=Level.STREET).values_list("code", "name"))


def _by_station(incidents: QuerySet[Incident]) -> list[dict[str, Any]]:
    """Each station's own call-outs: its teams' time to scene, and the incident's dispatch/handling times."""
    groups: dict[str, Aggregate] = {}
    rows = (Dispatch.objects.filter(incident__in=incidents.values("pk"), team__station__isnull=False)
            .exclude(status__in=["timed_out", "cancelled"])
            .values_list("team__station__code", "team__station__name", "incident__received_at", "called_at",
                         "arrived_at", "handled_at"))
    for code, name, received, called, arrived, handled in rows:
        group = groups.setdefault(code, Aggregate(code, name))
        group.add([Measure("dispatch", _seconds(received, called), TARGETS_S["dispatch"]),
                   Measure("arrival", _seconds(received, arrived), TARGETS_S["arrival"]),
                   Measure("handling", _seconds(received, handled), TARGETS_S["handling"])])
    return sorted((g.row() for g in groups.values()), key=lambda r: r["key"])
