"""Overdue hazards escalate one level up the tree on the jobs' clock, and stop at the district."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.audit.services import history_rows
from yingji.core.jobs import Runner, discover
from yingji.hazards.models import Hazard, HazardStatus
from yingji.hazards.tests.builders import hazard

pytestmark = pytest.mark.django_db


def run_at(now: datetime.datetime) -> dict:
    job = discover()["hazards.escalate_overdue"]
    [outcome] = Runner([job]).run_due(now)
    assert outcome.ok, outcome.error
    return outcome.result


def test_an_overdue_hazard_goes_to_the_street_then_the_district_then_stays(cast, settings):
    settings.YINGJI_HAZARD_ESCALATE_HOURS = 48
    start = timezone.now()
    late = hazard(cast.grid_a1, deadline=start + datetime.timedelta(days=3))
    on_time = hazard(cast.community_b, deadline=start + datetime.timedelta(days=60))
    fixed = hazard(cast.community_c, deadline=start + datetime.timedelta(days=1), status=HazardStatus.RECHECKING)

    assert run_at(start + datetime.timedelta(days=2)) == {"escalated": 0, "targets": 0}
    assert run_at(start + datetime.timedelta(days=3, minutes=5)) == {"escalated": 1, "targets": 1}
    late.refresh_from_db()
    assert (late.escalation_level, late.escalated_to) == (1, cast.street_1)
    assert late.is_overdue(start + datetime.timedelta(days=3, minutes=5))
    assert late.escalate_at == start + datetime.timedelta(days=3, minutes=5, hours=48)
    # Not again before the next step is due (the job runs every five minutes).
    assert run_at(start + datetime.timedelta(days=4))["escalated"] == 0
    run_at(start + datetime.timedelta(days=5, minutes=10))
    late.refresh_from_db()
    assert (late.escalation_level, late.escalated_to, late.escalate_at) == (2, cast.district, None)
    assert run_at(start + datetime.timedelta(days=30))["escalated"] == 0
    assert Hazard.objects.get(pk=on_time.pk).escalation_level == 0
    assert Hazard.objects.get(pk=fixed.pk).escalation_level == 0  # rectified: the unit owes nothing
    changes = [row["changes"] for row in history_rows(late) if row["action"] == "update"]
    assert len(changes) == 2
    climbed = [(c["old_display"], c["new_display"]) for change in changes for c in change if c["field"] == "escalated_to"]
    assert climbed == [("南园街道", "福田区"), (None, "南园街道")]  # newest first, by name


def test_an_escalated_hazard_is_seen_by_the_street_it_went_to(cast):
    late = hazard(cast.community_a, deadline=timezone.now() - datetime.timedelta(hours=1))
    run_at(timezone.now())
    late.refresh_from_db()
    assert late.escalated_to == cast.street_1
    assert Hazard.objects.visible_to(cast.street_officer).filter(pk=late.pk).exists()
    assert not Hazard.objects.visible_to(cast.officer_c).filter(pk=late.pk).exists()
