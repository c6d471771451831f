"""Demo step: a year of incident history at Futian's scale, with realistic timelines.

Futian recorded 147 fires in a year; the stations also answer thousands of
service calls (elevator entrapments, door opening, drainage…). Each incident
gets the timeline the 1-3-5 statistics read: called, acknowledged, departed,
on scene, handled, released, closed, with delays drawn so that most — not all —
incidents meet the targets. A handful are left open today for the console.
Everything is bulk-created and derived from the seed; `--scale small` makes a
tenth of it.
"""

from __future__ import annotations

import datetime
import math
import random
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from yingji.core.demo import DemoContext, demo_step
from yingji.incidents import catalogue
from yingji.incidents.models import (
    Channel,
    Dispatch,
    DispatchStatus,
    EventKind,
    Incident,
    IncidentEvent,
    Outcome,
    Severity,
    Status,
)
from yingji.jurisdictions import locate
from yingji.resources.models import Team

# Incidents per year in a Futian-size district, by type code.
YEAR_MIX = {
    "21100": 147, "21200": 25, "21300": 40, "21400": 35, "23100": 60, "24100": 6, "33100": 150, "32100": 8,
    "11200": 60, "12100": 4, "12200": 20, "14100": 3, "41100": 12, "91100": 600, "91200": 900, "91300": 150,
    "91400": 120, "91500": 80, "91600": 300, "91900": 200,
}
SUMMER_TYPES = {"11200", "12100", "12200", "14100", "91300", "91400", "91600"}
CHANNEL_MIX = [(Channel.PLATFORM_119, 30), (Channel.PHONE, 25), (Channel.HOTLINE_12345, 15), (Channel.WALK_IN, 8),
               (Channel.GRID_WORKER, 8), (Channel.POLICE_110, 6), (Channel.IOT, 5), (Channel.PUBLIC, 3)]
SEVERITY_MIX = [(Severity.IV, 90), (Severity.III, 8), (Severity.II, 2)]


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _received_at(rng: random.Random, code: str, now: datetime.datetime) -> datetime.datetime:
    while True:
        days = rng.uniform(1, 365)
        when = now - datetime.timedelta(days=days)
        summer = when.month in (5, 6, 7, 8, 9)
        if code not in SUMMER_TYPES or summer or rng.random() < 0.25:
            break
    # Calls cluster in the day: more between 8:00 and 22:00.
    hour = rng.choices(range(24), weights=[2, 1, 1, 1, 1, 2, 3, 5, 7, 7, 7, 7, 7, 6, 6, 6, 7, 8, 8, 8, 7, 5, 4, 3])[0]
    return when.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


@demo_step(50, "incidents")
def generate_incidents(context: DemoContext) -> None:
    rng = context.sub_rng("incidents")
    teams = list(Team.objects.select_related("station", "jurisdiction").order_by("id"))
    located = [(t, t.location) for t in teams if t.location is not None]
    if not located:
        context.say("  no teams: no incident history")
        return
    lonlat = np.array([p for _t, p in located])
    kx = 111_320.0 * math.cos(math.radians(float(lonlat[:, 1].mean())))
    factor = 0.1 if context.scale == "small" else (1.0 if context.scale == "futian" else 2.0)
    now = timezone.now()
    incidents: list[Incident] = []
    plans: list[tuple[Incident, list[Team], list[float], dict[str, float]]] = []
    for code, per_year in YEAR_MIX.items():
        for _ in range(max(1, round(per_year * factor))):
            team, (tlon, tlat) = located[rng.randrange(len(located))]
            # The incident lies within about 1.5 km of some team, mostly much closer.
            distance, angle = rng.expovariate(1 / 500.0), rng.uniform(0, 2 * math.pi)
            lon, lat = tlon + distance * math.cos(angle) / kx, tlat + distance * math.sin(angle) / 110_574.0
            jurisdiction_id = locate.jurisdiction_id_at(lon, lat)
            if jurisdiction_id is None:
                lon, lat, jurisdiction_id = tlon, tlat, team.jurisdiction_id
            kind = catalogue.get(code)
            received = _received_at(rng, code, now)
            incident = Incident(
                jurisdiction_id=jurisdiction_id, type_code=code, channel=_pick(rng, CHANNEL_MIX),
                severity=_pick(rng, SEVERITY_MIX) if not kind.is_service_call else Severity.IV,
                lon=round(lon, 6), lat=round(lat, 6), address=f"{team.station.name if team.station else team.name}附近",
                received_at=received, status=Status.CLOSED, outcome=Outcome.RESOLVED,
                description=str(kind.label),
            )
            # Nearest teams by straight line; 1-3 of them as the type needs.
            d = np.hypot((lonlat[:, 0] - lon) * kx, (lonlat[:, 1] - lat) * 110_574.0)
            nearest = np.argsort(d)[: max(1, min(kind.teams_needed, 3))]
            called = [located[int(i)][0] for i in nearest]
            travel = [float(d[int(i)]) * 1.4 / 6.5 + rng.uniform(20, 60) for i in nearest]
            delays = {"dispatch": rng.lognormvariate(math.log(38), 0.45), "ack": rng.uniform(5, 25),
                      "handle": rng.lognormvariate(math.log(80), 0.5), "close": rng.uniform(900, 5400)}
            if rng.random() < 0.03:
                incident.outcome = Outcome.FALSE_ALARM
            incidents.append(incident)
            plans.append((incident, called, travel, delays))
    _open_today(context, rng, located, incidents, plans, now)
    dispatches, events = _timelines(plans, now)  # sets the clock fields, so before saving the incidents
    with transaction.atomic():
        Incident.objects.bulk_create(incidents, batch_size=1000)
        Dispatch.objects.bulk_create([d for d, _ in dispatches], batch_size=2000)
        for d, evs in dispatches:
            for e in evs:
                e.dispatch = d
        IncidentEvent.objects.bulk_create(events, batch_size=5000)
        busy = [d.team_id for d, _ in dispatches if d.status in ("called", "acknowledged", "departed", "on_scene")]
        Team.objects.filter(pk__in=busy).update(status="on_call")
    context.say(f"  {len(incidents)} incidents ({sum(1 for i in incidents if i.type_code == '21100')} building "
                f"fires), {len(dispatches)} call-outs, {len(events)} timeline events")


def _open_today(context: DemoContext, rng: random.Random, located: list, incidents: list, plans: list,
                now: datetime.datetime) -> None:
    """Three incidents still open on the console: just reported, teams called, on scene."""
    for code, stage, minutes in (("91200", "reported", 1), ("21100", "dispatched", 3), ("91300", "on_scene", 9)):
        team, (lon, lat) = located[rng.randrange(len(located))]
        lon, lat = lon + 0.002, lat + 0.001
        jurisdiction_id = locate.jurisdiction_id_at(lon, lat) or team.jurisdiction_id
        incident = Incident(jurisdiction_id=jurisdiction_id, type_code=code, channel=Channel.PLATFORM_119,
                            lon=round(lon, 6), lat=round(lat, 6), address=f"{team.station.name if team.station else team.name}旁",
                            received_at=now - datetime.timedelta(minutes=minutes), status=stage,
                            description=str(catalogue.get(code).label))
        incidents.append(incident)
        plans.append((incident, [] if stage == "reported" else [team], [150.0],
                      {"dispatch": 40.0, "ack": 10.0, "handle": 9999.0 if stage == "on_scene" else 0.0,
                       "close": 0.0, "stage": stage}))


def _timelines(plans: list, now: datetime.datetime) -> tuple[list[tuple[Dispatch, list[IncidentEvent]]], list]:
    dispatches: list[tuple[Dispatch, list[IncidentEvent]]] = []
    events: list[IncidentEvent] = []
    for incident, teams, travel, delays in plans:
        t0 = incident.received_at
        stage = delays.get("stage")
        events.append(IncidentEvent(incident=incident, kind=EventKind.REPORTED, at=t0,
                                    data={"channel": incident.channel, "type": incident.type_code}))
        if not teams:
            continue
        called_at = t0 + datetime.timedelta(seconds=delays["dispatch"])
        incident.dispatched_at = called_at
        first_arrival: datetime.datetime | None = None
        for team, seconds in zip(teams, travel, strict=False):
            ack = called_at + datetime.timedelta(seconds=delays["ack"])
            arrived = ack + datetime.timedelta(seconds=seconds)
            d = Dispatch(incident=incident, team=team, called_at=called_at, acknowledged_at=ack, departed_at=ack,
                         travel_seconds=seconds, travel_estimated=True, people_sent=random.Random(team.pk).randint(3, 8),
                         vehicles_sent=1, status=DispatchStatus.RELEASED)
            evs = [IncidentEvent(incident=incident, kind=EventKind.DISPATCHED, at=called_at,
                                 data={"team": team.pk, "team_name": team.name}),
                   IncidentEvent(incident=incident, kind=EventKind.ACKNOWLEDGED, at=ack, data={"team": team.pk}),
                   IncidentEvent(incident=incident, kind=EventKind.DEPARTED, at=ack, data={"team": team.pk})]
            if stage == "dispatched" or arrived > now:
                d.status, d.acknowledged_at, d.departed_at = DispatchStatus.CALLED, None, None
                evs = evs[:1]
            else:
                d.arrived_at = arrived
                evs.append(IncidentEvent(incident=incident, kind=EventKind.ARRIVED, at=arrived, data={"team": team.pk}))
                first_arrival = min(first_arrival or arrived, arrived)
                if stage == "on_scene":
                    d.status = DispatchStatus.ON_SCENE
            dispatches.append((d, evs))
            events.extend(evs)
        incident.arrived_at = first_arrival
        if stage is None and first_arrival is not None:
            handled = first_arrival + datetime.timedelta(seconds=delays["handle"])
            closed = handled + datetime.timedelta(seconds=delays["close"])
            incident.handled_at, incident.closed_at = handled, closed
            events.append(IncidentEvent(incident=incident, kind=EventKind.HANDLED, at=handled))
            events.append(IncidentEvent(incident=incident, kind=EventKind.CLOSED, at=closed,
                                        data={"outcome": incident.outcome}))
            for d, _evs in dispatches[-len(teams):]:
                d.handled_at, d.released_at = handled, closed
    return dispatches, events
