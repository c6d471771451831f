"""The 1-3-5 clock on constructed timelines, per incident and aggregated."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.incidents.models import EventKind, Incident
from yingji.incidents.services import clock
from yingji.incidents.services import dispatch as dispatching
from yingji.incidents.services.respond import advance
from yingji.incidents.tests.builders import fire_in_a, world

T0 = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def test_it_measures_from_the_call_to_the_first_of_each_event():
    events = [(EventKind.DISPATCHED, at(50)), (EventKind.DISPATCHED, at(40)), (EventKind.ARRIVED, at(200)),
              (EventKind.ARRIVED, at(170)), (EventKind.HANDLED, at(320)), (EventKind.NOTE, at(10))]
    dispatch, arrival, handling = clock.measure_events(T0, events)
    assert (dispatch.seconds, dispatch.met) == (40, True)
    assert (arrival.seconds, arrival.met) == (170, True)
    assert (handling.seconds, handling.met) == (320, False)


def test_a_missing_step_is_unknown_not_late():
    dispatch, arrival, handling = clock.measure_events(T0, [(EventKind.DISPATCHED, at(61))])
    assert dispatch.met is False and arrival.seconds is None and arrival.met is None


def test_exactly_on_target_counts_as_met():
    measures = clock.measure_events(T0, [(EventKind.DISPATCHED, at(60)), (EventKind.ARRIVED, at(180)),
                                         (EventKind.HANDLED, at(300))])
    assert [m.met for m in measures] == [True, True, True]


@pytest.mark.django_db
def test_the_timeline_and_the_mirrored_fields_agree(cast):
    w = world(cast)
    incident = fire_in_a(cast, received_at=timezone.now() - datetime.timedelta(seconds=100))
    [d] = dispatching.activate(incident, actor=cast.officer_a, team_ids=[w["teams"]["a1"].pk])
    advance(d, "arrive", actor=cast.responder_a)
    advance(d, "handled", actor=cast.responder_a)
    incident.refresh_from_db()
    from_events = [m.as_dict() for m in clock.measure(incident)]
    from_fields = [m.as_dict() for m in clock.measure_fields(incident)]
    assert from_events == from_fields
    assert from_events[0]["seconds"] >= 100 and from_events[0]["met"] is False


@pytest.mark.django_db
def test_it_aggregates_per_month_street_and_station(cast):
    w = world(cast)
    station_team = w["teams"]["a1"]
    for month, (d_s, a_s, h_s) in ((1, (30, 150, 280)), (1, (90, 250, 400)), (2, (45, 170, 290))):
        received = datetime.datetime(2026, month, 10, 12, tzinfo=datetime.UTC)
        incident = fire_in_a(cast, received_at=received)
        Incident.objects.filter(pk=incident.pk).update(
            dispatched_at=received + datetime.timedelta(seconds=d_s), arrived_at=received + datetime.timedelta(seconds=a_s),
            handled_at=received + datetime.timedelta(seconds=h_s))
        incident.dispatches.create(team=station_team, called_at=received + datetime.timedelta(seconds=d_s),
                                   arrived_at=received + datetime.timedelta(seconds=a_s), status="released")
    by_month = clock.aggregate(Incident.objects.all(), "month")
    assert [r["key"] for r in by_month] == ["2026-01", "2026-02"]
    january = by_month[0]
    assert january["count"] == 2 and january["dispatch_met_pct"] == 50.0 and january["dispatch_median_s"] == 60.0
    [street] = clock.aggregate(Incident.objects.all(), "street")
    assert street["label"] == "南园街道" and street["arrival_met_pct"] == pytest.approx(66.7)
    [station] = clock.aggregate(Incident.objects.all(), "station")
    assert station["label"] == "A站" and station["count"] == 3 and station["arrival_n"] == 3


def test_it_aggregates_per_community_and_per_incident_type_on_the_page_and_in_the_api(cast):
    from yingji.core.testing import api_client, web_client
    from yingji.incidents.tests.builders import B_POINT

    world(cast)
    received = datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC)
    rows = [("21100", None, 30), ("21100", None, 90), ("91200", None, 40), ("21100", B_POINT, 20)]
    for type_code, point, d_s in rows:
        where = {"lon": point[0], "lat": point[1]} if point else {}
        incident = fire_in_a(cast, type_code=type_code, received_at=received, actor=cast.street_officer, **where)
        Incident.objects.filter(pk=incident.pk).update(dispatched_at=received + datetime.timedelta(seconds=d_s))
    by_community = {r["label"]: r for r in clock.aggregate(Incident.objects.all(), "community")}
    assert set(by_community) == {"A社区", "B社区"}
    assert by_community["A社区"]["count"] == 3 and by_community["A社区"]["dispatch_met_pct"] == pytest.approx(66.7)
    assert by_community["B社区"]["dispatch_met_pct"] == 100.0
    by_type = {r["key"]: r for r in clock.aggregate(Incident.objects.all(), "type")}
    assert by_type["21100"]["count"] == 3 and by_type["91200"]["count"] == 1
    assert by_type["91200"]["label"] == "电梯困人"
    page = web_client(cast.street_officer).get("/incidents/stats/?by=type").content.decode()
    assert "电梯困人" in page and "按事件类型" in page
    body = api_client(cast.officer_b).get("/api/v1/incidents/stats?by=community").json()
    assert [r["label"] for r in body["rows"]] == ["B社区"]  # officer B sees only B's
    assert api_client(cast.officer_b).get("/api/v1/incidents/stats?by=planet").status_code == 422


@pytest.mark.django_db
def test_the_aggregate_times_from_the_database_equal_each_incidents_own_to_the_microsecond(cast):
    """The statistics take each time since the call from the database (core.expressions.Microseconds,
    issue 13) instead of reading four date-times per incident: the figures are those of the incidents'
    own fields, at the targets' edges (60 s met, a microsecond more not), with and without microseconds,
    across midnight and a month's end in Shanghai, a step recorded before the call (0 s) and one missing."""
    from yingji.core.expressions import Microseconds

    world(cast)
    us = datetime.timedelta(microseconds=1)
    edges = [
        (datetime.datetime(2026, 1, 31, 15, 59, 30, tzinfo=datetime.UTC), (60, 180, 300)),  # 23:59:30 in Shanghai
        (datetime.datetime(2026, 1, 31, 16, 0, 0, 250000, tzinfo=datetime.UTC), (60 + us.total_seconds(), 179.75, None)),
        (datetime.datetime(2026, 2, 1, 7, 59, 59, 999999, tzinfo=datetime.UTC), (59.999999, -5, 300.000001)),
        (datetime.datetime(2026, 2, 2, 8, 0, 0, 1, tzinfo=datetime.UTC), (0.5, 86400 + 0.000002, None)),
    ]
    for received, steps in edges:
        incident = fire_in_a(cast, received_at=received)
        ends = [None if s is None else received + datetime.timedelta(seconds=s) for s in steps]
        Incident.objects.filter(pk=incident.pk).update(received_at=received, dispatched_at=ends[0],
                                                       arrived_at=ends[1], handled_at=ends[2])
    incidents = list(Incident.objects.order_by("pk"))
    exact = Incident.objects.order_by("pk").values_list(Microseconds("dispatched_at", "received_at"),
                                                        Microseconds("arrived_at", "received_at"),
                                                        Microseconds("handled_at", "received_at"))
    assert list(exact) == [tuple(None if end is None else (end - i.received_at) // us
                                 for end in (i.dispatched_at, i.arrived_at, i.handled_at)) for i in incidents]

    def reference(key_of):  # type: ignore[no-untyped-def]
        groups: dict[str, clock.Aggregate] = {}
        for incident in incidents:
            key = key_of(incident)
            groups.setdefault(key, clock.Aggregate(key, key)).add(clock.measure_fields(incident))
        return [groups[k].row() for k in sorted(groups)]

    by_month = clock.aggregate(Incident.objects.all(), "month")
    assert by_month == reference(lambda i: timezone.localtime(i.received_at).strftime("%Y-%m"))
    assert [(r["key"], r["count"], r["dispatch_met_pct"]) for r in by_month] == [("2026-01", 1, 100.0),
                                                                                ("2026-02", 3, 66.7)]
    [street] = clock.aggregate(Incident.objects.all(), "street")
    assert {k: v for k, v in street.items() if k not in ("key", "label")} == {
        k: v for k, v in reference(lambda i: "all")[0].items() if k not in ("key", "label")}
    assert street["handling_n"] == 2 and street["handling_met_pct"] == 50.0  # 300 s met, 300.000001 s not
