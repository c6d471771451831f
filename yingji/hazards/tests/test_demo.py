"""The hazards demo: risk points of every category and grade beside the roads, a year of work, some overdue."""

from __future__ import annotations

import datetime
import io
import statistics

import numpy as np
import pytest
from django.utils import timezone

from yingji.accounts.demo import generate_accounts
from yingji.core.demo import DemoContext
from yingji.core.travel import make_engine
from yingji.coverage.demo import install_road_network
from yingji.hazards.demo import generate_risk_points, generate_year
from yingji.hazards.models import (
    CheckIn,
    Hazard,
    HazardSeverity,
    HazardStatus,
    Inspection,
    PatrolPlan,
    RiskCategory,
    RiskGrade,
    RiskPoint,
)
from yingji.hazards.services.tasks import overdue
from yingji.jurisdictions.demo import generate_jurisdictions

pytestmark = pytest.mark.django_db


def test_the_demo_places_every_category_and_grade_beside_roads_and_a_year_of_work():
    context = DemoContext(scale="small", seed=2026, out=io.StringIO())
    generate_jurisdictions(context)
    generate_accounts(context)
    install_road_network(context)
    generate_risk_points(context)
    generate_year(context)
    points = list(RiskPoint.objects.all())
    assert {p.category for p in points} == set(RiskCategory.values)
    assert {p.grade for p in points} == set(RiskGrade.values)
    # Beside a road: the engine snaps every one to a road segment within 40 m (issue 11 fits the whole
    # demo district onto the bundled network).
    engine = make_engine(context.extra["road_network"])
    gaps = engine.prepare(np.array([(p.lon, p.lat) for p in points])).distance_m
    assert len(points) > 40 and gaps.max() < 40
    assert PatrolPlan.objects.exists() and CheckIn.objects.exists() and Inspection.objects.exists()
    year_ago = timezone.now() - datetime.timedelta(days=330)
    assert Hazard.objects.filter(reported_at__lt=year_ago).exists()
    assert overdue(Hazard.objects.all()).exists()
    closed = Hazard.objects.filter(status=HazardStatus.CLOSED)
    for severity, (low, high) in {HazardSeverity.MAJOR: (1, 4), HazardSeverity.MINOR: (3, 10)}.items():
        days = [(h.closed_at - h.reported_at).total_seconds() / 86400 for h in closed.filter(severity=severity)]
        assert low < statistics.median(days) < high
