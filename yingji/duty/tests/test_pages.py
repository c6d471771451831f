"""The duty pages: the duty room, the roster edited by drag, the header and the panels on other pages, scope."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import RequestFactory
from django.utils import timezone

from yingji.core.testing import web_client
from yingji.duty.models import DailyReport, LogEntry, Shift
from yingji.duty.panels import header_items
from yingji.duty.tests.builders import make_shift, staff_of_a
from yingji.incidents.tests.builders import fire_in_a

pytestmark = pytest.mark.django_db
HOUR = timezone.timedelta(hours=1)


@pytest.fixture
def on_duty(cast):  # type: ignore[no-untyped-def]
    one, two, three = staff_of_a(cast)
    now = timezone.now().replace(second=0, microsecond=0)  # rosters and their Excel speak in whole minutes
    previous = make_shift(cast.community_a, now - 14 * HOUR, now - 2 * HOUR, three, label="夜班")
    current = make_shift(cast.community_a, now - 2 * HOUR, now + 10 * HOUR, one, [two])
    coming = make_shift(cast.community_a, now + 10 * HOUR, now + 22 * HOUR, three, label="夜班")
    return cast, previous, current, coming, (one, two, three)


def test_the_officer_on_duty_takes_over_and_writes_the_log_in_the_duty_room(on_duty):
    cast, previous, current, _coming, (one, _two, three) = on_duty
    from yingji.duty.services import handover

    handover.write_handover(previous, actor=three, notes="5栋水管爆裂，物业已关阀")
    client = web_client(one)
    page = client.get(f"/duty/{cast.community_a.code}/").content.decode()
    assert "5栋水管爆裂，物业已关阀" in page and 'data-testid="take-over"' in page
    client.post(f"/duty/shifts/{current.pk}/take-over/", {"next": f"/duty/{cast.community_a.code}/"})
    assert Shift.objects.get(pk=current.pk).taken_over_by == one
    client.post(f"/duty/{cast.community_a.code}/log/", {"kind": "call", "summary": "居民来电：楼道积水"})
    assert LogEntry.objects.get().shift == current
    page = client.get(f"/duty/{cast.community_a.code}/").content.decode()
    assert "居民来电：楼道积水" in page and 'data-testid="taken-over"' in page
    # Someone not on duty gets no forms, and a post to the log is refused with the reason.
    page = web_client(cast.officer_a).get(f"/duty/{cast.community_a.code}/").content.decode()
    assert 'data-testid="log-form"' not in page
    web_client(cast.officer_a).post(f"/duty/{cast.community_a.code}/log/", {"kind": "call", "summary": "x"})
    assert LogEntry.objects.count() == 1


def test_the_header_names_who_is_on_duty_and_costs_no_query_once_cached(on_duty, django_assert_num_queries):
    cast, _previous, _current, _coming, (one, _two, _three) = on_duty
    request = RequestFactory().get("/")
    request.user = cast.grid_worker_a  # a grid keeps no duty: the header shows its community's
    assert header_items(request)[0]["label"] == "值班：A值班员1"
    request = RequestFactory().get("/")
    request.user = cast.grid_worker_a
    request.user._yingji_memberships = [("grid_worker", cast.grid_a1.path)]  # as the request has read them
    with django_assert_num_queries(0):
        assert header_items(request)[0]["url"] == f"/duty/{cast.community_a.code}/"
    page = web_client(cast.officer_a).get("/").content.decode()
    assert 'data-testid="on-duty"' in page and "值班：A值班员1" in page


def test_a_roster_change_shows_at_once_in_the_header(on_duty, django_capture_on_commit_callbacks):
    cast, _previous, current, _coming, (one, two, _three) = on_duty
    request = RequestFactory().get("/")
    request.user = cast.officer_a
    assert header_items(request)[0]["label"] == "值班：A值班员1"
    from yingji.duty.services import rosters

    with django_capture_on_commit_callbacks(execute=True):
        rosters.move_person(actor=cast.officer_a, user=two, source=current, target=current, as_leader=True)
    assert header_items(request)[0]["label"] == "值班：A值班员2"


def test_the_jurisdiction_and_incident_pages_show_who_is_on_duty(on_duty):
    cast, _previous, current, _coming, (one, two, _three) = on_duty
    page = web_client(cast.street_officer).get(f"/jurisdictions/{cast.community_a.code}/").content.decode()
    assert 'data-testid="duty-panel"' in page and "A值班员1" in page and "13900000001" in page
    incident = fire_in_a(cast)
    LogEntry.objects.create(jurisdiction=cast.community_a, shift=current, at=timezone.now(), kind="event",
                            summary="已通知物业疏散", author=two, author_name="A值班员2",
                            subject_type_id=__import__("django.contrib.contenttypes.models", fromlist=["x"])
                            .ContentType.objects.get_for_model(incident).pk, subject_id=incident.pk)
    page = web_client(cast.officer_a).get(f"/incidents/{incident.pk}/").content.decode()
    assert "A值班员1" in page and "已通知物业疏散" in page and 'data-testid="duty-log-about"' in page
    # The grid worker sees the community's duty too, the mobile numbers masked.
    page = web_client(cast.grid_worker_a).get(f"/jurisdictions/{cast.grid_a1.code}/").content.decode()
    assert "A值班员1" in page and "139****0001" in page and "13900000001" not in page


def test_a_drag_on_the_roster_moves_a_person_and_a_refused_one_says_why(on_duty):
    cast, _previous, current, coming, (one, two, three) = on_duty
    client = web_client(cast.officer_a)
    month = timezone.localtime(coming.starts_at).strftime("%Y-%m")
    page = client.get(f"/duty/{cast.community_a.code}/roster/{month}/").content.decode()
    assert f'data-shift="{coming.pk}"' in page and 'data-testid="palette"' in page
    moved = client.post(f"/duty/shifts/{coming.pk}/move/", {"user": two.pk, "source": current.pk})
    assert moved.status_code == 200 and 'data-testid="roster"' in moved.content.decode()
    assert list(coming.staff.values_list("user_id", flat=True)) == [two.pk]
    refused = client.post(f"/duty/shifts/{current.pk}/move/", {"user": three.pk, "source": coming.pk})
    assert refused.status_code == 422 and "带班领导" in refused.content.decode()


def test_another_community_gets_404_on_every_duty_page(on_duty):
    cast, previous, current, _coming, (_one, two, _three) = on_duty
    report = DailyReport.objects.create(jurisdiction=cast.community_a, day=timezone.localdate(),
                                        compiled_at=timezone.now())
    month = timezone.localtime().strftime("%Y-%m")
    code = cast.community_a.code
    outsider = web_client(cast.officer_c)
    for url in (f"/duty/{code}/", f"/duty/{code}/roster/{month}/", f"/duty/shifts/{current.pk}/",
                f"/duty/{code}/shifts/new/", f"/duty/{code}/extra/", f"/duty/{code}/patterns/new/",
                f"/duty/reports/{report.pk}/", f"/duty/reports/{report.pk}/report.xlsx",
                f"/duty/reports/{report.pk}/report.pdf", f"/duty/{code}/roster/{month}/export.xlsx"):
        assert outsider.get(url).status_code == 404, url
    for url, body in ((f"/duty/shifts/{current.pk}/move/", {"user": two.pk}),
                      (f"/duty/shifts/{current.pk}/take-over/", {}), (f"/duty/shifts/{previous.pk}/handover/",
                                                                      {"notes": "x"}),
                      (f"/duty/shifts/{current.pk}/delete/", {}), (f"/duty/{code}/log/", {"kind": "call"}),
                      (f"/duty/{code}/generate/", {}), (f"/duty/{code}/reports/compile/", {"day": "2026-01-01"})):
        assert outsider.post(url, body).status_code == 404, url
    # Seen but not theirs to change: 403 for A's warehouse keeper.
    assert web_client(cast.keeper_a).get(f"/duty/{code}/shifts/new/").status_code == 403


def test_a_roster_exported_imports_back_unchanged_and_a_bad_row_names_its_column(on_duty):
    cast, _previous, _current, coming, _people = on_duty
    client = web_client(cast.officer_a)
    month = timezone.localtime(coming.starts_at).strftime("%Y-%m")
    exported = client.get(f"/duty/{cast.community_a.code}/roster/{month}/export.xlsx")
    data = exported.getvalue()  # a streamed body is read once
    assert exported.status_code == 200
    upload = io.BytesIO(data)
    upload.name = "roster.xlsx"
    answer = client.post("/duty/roster-import/", {"file": upload})
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    sheet.append([cast.community_a.code, "2030-05-01", "白班", "08:00", "20:00", "", "officer_c", "", ""])
    bad = io.BytesIO()
    book.save(bad)
    bad.seek(0)
    bad.name = "roster.xlsx"
    before = Shift.objects.count()
    page = client.post("/duty/roster-import/", {"file": bad})
    assert page.status_code == 422
    assert "带班领导" in page.content.decode() and "officer_c" in page.content.decode()
    assert Shift.objects.count() == before


def test_the_report_pages_compile_show_and_export(on_duty):
    cast, _previous, current, _coming, (_one, two, _three) = on_duty
    LogEntry.objects.create(jurisdiction=cast.community_a, shift=current, at=timezone.now(), kind="call",
                            summary="居民来电：停电", author=two, author_name="A值班员2")
    client = web_client(cast.officer_a)
    compiled = client.post(f"/duty/{cast.community_a.code}/reports/compile/",
                           {"day": timezone.localdate().isoformat()})
    report = DailyReport.objects.get()
    assert compiled.status_code == 302 and compiled["Location"] == f"/duty/reports/{report.pk}/"
    page = client.get(f"/duty/reports/{report.pk}/").content.decode()
    assert "居民来电：停电" in page and "A社区值班日报" in page
    assert client.get(f"/duty/reports/{report.pk}/report.pdf")["Content-Type"] == "application/pdf"
    # The grid worker of A reads the report of its own grid's community? No: a grid worker sees its grid only.
    assert web_client(cast.grid_worker_a).get(f"/duty/reports/{report.pk}/").status_code == 404
    # The street sees A's report; the auditor may export it.
    assert web_client(cast.street_officer).get(f"/duty/reports/{report.pk}/").status_code == 200
    assert web_client(cast.auditor).get(f"/duty/reports/{report.pk}/report.xlsx").status_code == 200
