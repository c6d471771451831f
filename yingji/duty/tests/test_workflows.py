"""The workflows of duty: daily reports reviewed, submitted and received above; shift swaps; incident reports
up the chain with the first report's deadline on a clock; the officer on duty assigned after intake."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from yingji.core.testing import api_client
from yingji.duty.models import IncidentAssignment, IncidentReport, ReportKind, ReportStatus, Shift, SwapStatus
from yingji.duty.services import reports, swaps, upward
from yingji.duty.tests.builders import local, make_shift, staff_of_a
from yingji.duty.workflows import DAILY_REPORT, INCIDENT_REPORT, SWAP
from yingji.incidents.models import Incident
from yingji.incidents.tests.builders import fire_in_a
from yingji.workflows.machine import escalate_overdue
from yingji.workflows.models import WorkflowEvent

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)


def test_a_daily_report_is_reviewed_by_a_second_person_submitted_and_received_above(cast):
    one, _two, _three = staff_of_a(cast)
    report = reports.compile_report(actor=cast.officer_a, jurisdiction=cast.community_a, day=DAY,
                                    now=local(2026, 11, 21, 8))
    assert report.status == ReportStatus.DRAFT
    with pytest.raises(ValidationError):  # four eyes: not the one who compiled it
        reports.step(report, "review", actor=cast.officer_a)
    reports.step(report, "review", actor=one)
    with pytest.raises(ValidationError):  # a reviewed report is compiled again only back in draft
        reports.compile_report(actor=cast.officer_a, jurisdiction=cast.community_a, day=DAY,
                               now=local(2026, 11, 21, 9))
    reports.step(report, "submit", actor=cast.officer_a)
    # The street receives it: community A itself cannot, neighbouring community B cannot even see it.
    assert [t.name for t in DAILY_REPORT.allowed(cast.officer_a, report)] == []
    assert [t.name for t in DAILY_REPORT.allowed(cast.street_officer, report)] == ["receive", "return"]
    with pytest.raises(PermissionDenied):
        reports.step(report, "receive", actor=one)
    with pytest.raises(Http404):
        reports.step(report, "receive", actor=cast.officer_b)
    queue = upward.queue(cast.street_officer, timezone.now())
    assert queue["daily"] == [report]
    assert upward.queue(cast.officer_c, timezone.now())["daily"] == []
    with pytest.raises(ValidationError):  # returning says why
        reports.step(report, "return", actor=cast.street_officer)
    reports.step(report, "return", actor=cast.street_officer, note="请补充3栋火情处置情况")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    history = [(e.transition, e.actor_name, e.note) for e in DAILY_REPORT.history(report)]
    assert history[-1] == ("return", "street_officer", "请补充3栋火情处置情况")
    assert [h[0] for h in history] == ["start", "review", "submit", "return"]


@pytest.fixture
def coming_shifts(cast):  # type: ignore[no-untyped-def]
    one, two, three = staff_of_a(cast)
    start = (timezone.now() + datetime.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    day = make_shift(cast.community_a, start, start + datetime.timedelta(hours=12), one, [two])
    later = make_shift(cast.community_a, start + datetime.timedelta(days=1),
                       start + datetime.timedelta(days=1, hours=12), three, label="白班")
    return cast, day, later, (one, two, three)


def test_a_stand_in_is_agreed_by_the_colleague_then_approved_and_the_roster_changes(coming_shifts):
    cast, day, _later, (one, two, three) = coming_shifts
    swap = swaps.request_swap(day, actor=two, replacement=three, reason="孩子生病需陪护")
    assert swap.status == SwapStatus.REQUESTED
    with pytest.raises(PermissionDenied):  # only the colleague asked agrees, not their manager
        swaps.step(swap, "agree", actor=cast.officer_a)
    with pytest.raises(ValidationError):  # approval comes after the colleague's word
        swaps.step(swap, "approve", actor=cast.officer_a)
    swaps.step(swap, "agree", actor=three)
    with pytest.raises(PermissionDenied):  # the requester may not approve their own swap
        swaps.step(swap, "approve", actor=two)
    swaps.step(swap, "approve", actor=cast.officer_a)
    day.refresh_from_db()
    assert list(day.staff.values_list("user_id", flat=True)) == [three.pk] and day.leader_id == one.pk
    assert [e.transition for e in SWAP.history(swap)] == ["start", "agree", "approve"]


def test_an_exchange_swaps_both_shifts_and_a_leader_s_place_goes_to_the_colleague(coming_shifts):
    cast, day, later, (one, two, three) = coming_shifts
    swap = swaps.request_swap(day, actor=one, replacement=three, counterpart=later, reason="调休")
    swaps.step(swap, "agree", actor=three)
    swaps.step(swap, "approve", actor=cast.street_officer)
    day.refresh_from_db()
    later.refresh_from_db()
    assert (day.leader_id, later.leader_id) == (three.pk, one.pk)
    assert list(day.staff.values_list("user_id", flat=True)) == [two.pk]


def test_a_swap_request_refuses_what_cannot_be_swapped(coming_shifts):
    cast, day, later, (one, two, three) = coming_shifts
    with pytest.raises(PermissionDenied):  # only the people of the shift ask
        swaps.request_swap(day, actor=three, replacement=cast.officer_a, reason="x")
    with pytest.raises(ValidationError) as refused:
        swaps.request_swap(day, actor=two, replacement=cast.officer_c, reason="")
    assert set(refused.value.message_dict) == {"replacement", "reason"}
    with pytest.raises(ValidationError) as wrong:  # the colleague is not on the shift offered
        swaps.request_swap(day, actor=two, replacement=cast.officer_a, counterpart=later, reason="x")
    assert "counterpart" in wrong.value.message_dict
    swap = swaps.request_swap(day, actor=two, replacement=three, reason="x")
    with pytest.raises(PermissionDenied):  # only the requester withdraws
        swaps.step(swap, "cancel", actor=three)
    swaps.step(swap, "cancel", actor=two)
    assert Shift.objects.get(pk=day.pk).staff.get().user_id == two.pk


@pytest.fixture
def street_on_duty(cast):  # type: ignore[no-untyped-def]
    """Street S1's day shift on 2026-11-20, led by the street officer, and a fire in A at 10:00."""
    make_shift(cast.street_1, local(2026, 11, 20, 8), local(2026, 11, 20, 20), cast.street_officer)
    fire = fire_in_a(cast, received_at=local(2026, 11, 20, 10))
    return cast, fire


def test_after_intake_the_street_officer_is_assigned_and_a_first_report_is_due_in_30_minutes(street_on_duty,
                                                                                            settings):
    cast, fire = street_on_duty
    settings.YINGJI_DUTY_FIRST_REPORT_MINUTES = 30
    done = upward.sweep(local(2026, 11, 20, 10, 0, 8))
    assert done == {"assigned": 1, "alerted": 1, "first_reports": 1, "final_reports": 0}
    assignment = IncidentAssignment.objects.get(incident=fire)
    assert (assignment.officer, assignment.jurisdiction) == (cast.street_officer, cast.street_1)
    report = IncidentReport.objects.get(incident=fire)
    assert (report.kind, report.status, report.jurisdiction) == (ReportKind.FIRST, ReportStatus.DRAFT, cast.street_1)
    assert report.due_at == local(2026, 11, 20, 10, 30)
    assert "A社区1栋" in report.body and "建筑火灾" in report.title
    # Sweeping again changes nothing.
    assert upward.sweep(local(2026, 11, 20, 10, 1)) == {"assigned": 0, "alerted": 0, "first_reports": 0,
                                                       "final_reports": 0}


def test_a_first_report_still_in_draft_at_its_deadline_is_escalated_once_and_shows_late(street_on_duty):
    cast, fire = street_on_duty
    upward.sweep(local(2026, 11, 20, 10, 0) + datetime.timedelta(seconds=5))
    report = IncidentReport.objects.get(incident=fire)
    assert escalate_overdue(local(2026, 11, 20, 10, 29), [INCIDENT_REPORT]) == 0
    assert escalate_overdue(local(2026, 11, 20, 10, 31), [INCIDENT_REPORT]) == 1
    assert escalate_overdue(local(2026, 11, 20, 10, 45), [INCIDENT_REPORT]) == 0  # once
    assert WorkflowEvent.objects.filter(object_id=report.pk, transition="overdue").count() == 1
    overdue = upward.queue(cast.commander, local(2026, 11, 20, 10, 31))["overdue"]
    assert overdue == [report]
    upward.step(report, "submit", actor=cast.street_officer, now=local(2026, 11, 20, 10, 40))
    report.refresh_from_db()
    assert upward.is_late(report, local(2026, 11, 20, 11)) and report.submitted_by == cast.street_officer
    # The district receives it; the other street cannot.
    with pytest.raises(Http404):
        upward.step(report, "receive", actor=cast.officer_c)
    upward.step(report, "receive", actor=cast.commander, now=local(2026, 11, 20, 10, 50))
    assert IncidentReport.objects.get(pk=report.pk).status == ReportStatus.RECEIVED


def test_a_first_report_submitted_in_time_is_not_escalated(street_on_duty):
    cast, fire = street_on_duty
    upward.sweep(local(2026, 11, 20, 10, 0, 30))
    report = IncidentReport.objects.get(incident=fire)
    upward.step(report, "submit", actor=cast.street_officer, now=local(2026, 11, 20, 10, 20))
    assert escalate_overdue(local(2026, 11, 20, 11), [INCIDENT_REPORT]) == 0
    assert not upward.is_late(IncidentReport.objects.get(pk=report.pk), local(2026, 11, 20, 11))


def test_follow_ups_are_numbered_and_the_final_report_is_drafted_at_close_out(street_on_duty):
    cast, fire = street_on_duty
    upward.sweep(local(2026, 11, 20, 10, 0, 10))
    first = upward.draft_follow_up(fire, actor=cast.street_officer)
    second = upward.draft_follow_up(fire, actor=cast.street_officer)
    assert (first.number, second.number) == (1, 2) and "续报" in second.title
    with pytest.raises(PermissionDenied):  # community C's staff does not report for street S1
        upward.draft_follow_up(fire, actor=cast.officer_c)
    Incident.objects.filter(pk=fire.pk).update(status="closed", closed_at=local(2026, 11, 20, 11), outcome="resolved",
                                               injuries=1)
    done = upward.sweep(local(2026, 11, 20, 11, 0, 8))
    assert done["final_reports"] == 1
    final = IncidentReport.objects.get(incident=fire, kind=ReportKind.FINAL)
    assert "受伤 1 人" in final.body or "1 injured" in final.body
    with pytest.raises(ValidationError):  # nothing follows the final report
        upward.draft_follow_up(fire, actor=cast.street_officer)


def test_reports_and_swaps_through_the_api_and_outsiders_get_404(street_on_duty):
    cast, fire = street_on_duty
    upward.sweep(local(2026, 11, 20, 10, 0, 10))
    report = IncidentReport.objects.get(incident=fire)
    street = api_client(cast.street_officer)
    patched = street.patch(f"/api/v1/duty/incident-reports/{report.pk}",
                           json.dumps({"title": report.title, "body": report.body + "\n已疏散12人。"}),
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["body"].endswith("已疏散12人。")
    submitted = street.post(f"/api/v1/duty/incident-reports/{report.pk}/submit", "{}", content_type="application/json")
    assert submitted.json() == {"id": report.pk, "status": "submitted", "allowed": []}
    queue = api_client(cast.commander).get("/api/v1/duty/queue").json()
    assert [r["id"] for r in queue["incident"]] == [report.pk]
    outsider = api_client(cast.officer_c)
    assert outsider.get(f"/api/v1/duty/incident-reports/{report.pk}").status_code == 404
    assert outsider.post(f"/api/v1/duty/incident-reports/{report.pk}/receive", "{}",
                         content_type="application/json").status_code == 404
    assert outsider.post(f"/api/v1/duty/incidents/{fire.pk}/follow-up").status_code == 404
    assert outsider.get("/api/v1/duty/queue").json() == {"daily": [], "incident": [], "overdue": []}
    returned = api_client(cast.commander, "en").post(f"/api/v1/duty/incident-reports/{report.pk}/return", "{}",
                                                     content_type="application/json")
    assert returned.status_code == 422 and returned.json()["errors"][0]["field"] == "note"
