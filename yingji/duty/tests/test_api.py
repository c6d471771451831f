"""The duty API: on duty now with masked phones, shifts, the log, handover, reports — and scope everywhere."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.utils import timezone

from yingji.core.testing import api_client
from yingji.duty.models import DailyReport, LogEntry, Shift
from yingji.duty.tests.builders import local, make_shift, staff_of_a

pytestmark = pytest.mark.django_db
BASE = "/api/v1/duty/"


def post(client, url, body, method="post"):  # type: ignore[no-untyped-def]
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def under_way(cast):  # type: ignore[no-untyped-def]
    """Community A's shift under way now, and the one before it (ended, no handover)."""
    one, two, three = staff_of_a(cast)
    now = timezone.now()
    earlier = make_shift(cast.community_a, now - timezone.timedelta(hours=14), now - timezone.timedelta(hours=2),
                         three, label="夜班")
    current = make_shift(cast.community_a, now - timezone.timedelta(hours=2), now + timezone.timedelta(hours=10),
                         one, [two])
    return cast, current, earlier, (one, two, three)


def test_who_is_on_duty_now_with_phones_masked_for_roles_without_personal_data(under_way):
    cast, current, _earlier, (one, two, _three) = under_way
    seen = api_client(cast.officer_a).get(BASE + "now", {"jurisdiction": cast.community_a.code}).json()
    assert seen["name"] == "A社区" and seen["shifts"][0]["id"] == current.pk
    assert seen["shifts"][0]["leader"] == {"id": one.pk, "name": "A值班员1", "phone": "13900000001"}
    assert [m["name"] for m in seen["shifts"][0]["members"]] == ["A值班员2"]
    # The grid worker sees the community's duty with phones masked (no personal data for that role).
    chain = api_client(cast.grid_worker_a).get(BASE + "now/chain", {"jurisdiction": cast.grid_a1.code}).json()
    assert [p["name"] for p in chain] == ["A社区", "南园街道", "福田区"]
    assert chain[0]["shifts"][0]["leader"]["phone"] == "139****0001"
    assert chain[1]["shifts"] == []


def test_another_community_gets_404_on_every_duty_endpoint(under_way):
    cast, current, earlier, (_one, two, _three) = under_way
    entry = LogEntry.objects.create(jurisdiction=cast.community_a, shift=current, at=timezone.now(), kind="call",
                                    summary="来电", author=two, author_name="A值班员2")
    report = DailyReport.objects.create(jurisdiction=cast.community_a, day=timezone.localdate(),
                                        compiled_at=timezone.now())
    outsider = api_client(cast.officer_c)
    for url in (f"now?jurisdiction={cast.community_a.code}", f"now/chain?jurisdiction={cast.grid_a1.code}",
                f"shifts/{current.pk}", f"shifts/{current.pk}/history", f"shifts/{earlier.pk}/handover",
                f"log/{entry.pk}", f"reports/{report.pk}", f"reports/{report.pk}/xlsx", f"reports/{report.pk}/pdf",
                f"shifts/export?jurisdiction={cast.community_a.code}&month=2027-01"):
        assert outsider.get(BASE + url).status_code == 404, url
    for url, body, method in (
            (f"shifts/{current.pk}", {"note": "x"}, "patch"), (f"shifts/{current.pk}/move", {"user": two.pk}, "post"),
            (f"shifts/{current.pk}/take-over", {}, "post"), (f"shifts/{earlier.pk}/handover", {"notes": "x"}, "put"),
            (f"log/{entry.pk}", {"summary": "x"}, "patch"),
            ("log/", {"jurisdiction": cast.community_a.code, "kind": "call", "summary": "x"}, "post"),
            ("reports/", {"jurisdiction": cast.community_a.code, "day": "2026-01-01"}, "post"),
            ("shifts/", {"jurisdiction": cast.community_a.code, "label": "x", "starts_at": "2030-01-01T08:00",
                         "ends_at": "2030-01-01T20:00", "leader": two.pk}, "post")):
        response = post(outsider, BASE + url, body, method)
        assert response.status_code == 404, (url, response.status_code)
    assert outsider.delete(BASE + f"shifts/{current.pk}").status_code == 404
    # Lists answer nothing of A's.
    for url in ("shifts/", "log/", "reports/", "patterns/"):
        assert outsider.get(BASE + url).json()["count"] == 0, url
    # A's warehouse keeper sees the shift but may not change it: 403.
    assert post(api_client(cast.keeper_a), BASE + f"shifts/{current.pk}", {"note": "x"}, "patch").status_code == 403
    assert Shift.objects.get(pk=current.pk).note == ""


def test_the_log_through_the_api_and_its_errors_in_one_shape(under_way):
    cast, current, _earlier, (_one, two, _three) = under_way
    client = api_client(two)
    created = post(client, BASE + "log/", {"jurisdiction": cast.community_a.code, "kind": "call",
                                           "summary": "居民来电：5栋漏水"})
    assert created.status_code == 201 and created.json()["shift"] == current.pk
    bad = post(api_client(two, "en"), BASE + "log/", {"jurisdiction": cast.community_a.code, "kind": "gossip",
                                                      "summary": " "})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"kind", "summary"}
    not_on_duty = post(api_client(cast.officer_a), BASE + "log/", {"jurisdiction": cast.community_a.code,
                                                                    "kind": "call", "summary": "x"})
    assert not_on_duty.status_code == 422 and not_on_duty.json()["errors"][0]["field"] == "at"
    assert LogEntry.objects.count() == 1


def test_take_over_and_the_flag_of_the_shift_that_left_no_handover(under_way):
    cast, current, earlier, (one, _two, _three) = under_way
    flagged = api_client(cast.officer_a).get(BASE + "shifts/", {"missing_handover": "true"}).json()
    assert [s["id"] for s in flagged["items"]] == [earlier.pk] and flagged["items"][0]["handover_missing"]
    taken = post(api_client(one), BASE + f"shifts/{current.pk}/take-over", {}).json()
    assert taken["previous_shift"] == earlier.pk and taken["previous_left_no_handover"]
    again = post(api_client(one), BASE + f"shifts/{current.pk}/take-over", {})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "shift"


def test_shifts_created_moved_and_exported_through_the_api(cast):
    one, two, three = staff_of_a(cast)
    client = api_client(cast.officer_a)
    made = post(client, BASE + "shifts/", {"jurisdiction": cast.community_a.code, "label": "夜班",
                                           "starts_at": "2030-01-31T20:00", "ends_at": "2030-02-01T08:00",
                                           "leader": one.pk, "members": [two.pk]})
    assert made.status_code == 201, made.json()
    shift = made.json()
    moved = post(client, BASE + f"shifts/{shift['id']}/move", {"user": three.pk, "as_leader": True}).json()
    assert moved["leader"]["id"] == three.pk and {m["id"] for m in moved["members"]} == {one.pk, two.pk}
    refused = post(client, BASE + "shifts/", {"jurisdiction": cast.community_a.code, "label": "x",
                                              "starts_at": "2030-01-31T22:00", "ends_at": "2030-01-31T23:00",
                                              "leader": cast.officer_c.pk})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "leader"
    exported = client.get(BASE + "shifts/export", {"jurisdiction": cast.community_a.code, "month": "2030-01"})
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.getvalue())).active.iter_rows(values_only=True))
    assert (rows[1][0], rows[1][1].date().isoformat(), *rows[1][2:5]) == ("440304001001", "2030-01-31", "夜班", "20:00",
                                                                         "08:00")
    assert rows[1][6] == "A值班员3（a_staff_3）"
    assert local(2030, 1, 31, 20) == Shift.objects.get(pk=shift["id"]).starts_at


def test_the_remaining_endpoints_refuse_another_community(under_way):
    from yingji.duty.models import RosterPattern
    from yingji.duty.services import reports, swaps

    cast, current, _earlier, (one, two, three) = under_way
    start = timezone.now() + timezone.timedelta(days=2)
    coming = make_shift(cast.community_a, start, start + timezone.timedelta(hours=12), one, [two])
    swap = swaps.request_swap(coming, actor=two, replacement=three, reason="家中有事")
    daily = reports.compile_report(actor=cast.officer_a, jurisdiction=cast.community_a,
                                   day=timezone.localdate() - timezone.timedelta(days=1))
    pattern = RosterPattern.objects.create(jurisdiction=cast.community_a, name="两班倒",
                                           slots=[{"label": "全天", "start": "08:00", "end": "08:00"}],
                                           crews=[{"leader": one.pk, "members": []}])
    outsider = api_client(cast.officer_c)
    for url, body in ((f"reports/{daily.pk}/review", {}), (f"shifts/{coming.pk}/swaps",
                                                         {"replacement": three.pk, "reason": "x"}),
                      (f"swaps/{swap.pk}/agree", {}), (f"patterns/{pattern.pk}/generate", {"month": "2030-01"}),
                      ("extra-shifts", {"jurisdiction": cast.community_a.code, "kind": "reinforced",
                                        "first_day": "2030-01-01", "last_day": "2030-01-01", "start": "08:00",
                                        "end": "20:00", "label": "x", "leader": one.pk}),
                      ("patterns/", {"jurisdiction": cast.community_a.code, "name": "x",
                                     "slots": [{"label": "x", "start": "08:00", "end": "20:00"}],
                                     "crews": [{"leader": one.pk}]})):
        assert post(outsider, BASE + url, body).status_code == 404, url
    assert post(outsider, BASE + f"patterns/{pattern.pk}", {
        "jurisdiction": cast.community_a.code, "name": "y", "slots": [], "crews": []}, "put").status_code == 404
    for url in ("swaps/", "incident-reports/", "patterns/"):
        assert outsider.get(BASE + url).json()["count"] == 0, url
    # Holidays are the district's to declare: its district lies outside a community's area (404), and a
    # community is no place for one (422).
    holiday = {"jurisdiction": cast.district.code, "day": "2030-10-01", "name": "国庆节"}
    assert post(api_client(cast.officer_a), BASE + "holidays/", holiday).status_code == 404
    mine = post(api_client(cast.officer_a), BASE + "holidays/", {**holiday, "jurisdiction": cast.community_a.code})
    assert mine.status_code == 422 and mine.json()["errors"][0]["field"] == "jurisdiction"
    assert post(api_client(cast.commander), BASE + "holidays/", holiday).status_code == 201
    upload = io.BytesIO(b"x")
    upload.name = "roster.xlsx"
    assert api_client(cast.grid_worker_a).post(BASE + "shifts/import", {"file": upload}).status_code == 403


def test_the_lists_read_a_fixed_number_of_queries(under_way, django_assert_max_num_queries):
    cast, current, _earlier, (_one, two, _three) = under_way
    for n in range(20):
        LogEntry.objects.create(jurisdiction=cast.community_a, shift=current, at=timezone.now(), kind="call",
                                summary=f"来电{n}", author=two, author_name="A值班员2")
        make_shift(cast.community_a, timezone.now() + timezone.timedelta(days=n + 2),
                   timezone.now() + timezone.timedelta(days=n + 2, hours=12), two, [_one])
    client = api_client(cast.commander)
    for url in ("shifts/", "log/"):
        with django_assert_max_num_queries(10):
            answer = client.get(BASE + url)
        assert answer.json()["count"] >= 20, url
