"""The pages of reports up the chain and swaps: the incident's panel, the report's page and steps, the queue,
the swap list — and another community's user gets 404 on each."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.core.testing import web_client
from yingji.duty.models import DailyReport, IncidentReport, ReportStatus, SwapRequest, SwapStatus
from yingji.duty.services import reports, swaps, upward
from yingji.duty.tests.builders import local, make_shift, staff_of_a
from yingji.incidents.tests.builders import fire_in_a

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(cast):  # type: ignore[no-untyped-def]
    make_shift(cast.street_1, local(2026, 11, 20, 8), local(2026, 11, 20, 20), cast.street_officer)
    fire = fire_in_a(cast, received_at=local(2026, 11, 20, 10))
    upward.sweep(local(2026, 11, 20, 10, 0, 6))
    return cast, fire, IncidentReport.objects.get(incident=fire)


def test_the_incident_page_shows_the_assigned_officer_and_the_reports_and_the_street_submits(reported):
    cast, fire, report = reported
    page = web_client(cast.street_officer).get(f"/incidents/{fire.pk}/").content.decode()
    assert 'data-testid="duty-assignment"' in page and "street_officer" in page
    assert "已通知 10:00:06" in page and "已确认 0/1" in page  # the officer was alerted through messaging
    from yingji.messaging import services as messaging
    from yingji.messaging.models import Message

    messaging.acknowledge(Message.objects.get(event="duty.incident_assigned"), cast.street_officer)
    assert "已确认 1/1" in web_client(cast.street_officer).get(f"/incidents/{fire.pk}/").content.decode()
    assert report.title in page and 'data-testid="follow-up"' in page
    client = web_client(cast.street_officer)
    page = client.get(f"/duty/incident-reports/{report.pk}/").content.decode()
    assert 'data-testid="step-submit"' in page and 'data-testid="report-late"' in page  # long past 10:30
    fire.refresh_from_db()
    assert fire.number and f"{fire.number} {fire.type_label}" in page  # the incident by its readable number
    client.post(f"/duty/incident-reports/{report.pk}/", {"title": report.title, "body": report.body + "\n无人员伤亡。"})
    client.post(f"/duty/incident-reports/{report.pk}/submit/")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.body.endswith("无人员伤亡。")
    queue = web_client(cast.commander).get("/duty/queue/").content.decode()
    assert report.title in queue
    follow = client.post(f"/duty/incidents/{fire.pk}/follow-up/")
    follow_up = IncidentReport.objects.get(incident=fire, kind="follow_up")
    assert follow["Location"] == f"/duty/incident-reports/{follow_up.pk}/"


def test_the_daily_report_steps_on_its_page(cast):
    one, _two, _three = staff_of_a(cast)
    report = reports.compile_report(actor=cast.officer_a, jurisdiction=cast.community_a,
                                    day=timezone.localdate() - datetime.timedelta(days=1))
    page = web_client(one).get(f"/duty/reports/{report.pk}/").content.decode()
    assert 'data-testid="step-review"' in page
    web_client(one).post(f"/duty/reports/{report.pk}/step/review/")
    web_client(cast.officer_a).post(f"/duty/reports/{report.pk}/step/submit/")
    assert DailyReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    street = web_client(cast.street_officer)
    assert 'data-testid="step-receive"' in street.get(f"/duty/reports/{report.pk}/").content.decode()
    street.post(f"/duty/reports/{report.pk}/step/return/", {"note": "补充夜班交接"})
    assert DailyReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_a_swap_asked_on_the_shift_page_and_agreed_on_the_swap_list(cast):
    one, two, three = staff_of_a(cast)
    start = (timezone.now() + datetime.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    shift = make_shift(cast.community_a, start, start + datetime.timedelta(hours=12), one, [two])
    page = web_client(two).get(f"/duty/shifts/{shift.pk}/").content.decode()
    assert 'data-testid="swap-form"' in page
    web_client(two).post(f"/duty/shifts/{shift.pk}/swap/", {"replacement": three.pk, "reason": "家中有事"})
    swap = SwapRequest.objects.get()
    listing = web_client(three).get("/duty/swaps/").content.decode()
    assert f'data-testid="swap-{swap.pk}"' in listing and 'data-testid="step-agree"' in listing
    web_client(three).post(f"/duty/swaps/{swap.pk}/agree/")
    assert SwapRequest.objects.get().status == SwapStatus.AGREED
    assert 'data-testid="step-approve"' in web_client(cast.officer_a).get("/duty/swaps/").content.decode()


def test_another_community_gets_404_on_the_pages_of_reports_and_swaps(reported):
    cast, fire, report = reported
    one, two, three = staff_of_a(cast)
    start = (timezone.now() + datetime.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    shift = make_shift(cast.community_a, start, start + datetime.timedelta(hours=12), one, [two])
    swap = swaps.request_swap(shift, actor=two, replacement=three, reason="x")
    daily = reports.compile_report(actor=cast.officer_a, jurisdiction=cast.community_a, day=local(2026, 11, 20).date())
    outsider = web_client(cast.officer_c)
    assert outsider.get(f"/duty/incident-reports/{report.pk}/").status_code == 404
    for url in (f"/duty/incident-reports/{report.pk}/submit/", f"/duty/incidents/{fire.pk}/follow-up/",
                f"/duty/reports/{daily.pk}/step/review/", f"/duty/swaps/{swap.pk}/approve/",
                f"/duty/shifts/{shift.pk}/swap/"):
        assert outsider.post(url, {"note": "x", "replacement": three.pk, "reason": "x"}).status_code == 404, url
    assert report.title not in outsider.get("/duty/queue/").content.decode()
    assert f'data-testid="swap-{swap.pk}"' not in outsider.get("/duty/swaps/").content.decode()
    assert SwapRequest.objects.get().status == SwapStatus.REQUESTED
    assert IncidentReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
