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

from yingji.core.expressions import Microseconds
from yingji.incidents import catalogue
from yingji.incidents.models import Dispatch, EventKind, Incident, IncidentEvent
from yingji.jurisdictions.models import Jurisdiction, Level

TARGETS_S = {"dispatch": 60.0, "arrival": 180.0, "handling": 300.0}
LABELS = {"dispatch": _("Dispatch (1 min)"), "arrival": _("On scene (3 min)"), "handling": _("Initial handling (5 min)")}
FIRST_EVENT = {"dispatch": EventKind.DISPATCHED, "arrival": EventKind.ARRIVED, "handling": EventKind.HANDLED}
#: The Incident fields that mirror each measure's first event.
_MIRRORED = {"dispatch": "dispatched_at", "arrival": "arrived_at", "handling": "handled_at"}


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


#: A target still open is "due" (amber) once this share of its time has passed, "late" (red) after it.
DUE_SHARE = 0.75
#: The order the console lists open incidents in: late first, then due, then the rest.
URGENCY_RANK = {"late": 0, "due": 1, "ok": 2}


def card_state(seconds: float | None, target_s: float, elapsed_s: float) -> str:
    """A 1-3-5 card's colour: "met"/"late" once measured; while open "late", "due" (amber) or "ok"."""
    if seconds is not None:
        return "met" if seconds <= target_s else "late"
    if elapsed_s > target_s:
        return "late"
    return "due" if elapsed_s >= DUE_SHARE * target_s else "ok"


def urgency(incident: Incident, now: datetime.datetime) -> dict[str, Any]:
    """How loud an open incident is now, from its mirrored clock fields (no query).

    `state` is that of the first target still open (dispatch, then on scene, then handling):
    an elevator entrapment waiting 33 minutes without a team is "late" whatever else is true.
    `cards` are the three targets with their state, for the console's and the page's 1-3-5 cards.
    """
    elapsed = max(0.0, (now - incident.received_at).total_seconds())
    cards = [{**m.as_dict(), "state": card_state(m.seconds, m.target_s, elapsed)} for m in measure_fields(incident)]
    open_cards = [c for c in cards if c["seconds"] is None]
    state = "ok" if not open_cards or incident.status == "handled" else open_cards[0]["state"]
    return {"elapsed_s": elapsed, "state": state, "cards": cards,
            "waiting_for": open_cards[0]["key"] if open_cards else None}


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

    def add_elapsed(self, microseconds: list[int | None]) -> None:
        """One incident from its dispatch, arrival and handling times since the call, in microseconds
        (as `add` with its measures: a time before the call counts as 0 s)."""
        self.count += 1
        for key, us in zip(TARGETS_S, microseconds, strict=True):
            if us is not None:
                self.samples[key].append(max(0.0, us / 1_000_000))

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "count": self.count}
        for key, target in TARGETS_S.items():
            values = self.samples.get(key, [])
            out[f"{key}_median_s"] = round(statistics.median(values), 1) if values else None
            out[f"{key}_met_pct"] = round(100.0 * sum(v <= target for v in values) / len(values), 1) if values else None
            out[f"{key}_n"] = len(values)
        return out


#: The groupings of the 1-3-5 statistics (the page's and the API's `by`).
GROUPINGS = ("month", "street", "community", "type", "station")
#: Where a street's and a community's code sit in a jurisdiction path (/city/district/street/community/…).
_PATH_DEPTH = {"street": 2, "community": 3}


def aggregate(incidents: QuerySet[Incident], by: str) -> list[dict[str, Any]]:
    """Per "month", "street", "community", incident "type" or "station" (each station's own call-outs).

    An incident recorded above the level grouped by (a street-level call grouped per community)
    counts under the jurisdiction it was recorded at.
    """
    groups: dict[str, Aggregate] = {}
    if by == "station":
        return _by_station(incidents)
    # The database works out each time from the call (exact microseconds, Microseconds): reading the four
    # date-times of each incident was two-thirds of the page's CPU (issue 13). The call's own time is read
    # only to group by month.
    rows = incidents.values_list("jurisdiction__path", "type_code",
                                 *(Microseconds(end, "received_at") for end in _MIRRORED.values()),
                                 *(("received_at",) if by == "month" else ()))
    names = _names(by) if by in _PATH_DEPTH else {}
    labels: dict[str, str] = {}
    here = timezone.get_current_timezone()  # timezone.localtime looked it up again for each incident
    for path, type_code, dispatched, arrived, handled, *received in rows:
        if by == "month":
            local = received[0].astimezone(here)
            key = label = f"{local.year:04d}-{local.month:02d}"
        elif by == "type":
            key = type_code
            label = labels[key] if key in labels else labels.setdefault(key, str(catalogue.get(type_code).label))
        else:
            codes = path.strip("/").split("/")
            depth = _PATH_DEPTH[by]
            key = codes[depth] if len(codes) > depth else codes[-1]
            label = names.get(key, key)
        group = groups.setdefault(key, Aggregate(key, label))
        group.add_elapsed([dispatched, arrived, handled])
    return [groups[k].row() for k in sorted(groups)]


def _names(by: str) -> dict[str, str]:
    level = Level.STREET if by == "street" else Level.COMMUNITY
    return dict(Jurisdiction.objects.filter(level=level).values_list("code", "name"))


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
