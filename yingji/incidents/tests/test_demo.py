"""The demo step makes a year of history the 1-3-5 statistics can read."""

from __future__ import annotations

import io

import pytest

from yingji.core.demo import DemoContext
from yingji.incidents.demo import generate_incidents
from yingji.incidents.models import Incident
from yingji.incidents.services import clock
from yingji.incidents.tests.builders import world

pytestmark = pytest.mark.django_db


def test_the_demo_year_has_fires_service_calls_and_timelines(cast):
    world(cast)
    generate_incidents(DemoContext(scale="small", seed=1, out=io.StringIO()))
    assert Incident.objects.filter(type_code="21100").count() == 16  # a tenth of Futian's 147, plus one open today
    assert Incident.objects.filter(type_code="91200").count() > 50
    assert Incident.objects.exclude(status="closed").count() == 3
    [row] = [r for r in clock.aggregate(Incident.objects.all(), "street") if r["label"] == "南园街道"]
    assert 50 < row["dispatch_met_pct"] < 100 and row["arrival_n"] > 100
