"""The dashboard tests' world: the cast's district with stations, teams, incidents, hazards and risk
points placed so that every figure can be counted by hand (test_dashboard.py, test_home.py)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from yingji.hazards.models import Hazard, RiskPoint
from yingji.incidents.models import Incident
from yingji.incidents.tests.builders import make_station, make_team
from yingji.resources.models import TeamStatus

NOW = timezone.now()


def _incident(j, code, status="reported", received=None, dispatched_s=None, arrived_s=None, handled_s=None):
    received = received or NOW - datetime.timedelta(hours=1)
    def at(s):
        return (received + datetime.timedelta(seconds=s) if s is not None else None)
    return Incident.objects.create(jurisdiction=j, type_code="21100", channel="119", lon=114.02, lat=22.51,
                                   status=status, received_at=received, dispatched_at=at(dispatched_s),
                                   arrived_at=at(arrived_s), handled_at=at(handled_s), reference=code)


def _hazard(j, ref, status="assigned", deadline_days=-1, reported=None, closed=None):
    return Hazard.objects.create(jurisdiction=j, reference=ref, title="堵塞消防通道", category="other", severity="general",
                                 source="grid", status=status, lon=114.02, lat=22.51,
                                 reported_at=reported or NOW - datetime.timedelta(days=5), closed_at=closed,
                                 deadline=NOW + datetime.timedelta(days=deadline_days))


@pytest.fixture
def world(cast):
    cache.clear()
    sa = make_station(cast.community_a, "ST-A", "A站", 114.02, 22.51)
    make_station(cast.community_b, "ST-B", "B站", 114.02, 22.55)
    make_station(cast.community_c, "ST-C", "C站", 114.07, 22.53)
    make_team(cast.community_a, "T-A1", "A一队", 114.02, 22.51, station=sa)
    t2 = make_team(cast.community_a, "T-A2", "A二队", 114.02, 22.51, station=sa)
    type(t2).objects.filter(pk=t2.pk).update(status=TeamStatus.ON_CALL)
    make_team(cast.community_c, "T-C1", "C一队", 114.07, 22.53)
    # Open incidents: two in A (one not yet dispatched), one in C; one closed in B.
    _incident(cast.community_a, "I-A1", "reported")
    _incident(cast.community_a, "I-A2", "dispatched", dispatched_s=30)
    _incident(cast.community_c, "I-C1", "on_scene", dispatched_s=50, arrived_s=150)
    _incident(cast.community_b, "I-B1", "closed", dispatched_s=90, arrived_s=400, handled_s=500)
    # Hazards: A overdue (assigned, deadline passed), A not yet due, C overdue, B closed (not overdue).
    _hazard(cast.community_a, "H-A1", deadline_days=-1)
    _hazard(cast.community_a, "H-A2", deadline_days=3)
    _hazard(cast.community_c, "H-C1", status="rectifying", deadline_days=-2)
    _hazard(cast.community_b, "H-B1", status="closed", deadline_days=-2, closed=NOW - datetime.timedelta(days=1))
    RiskPoint.objects.create(jurisdiction=cast.community_a, code="R-A1", name="老旧小区", category="old_residential",
                             grade="red", lon=114.02, lat=22.51)
    RiskPoint.objects.create(jurisdiction=cast.community_b, code="R-B1", name="低洼地", category="low_lying",
                             grade="blue", lon=114.02, lat=22.55)
    return cast


