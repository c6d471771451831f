"""Certificates and maintenance that lapse within 30 days, listed per jurisdiction."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from yingji.core.testing import api_client, web_client
from yingji.resources import rules
from yingji.resources.models import Equipment, EquipmentStatus, MemberCertificate
from yingji.resources.tests import builders as b


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_it_lists_certificates_that_lapsed_or_lapse_within_30_days(cast):
    member = b.make_member(b.make_team(cast.community_a))
    lapsed = b.make_certificate(member, "first_aid", days(-3))
    soon = b.make_certificate(member, "cpr_aed", days(30))
    b.make_certificate(member, "driver", days(31))
    b.make_certificate(member, "other", None)
    listed = list(rules.expiring_certificates(MemberCertificate.objects.all()))
    assert listed == [lapsed, soon]


def test_it_lists_maintenance_overdue_or_due_within_30_days_but_not_retired_kit(cast):
    overdue = b.make_equipment(cast.community_a, next_maintenance_on=days(-1))
    due = b.make_equipment(cast.community_a, next_maintenance_on=days(12))
    b.make_equipment(cast.community_a, next_maintenance_on=days(45))
    b.make_equipment(cast.community_a, next_maintenance_on=days(-9), status=EquipmentStatus.OUT_OF_SERVICE)
    b.make_equipment(cast.community_a)
    assert list(rules.maintenance_due(Equipment.objects.all())) == [overdue, due]
    assert overdue.maintenance_overdue() and not due.maintenance_overdue()


def test_the_expiring_page_groups_rows_by_community_and_is_scoped(cast):
    a_member = b.make_member(b.make_team(cast.community_a), name="甲队员")
    b_member = b.make_member(b.make_team(cast.community_b), name="乙队员")
    b.make_certificate(a_member, "first_aid", days(5))
    b.make_certificate(b_member, "first_aid", days(5))
    b.make_equipment(cast.community_a, name="甲巡逻车", next_maintenance_on=days(-2))
    street = web_client(cast.street_officer).get("/resources/expiring/").content.decode()
    assert "甲队员" in street and "乙队员" in street and "甲巡逻车" in street
    assert street.index(cast.community_a.name) < street.index(cast.community_b.name)
    only_b = web_client(cast.street_officer).get(f"/resources/expiring/?jurisdiction={cast.community_b.code}")
    assert "甲队员" not in only_b.content.decode()
    neighbour = web_client(cast.officer_b).get("/resources/expiring/").content.decode()
    assert "甲队员" not in neighbour and "甲巡逻车" not in neighbour and "乙队员" in neighbour


def test_the_expiring_page_lists_a_page_at_a_time_in_the_grouped_order_with_the_true_totals(cast):
    """A district's whole lists made a 160 KiB page (issue 13): each list shows PAGE_SIZE rows,
    the counts are of every row, the pages together list every row once in the order of the groups
    (jurisdiction, then soonest first), and the page's queries do not grow with its rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yingji.resources.views import PAGE_SIZE

    web = web_client(cast.street_officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert web.get("/resources/expiring/").status_code == 200
        return len(captured)

    team_b, team_a = b.make_team(cast.community_b), b.make_team(cast.community_a)
    for n in range(2):
        b.make_certificate(b.make_member(team_a), "first_aid", days(n))
        b.make_equipment(cast.community_a, next_maintenance_on=days(n))
    queries()  # the session's first request
    few = queries()
    for n in range(PAGE_SIZE + 3):  # both communities' rows interleaved, some sooner than the first two
        b.make_certificate(b.make_member(team_b if n % 2 else team_a), "first_aid", days(-(n % 20)))
        b.make_equipment(cast.community_b if n % 2 else cast.community_a, next_maintenance_on=days(-(n % 20)))
    assert queries() == few
    every = PAGE_SIZE + 5
    expected = sorted(rules.expiring_certificates(MemberCertificate.objects.all()),
                      key=lambda c: (c.member.team.jurisdiction.path, c.expires_on, c.pk))
    kit = sorted(rules.maintenance_due(Equipment.objects.all()), key=lambda e: (e.jurisdiction.path, e.next_maintenance_on,
                                                                               e.pk))
    assert len(expected) == len(kit) == every
    first = web.get("/resources/expiring/")
    second = web.get("/resources/expiring/?certificates_page=2&equipment_page=2")
    for response, rows, equipment in ((first, expected[:PAGE_SIZE], kit[:PAGE_SIZE]),
                                      (second, expected[PAGE_SIZE:], kit[PAGE_SIZE:])):
        assert response.context["certificate_count"] == response.context["equipment_count"] == every
        shown = [c for _place, group in response.context["certificate_groups"] for c in group]
        assert shown == rows
        assert [e for _place, group in response.context["equipment_groups"] for e in group] == equipment
        html = response.content.decode()
        assert len(re.findall(r'href="/resources/members/\d+/"', html)) == len(rows)
        assert f'<span class="badge">{every}</span>' in html
    assert 'certificates_page=2"' in first.content.decode()
    assert [p.name for p, _rows in second.context["certificate_groups"]] == [cast.community_b.name]


def test_the_expiring_api_answers_both_lists(cast):
    member = b.make_member(b.make_team(cast.community_a))
    certificate = b.make_certificate(member, "cpr_aed", days(7))
    item = b.make_equipment(cast.community_a, next_maintenance_on=days(3))
    body = api_client(cast.officer_a).get("/api/v1/resources/expiring").json()
    assert [c["id"] for c in body["certificates"]] == [certificate.pk]
    assert [e["id"] for e in body["maintenance"]] == [item.pk]
    assert api_client(cast.officer_b).get("/api/v1/resources/expiring").json()["certificates"] == []
    wider = api_client(cast.officer_a).get("/api/v1/resources/expiring?days=0").json()
    assert wider["certificates"] == [] and wider["maintenance"] == []


def test_overdue_maintenance_is_highlighted_in_the_equipment_list(cast):
    b.make_equipment(cast.community_a, name="逾期巡逻车", next_maintenance_on=days(-10))
    page = web_client(cast.officer_a).get("/resources/equipment/").content.decode()
    row = page[page.index("逾期巡逻车") - 300: page.index("逾期巡逻车")]
    assert 'class="overdue"' in row
    filtered = web_client(cast.officer_a).get("/resources/equipment/?maintenance=overdue").content.decode()
    assert "逾期巡逻车" in filtered


def test_recording_a_maintenance_clears_the_overdue_flag(cast):
    item = b.make_equipment(cast.community_a, last_maintained_on=days(-400), next_maintenance_on=days(-35))
    client = api_client(cast.officer_a)
    response = client.post(f"/api/v1/resources/equipment/{item.pk}/maintenance",
                           {"on": str(days(0)), "next_on": str(days(180))}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["maintenance_overdue"] is False
    assert not rules.maintenance_due(Equipment.objects.filter(pk=item.pk)).exists()


def test_certificates_are_added_and_removed_on_the_member(cast):
    member = b.make_member(b.make_team(cast.community_a))
    client = api_client(cast.officer_a)
    added = client.post(f"/api/v1/resources/members/{member.pk}/certificates",
                        {"kind": "first_aid", "expires_on": str(days(200))}, content_type="application/json")
    assert added.status_code == 201, added.json()
    twice = client.post(f"/api/v1/resources/members/{member.pk}/certificates", {"kind": "first_aid"},
                        content_type="application/json")
    assert twice.status_code == 422
    certificate_id = added.json()["id"]
    assert api_client(cast.officer_b).delete(f"/api/v1/resources/certificates/{certificate_id}").status_code == 404
    backwards = client.patch(f"/api/v1/resources/certificates/{certificate_id}",
                             {"issued_on": str(days(300))}, content_type="application/json")
    assert backwards.status_code == 422
    assert client.delete(f"/api/v1/resources/certificates/{certificate_id}").status_code == 204
    assert not member.certificates.exists()


def test_the_member_page_adds_a_certificate(cast):
    member = b.make_member(b.make_team(cast.community_a))
    web = web_client(cast.officer_a)
    response = web.post(f"/resources/members/{member.pk}/certificates/",
                        {"kind": "cpr_aed", "number": "C-1", "expires_on": str(days(20))})
    assert response.status_code == 302
    assert member.certificates.get().number == "C-1"
    page = web.get(f"/resources/members/{member.pk}/").content.decode()
    assert "C-1" in page and "badge orange" in page


def test_the_equipment_page_records_a_maintenance(cast):
    item = b.make_equipment(cast.community_a, next_maintenance_on=days(-5))
    web = web_client(cast.officer_a)
    assert 'data-testid="overdue"' in web.get(f"/resources/equipment/{item.pk}/").content.decode()
    response = web.post(f"/resources/equipment/{item.pk}/maintenance/", {"on": str(days(0)), "next_on": str(days(180))})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.last_maintained_on, item.next_maintenance_on) == (days(0), days(180))
    assert 'data-testid="overdue"' not in web.get(f"/resources/equipment/{item.pk}/").content.decode()
    assert web_client(cast.officer_b).post(f"/resources/equipment/{item.pk}/maintenance/",
                                           {"on": str(days(0))}).status_code == 404
