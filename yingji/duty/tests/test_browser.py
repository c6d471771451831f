"""In a real browser: a street officer takes over the shift, writes the duty log, compiles the daily
report that contains the entry, and the report's PDF carries the Chinese text; the roster by drag."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import pytest
from django.utils import timezone

from yingji.conftest import SCREENSHOTS
from yingji.duty.models import Handover, LogEntry, Shift
from yingji.duty.tests.builders import make_shift, staff_of_a

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOUR = timezone.timedelta(hours=1)
PATIENCE = 60_000  # ms: a loaded 2-core machine; nothing here waits on purpose, each step waits for what it shows


def patient(page):  # type: ignore[no-untyped-def]
    page.set_default_timeout(PATIENCE)
    return page
ENTRY = "南园路口积水约20厘米，已通知排水队抽排"


def test_a_street_officer_takes_over_logs_and_prints_the_daily_report(cast, page_for, screenshot):  # type: ignore[no-untyped-def]
    now = timezone.now().replace(second=0, microsecond=0)
    night = make_shift(cast.street_1, now - 13 * HOUR, now - HOUR, cast.commander, label="夜班")
    Handover.objects.create(shift=night, notes="3栋电梯困人已解救，明早回访", written_by=cast.commander,
                            written_at=now - 2 * HOUR)
    day = make_shift(cast.street_1, now - HOUR, now + 11 * HOUR, cast.street_officer, label="白班")
    page = patient(page_for(cast.street_officer))
    page.goto("/duty/")
    assert "值班：street_officer" in page.inner_text("[data-testid=on-duty]")
    with page.expect_navigation():
        page.click("text=南园街道值班室")
    assert "3栋电梯困人已解救" in page.inner_text("[data-testid=previous-handover]")
    with page.expect_navigation():
        page.click("[data-testid=take-over]")
    assert page.locator("[data-testid=taken-over]").is_visible()
    page.select_option("#id_kind", "event")
    page.fill("#id_summary", ENTRY)
    with page.expect_navigation():
        page.click("[data-testid=log-submit]")
    assert ENTRY in page.inner_text("[data-testid=duty-log]")
    screenshot(page, "duty-room")
    assert Shift.objects.get(pk=day.pk).taken_over_by == cast.street_officer
    assert Handover.objects.get(shift=night).acknowledged_by == cast.street_officer
    assert LogEntry.objects.get().shift == Shift.objects.get(pk=day.pk)

    with page.expect_navigation():
        page.click("[data-testid=compile-today]")
    assert "南园街道值班日报" in page.inner_text("[data-testid=report-title]")
    assert ENTRY in page.inner_text("[data-testid=report-log]")
    screenshot(page, "duty-report")

    pdf_url = page.get_attribute("[data-testid=report-pdf]", "href")
    answer = page.request.get(pdf_url)
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(answer.body())).pages).replace(" ", "")
    assert "南园街道值班日报" in text and ENTRY.replace(" ", "") in text and "3栋电梯困人已解救" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    picture = pypdfium2.PdfDocument(answer.body())[0].render(scale=1.5).to_pil()
    picture.save(SCREENSHOTS / "duty-report-pdf.png")
    # The rendered page is not blank: Chinese glyphs were drawn (dark pixels over a good part of the page).
    dark = sum(picture.convert("L").histogram()[:128])
    assert dark > 0.005 * picture.width * picture.height

    # On a 390 px phone the duty room and the report fit the screen's width (tables scroll inside their box).
    phone = patient(page_for(cast.street_officer, mobile=True))
    phone.goto(f"/duty/{cast.street_1.code}/")
    assert ENTRY in phone.inner_text("[data-testid=duty-log]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "duty-room-390")
    phone.goto(page.url)
    assert ENTRY in phone.inner_text("[data-testid=report-log]")
    screenshot(phone, "duty-report-390")
    for path, shows in (("/duty/", "[data-testid=on-duty]"), ("/duty/reports/", "h1"), ("/duty/queue/", "h1"),
                        ("/duty/swaps/", "h1"), (f"/duty/shifts/{day.pk}/", "h1")):
        phone.goto(path)
        phone.locator(shows).first.wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_person_dragged_onto_a_shift_joins_it(cast, page_for, screenshot):  # type: ignore[no-untyped-def]
    one, two, _three = staff_of_a(cast)
    start = (timezone.now() + 24 * HOUR).replace(minute=0, second=0, microsecond=0)
    shift = make_shift(cast.community_a, start, start + 12 * HOUR, one, label="白班")
    page = patient(page_for(cast.officer_a))
    page.goto(f"/duty/{cast.community_a.code}/roster/{timezone.localtime(start):%Y-%m}/")
    page.drag_and_drop("[data-testid=staff-a_staff_2]", f"[data-testid=shift-{shift.pk}] .shift-members")
    page.wait_for_selector(f"[data-testid=shift-{shift.pk}] .shift-members .chip[data-user='{two.pk}']")
    assert list(shift.staff.values_list("user_id", flat=True)) == [two.pk]
    # Dragging the leader away to another shift is refused with the reason, and nothing changes.
    night = make_shift(cast.community_a, start + 12 * HOUR, start + 24 * HOUR, two, label="夜班")
    page.reload()
    page.drag_and_drop(f"[data-testid=shift-{shift.pk}] .chip.leader", f"[data-testid=shift-{night.pk}] .shift-members")
    error = page.locator("[data-testid=roster-error]")
    error.wait_for(state="visible")
    assert "带班" in error.inner_text()
    assert Shift.objects.get(pk=shift.pk).leader_id == one.pk and not night.staff.exists()
    screenshot(page, "duty-roster")

    phone = patient(page_for(cast.officer_a, mobile=True))
    phone.goto(f"/duty/{cast.community_a.code}/roster/{timezone.localtime(start):%Y-%m}/")
    phone.wait_for_selector(f"[data-testid=shift-{shift.pk}]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "duty-roster-390")
