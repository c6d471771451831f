"""The daily duty report: compiled from the day's ledgers of a subtree, exported as Excel and as a Chinese PDF."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pypdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.duty.exports import report_pdf, report_xlsx
from yingji.duty.models import EntryKind
from yingji.duty.services import handover, log, reports
from yingji.duty.tests.builders import local, make_shift, staff_of_a
from yingji.incidents.tests.builders import fire_in_a

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def a_day(cast):  # type: ignore[no-untyped-def]
    """November 20, 2026 in street S1: its own shifts and log, community A's night and events, a fire in A."""
    one, two, three = staff_of_a(cast)
    street_day = make_shift(cast.street_1, local(2026, 11, 20, 8), local(2026, 11, 20, 20), cast.street_officer)
    make_shift(cast.street_1, local(2026, 11, 19, 20), local(2026, 11, 20, 8), cast.street_officer, label="夜班")
    a_day_shift = make_shift(cast.community_a, local(2026, 11, 20, 8), local(2026, 11, 20, 20), one, [two])
    handover.write_handover(a_day_shift, actor=two, notes="3栋电梯困人已解救，明日回访", now=local(2026, 11, 20, 19))
    fire = fire_in_a(cast, received_at=local(2026, 11, 20, 14, 5))
    log.add_entry(actor=cast.street_officer, jurisdiction=cast.street_1, kind=EntryKind.INSTRUCTION,
                  summary="区应急局通知：明日起进入防汛三级应急响应", now=local(2026, 11, 20, 9, 30))
    log.add_entry(actor=two, jurisdiction=cast.community_a, kind=EntryKind.EVENT, summary="A社区1栋火情，已报119",
                  subject=fire, now=local(2026, 11, 20, 14, 10))
    log.add_entry(actor=one, jurisdiction=cast.community_a, kind=EntryKind.CALL, summary="居民咨询停水时间",
                  now=local(2026, 11, 20, 16))
    return cast, street_day, fire


def test_the_street_report_gathers_its_log_the_events_below_its_incidents_and_its_units(a_day):
    cast, street_day, fire = a_day
    report = reports.compile_report(actor=cast.street_officer, jurisdiction=cast.street_1, day=DAY,
                                    summary="全天平稳。", now=local(2026, 11, 21, 8, 30))
    content = report.content
    assert [e["summary"] for e in content["log"]] == ["区应急局通知：明日起进入防汛三级应急响应"]
    # Community A's event climbs up to the street's report; its routine call stays in A's count only.
    assert [(e["unit"], e["summary"]) for e in content["carried_up"]] == [("A社区", "A社区1栋火情，已报119")]
    assert content["incidents"]["received"] == 1 and content["incidents"]["items"][0]["reference"] == fire.reference
    units = {u["name"]: u for u in content["units"]}
    assert (units["A社区"]["log"], units["A社区"]["events"], units["A社区"]["incidents"]) == (2, 1, 1)
    assert units["B社区"]["log"] == 0
    # The street's two shifts of the day (the night from the 19th reaches into it) left no handover notes.
    assert [s["handover_missing"] for s in content["shifts"]] == [True, True]
    assert content["totals"] == {"log": 3, "events": 2, "incidents": 1, "warnings": 0, "hazards": 0,
                                 "handovers_missing": 2}
    assert report.summary == "全天平稳。"
    # Compiling again refreshes the same report.
    again = reports.compile_report(actor=cast.street_officer, jurisdiction=cast.street_1, day=DAY,
                                   now=local(2026, 11, 21, 9))
    assert again.pk == report.pk and again.summary == "全天平稳。"


def test_a_report_is_compiled_for_a_day_that_has_come_by_those_in_charge_of_it(a_day):
    cast, _street_day, _fire = a_day
    with pytest.raises(ValidationError):
        reports.compile_report(actor=cast.street_officer, jurisdiction=cast.street_1, day=DAY,
                               now=local(2026, 11, 19, 23))
    with pytest.raises(ValidationError):
        reports.compile_report(actor=cast.commander, jurisdiction=cast.grid_a1, day=DAY, now=local(2026, 11, 21))
    with pytest.raises(PermissionDenied):
        reports.compile_report(actor=cast.officer_c, jurisdiction=cast.street_1, day=DAY, now=local(2026, 11, 21))
    with pytest.raises(PermissionDenied):  # a grid worker reads reports, does not compile them
        reports.compile_report(actor=cast.grid_worker_a, jurisdiction=cast.community_a, day=DAY,
                               now=local(2026, 11, 21))


def test_the_excel_and_the_pdf_say_what_the_report_says_in_chinese(a_day):
    cast, _street_day, _fire = a_day
    report = reports.compile_report(actor=cast.street_officer, jurisdiction=cast.street_1, day=DAY,
                                    summary="=HYPERLINK(\"http://x\")", now=local(2026, 11, 21, 8))
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert book.sheetnames[:3] == ["日报", "值班安排", "值班记录"]
    cells = [c for row in book["日报"].iter_rows() for c in row]
    summary = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert summary.data_type == "s"  # what a user typed never becomes a formula
    assert any(row[2] == "区应急局通知：明日起进入防汛三级应急响应" for row in book["值班记录"].iter_rows(values_only=True))
    pdf = pypdf.PdfReader(io.BytesIO(report_pdf(report)))
    text = "".join(page.extract_text() for page in pdf.pages).replace(" ", "")
    assert "南园街道值班日报" in text
    assert "区应急局通知：明日起进入防汛三级应急响应" in text and "A社区1栋火情，已报119" in text
    fonts = {str(f) for page in pdf.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts  # the CJK font is embedded: the text is drawn, not left as missing glyphs


def test_the_report_lists_the_warnings_released_for_the_area_that_day(a_day):
    from yingji.warnings.models import EarlyWarning
    from yingji.warnings.tests.builders import draft

    cast, _street_day, _fire = a_day
    warning = draft(cast, now=local(2026, 11, 20, 6, 30))
    other_day = draft(cast, now=local(2026, 11, 18, 6, 30))
    EarlyWarning.objects.filter(pk=warning.pk).update(state="released", released_at=local(2026, 11, 20, 7),
                                                      sent=local(2026, 11, 20, 7))
    EarlyWarning.objects.filter(pk=other_day.pk).update(state="released", released_at=local(2026, 11, 18, 7),
                                                        sent=local(2026, 11, 18, 7))
    report = reports.compile_report(actor=cast.street_officer, jurisdiction=cast.street_1, day=DAY,
                                    now=local(2026, 11, 21, 8))
    section = report.content["warnings"]
    assert [w["id"] for w in section["items"]] == [warning.pk] and section["in_force"] == 2
    assert section["items"][0]["headline"] == "福田区气象台发布暴雨黄色预警信号"
    assert report.content["totals"]["warnings"] == 1
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(report))).pages)
    assert "福田区气象台发布暴雨黄色预警信号" in text.replace(" ", "")


def test_the_report_counts_the_hazards_reported_closed_and_overdue_in_the_area(a_day):
    from yingji.hazards.models import Hazard
    from yingji.hazards.tests.builders import hazard

    cast, _street_day, _fire = a_day
    blocked = hazard(cast.community_a, title="消防通道被占用", severity="major")
    stairwell = hazard(cast.community_b, title="楼道电动车充电")
    elsewhere = hazard(cast.community_c, title="C社区边坡裂缝")
    Hazard.objects.filter(pk=blocked.pk).update(reported_at=local(2026, 11, 20, 9), status="assigned",
                                                deadline=local(2026, 11, 20, 18))
    Hazard.objects.filter(pk=stairwell.pk).update(reported_at=local(2026, 11, 18, 9), status="closed",
                                                  closed_at=local(2026, 11, 20, 15))
    Hazard.objects.filter(pk=elsewhere.pk).update(reported_at=local(2026, 11, 20, 9))
    report = reports.compile_report(actor=cast.street_officer, jurisdiction=cast.street_1, day=DAY,
                                    now=local(2026, 11, 21, 8))
    section = report.content["hazards"]
    assert (section["reported"], section["closed"], section["overdue"]) == (1, 1, 1)
    assert [h["title"] for h in section["items"]] == ["消防通道被占用"]
    assert {u["name"]: u["hazards"] for u in report.content["units"]} == {"A社区": 1, "B社区": 0}
    assert report.content["totals"]["hazards"] == 1
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert any(row[2] == "消防通道被占用" for row in book["隐患"].iter_rows(values_only=True))
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(report))).pages).replace(" ", "")
    assert "消防通道被占用" in text and "C社区边坡裂缝" not in text
