"""The demo step leaves a past season of warnings and one in force, each valid CAP."""

from __future__ import annotations

import io

import pytest

from yingji.core.demo import DemoContext
from yingji.warnings import cap, services
from yingji.warnings.demo import generate_warnings
from yingji.warnings.models import EarlyWarning, State

pytestmark = pytest.mark.django_db


def test_the_demo_has_past_warnings_and_one_in_force(cast, django_capture_on_commit_callbacks):
    context = DemoContext(scale="small", seed=1, out=io.StringIO())
    context.districts, context.streets = [cast.district], [cast.street_1, cast.street_2]
    context.users = {"district": cast.commander, "jd01": cast.street_officer}
    with django_capture_on_commit_callbacks(execute=True):
        generate_warnings(context)
    [current] = services.active()
    assert current.hazard == "rainstorm" and current.level == "yellow"
    assert {w.state for w in EarlyWarning.objects.exclude(pk=current.pk)} == {State.EXPIRED, State.CANCELLED}
    assert EarlyWarning.objects.filter(msg_type="Cancel").count() == 1
    for warning in EarlyWarning.objects.all():
        cap.validate(warning.cap_xml.encode())
    assert [p.user_id for p in services.recipients(current)] == [cast.grid_worker_a.pk]
    # Released through messaging; past ones sent, and acknowledged by most (a seeded draw).
    past = EarlyWarning.objects.filter(msg_type="Alert", state=State.EXPIRED).exclude(message=None)
    assert past.exists() and all(not w.message.deliveries.exclude(status="sent").exists() for w in past)
    from yingji.warnings.models import WarningRecipient

    assert WarningRecipient.objects.filter(warning__in=past).exclude(acknowledged_at=None).exists()
