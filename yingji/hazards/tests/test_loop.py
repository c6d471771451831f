"""The hazard closed loop: every step and every refusal (wrong role, wrong jurisdiction, self-recheck,
closing without recheck), each step in the workflow history and the audit log."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.accounts.roles import Role
from yingji.audit.services import history_rows
from yingji.core.testing import api_client, make_user
from yingji.hazards.models import Hazard, HazardStatus
from yingji.hazards.services.hazards import report_hazard
from yingji.hazards.tests.builders import jpeg
from yingji.hazards.workflows import HAZARD

pytestmark = pytest.mark.django_db
API = "/api/v1/hazards/hazards"


@pytest.fixture
def unit(cast):  # type: ignore[no-untyped-def]
    return make_user("unit_a", Role.UNIT_CONTACT, cast.community_a)


@pytest.fixture
def reported(cast):  # type: ignore[no-untyped-def]
    return report_hazard(actor=cast.grid_worker_a, source="grid_worker", title="楼道堆放杂物", lon=114.01, lat=22.51,
                         jurisdiction=cast.grid_a1, severity="general", photos=[jpeg()])


def step(user, hazard, name, lang="en", **data):  # type: ignore[no-untyped-def]
    client = api_client(user, lang)
    if name in ("submit", "recheck"):
        return client.post(f"{API}/{hazard.pk}/{name}", data)
    return client.post(f"{API}/{hazard.pk}/{name}", data, content_type="application/json")


def status(hazard: Hazard) -> str:
    return Hazard.objects.get(pk=hazard.pk).status


def test_the_whole_loop_with_a_failed_recheck_then_closed(cast, unit, reported):
    now = timezone.now()
    assert [s["name"] for s in api_client(cast.officer_a).get(f"{API}/{reported.pk}/steps").json()] == [
        "assign", "dismiss"]
    assigned = step(cast.officer_a, reported, "assign", responsible_unit="A小区物业", assignee="unit_a",
                    severity="major", note="三天内清理")
    assert assigned.status_code == 200, assigned.content
    hazard = Hazard.objects.get(pk=reported.pk)
    assert (hazard.status, hazard.assignee, hazard.severity) == ("assigned", unit, "major")
    assert abs((hazard.deadline - now) - datetime.timedelta(days=3)) < datetime.timedelta(minutes=1)
    assert hazard.escalate_at == hazard.deadline
    assert [s["name"] for s in api_client(unit).get(f"{API}/{hazard.pk}/steps").json()] == ["start"]
    assert step(unit, hazard, "start").status_code == 200
    submitted = step(unit, hazard, "submit", rectification="杂物已清理", photos=[jpeg()])
    assert submitted.status_code == 200, submitted.content
    hazard.refresh_from_db()
    assert (hazard.status, hazard.rectified_by, hazard.escalate_at) == ("rechecking", unit, None)
    assert hazard.photos.filter(stage="evidence").count() == 1
    failed = step(cast.grid_worker_a, hazard, "recheck", passed="false", note="仍有纸箱")
    assert failed.status_code == 200 and status(hazard) == "rectifying"
    step(unit, hazard, "submit", rectification="纸箱也已清走", photos=[jpeg()])
    closed = step(cast.officer_a, hazard, "recheck", passed="true", note="现场核实")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    hazard.refresh_from_db()
    assert hazard.closed_at is not None and hazard.rechecked_by == cast.officer_a
    events = [(e.transition, e.from_state, e.to_state, e.actor_name) for e in HAZARD.history(hazard)]
    assert events == [("start", "", "reported", "grid_worker_a"), ("assign", "reported", "assigned", "officer_a"),
                      ("start", "assigned", "rectifying", "unit_a"), ("submit", "rectifying", "rechecking", "unit_a"),
                      ("fail", "rechecking", "rectifying", "grid_worker_a"),
                      ("submit", "rectifying", "rechecking", "unit_a"), ("pass", "rechecking", "closed", "officer_a")]
    assert api_client(cast.officer_a).get(f"{API}/{hazard.pk}/events").json()[4]["note"] == "仍有纸箱"
    changed = {c["field"] for row in history_rows(hazard) for c in row["changes"]}
    assert {"status", "assignee", "deadline", "rectified_by", "closed_at"} <= changed


def test_wrong_role_is_refused_with_403_and_changes_nothing(cast, unit, reported):
    for user in (cast.grid_worker_a, unit, cast.auditor, cast.keeper_a):
        answer = step(user, reported, "assign", responsible_unit="物业")
        assert answer.status_code == 403, user
    assert status(reported) == "reported"
    step(cast.officer_a, reported, "assign", responsible_unit="物业", assignee="unit_a")
    # The grid worker may not rectify; the auditor may not recheck.
    assert step(cast.grid_worker_a, reported, "start").status_code == 403
    step(unit, reported, "start")
    step(unit, reported, "submit", rectification="done", photos=[jpeg()])
    assert step(cast.auditor, reported, "recheck", passed="true").status_code == 403
    assert status(reported) == "rechecking"


def test_wrong_jurisdiction_is_not_found(cast, reported):
    assert step(cast.officer_c, reported, "assign", responsible_unit="物业").status_code == 404
    assert step(cast.officer_b, reported, "dismiss", note="x").status_code == 404
    assert api_client(cast.officer_c).get(f"{API}/{reported.pk}/steps").status_code == 404
    assert api_client(cast.officer_c).get(f"{API}/{reported.pk}/events").status_code == 404
    assert status(reported) == "reported"


def test_the_rectifier_cannot_recheck_their_own_work(cast, reported):
    # Community staff may both rectify and recheck, but never the same hazard's rectification.
    step(cast.officer_a, reported, "assign", responsible_unit="社区工作站")
    step(cast.officer_a, reported, "start")
    step(cast.officer_a, reported, "submit", rectification="已清理", photos=[jpeg()])
    refused = step(cast.officer_a, reported, "recheck", passed="true")
    assert refused.status_code == 403 and "cannot recheck" in refused.json()["detail"]
    assert status(reported) == "rechecking"
    assert step(cast.street_officer, reported, "recheck", passed="true").status_code == 200


def test_closing_without_a_recheck_is_refused(cast, unit, reported):
    step(cast.officer_a, reported, "assign", responsible_unit="物业", assignee="unit_a")
    # From assigned or rectifying nothing leads to closed: the recheck step refuses the state.
    refused = step(cast.officer_a, reported, "recheck", passed="true")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "status"
    assert "Assigned" in refused.json()["errors"][0]["message"]
    step(unit, reported, "start")
    assert step(cast.officer_a, reported, "recheck", passed="true").status_code == 422
    # Submitting needs evidence and what was done.
    no_photo = step(unit, reported, "submit", rectification="已整改")
    assert no_photo.status_code == 422 and no_photo.json()["errors"][0]["field"] == "photos"
    assert status(reported) == "rectifying"


def test_bad_inputs_name_their_field_and_change_nothing(cast, reported):
    outsider = make_user("unit_c", Role.UNIT_CONTACT, cast.community_c)
    answer = step(cast.officer_a, reported, "assign", responsible_unit="物业", assignee=outsider.username)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "assignee"
    blank = step(cast.officer_a, reported, "assign", responsible_unit=" ")
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "responsible_unit"
    no_reason = step(cast.officer_a, reported, "dismiss", note="")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "note"
    assert status(reported) == "reported"
    assert step(cast.officer_a, reported, "dismiss", note="重复上报").json()["status"] == "dismissed"
    assert step(cast.officer_a, reported, "assign", responsible_unit="物业").status_code == 422


def test_a_failed_recheck_past_the_deadline_escalates_again(cast, unit, reported):
    from yingji.hazards.services import loop

    past = timezone.now() - datetime.timedelta(days=20)
    loop.assign(reported, actor=cast.officer_a, responsible_unit="物业", assignee=unit, now=past)
    loop.start(reported, actor=unit)
    loop.submit(reported, actor=unit, rectification="已整改", photos=[jpeg()])
    assert Hazard.objects.get(pk=reported.pk).escalate_at is None
    loop.recheck(reported, actor=cast.grid_worker_a, passed=False, note="未整改到位")
    hazard = Hazard.objects.get(pk=reported.pk)
    assert hazard.status == HazardStatus.RECTIFYING and hazard.escalate_at >= timezone.now() - datetime.timedelta(seconds=5)
