"""The inbox, a message's progress, undelivered deliveries, contact lists: pages and who may open them."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.testing import web_client
from yingji.messaging.models import Contact, ContactList, Delivery
from yingji.messaging.services import Person
from yingji.messaging.tests.builders import key_people, message

pytestmark = pytest.mark.django_db


# -------------------------------------------------------------------- inbox
def test_the_header_counts_unread_messages_and_opening_one_reads_it(cast):
    first = message(cast, title="第一条", ask_ack=True)
    message(cast, title="第二条")
    message(cast, recipients=[cast.officer_a], title="别人的")
    client = web_client(cast.responder_a, "en")
    home = client.get("/").content.decode()
    assert 'data-testid="inbox-link-count">2<' in home
    listed = client.get("/messaging/inbox/").content.decode()
    assert "第一条" in listed and "第二条" in listed and "别人的" not in listed
    row = first.deliveries.get()
    row.refresh_from_db()
    assert row.delivered_at is not None and row.read_at is None  # listed: reached the screen, not read
    page = client.get(f"/messaging/inbox/{row.pk}/").content.decode()
    assert "今晚有大到暴雨" in page and 'data-testid="acknowledge"' in page
    row.refresh_from_db()
    assert row.read_at is not None
    assert 'data-testid="inbox-link-count">1<' in client.get("/").content.decode()
    response = client.post(f"/messaging/inbox/{row.pk}/acknowledge/", follow=True)
    assert 'data-testid="acknowledged"' in response.content.decode()
    row.refresh_from_db()
    assert row.acknowledged_at is not None
    client.post("/messaging/inbox/read-all/")
    assert "inbox-link-count" not in client.get("/").content.decode()


def test_nobody_opens_or_acknowledges_someone_elses_message(cast):
    row = message(cast, ask_ack=True).deliveries.get()
    other = web_client(cast.officer_a)
    assert other.get(f"/messaging/inbox/{row.pk}/").status_code == 404
    assert other.post(f"/messaging/inbox/{row.pk}/acknowledge/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None and row.acknowledged_at is None


def test_a_notification_tap_leads_to_the_inbox_entry(cast):
    m = message(cast)
    client = web_client(cast.responder_a)
    response = client.get(f"/messaging/inbox/message/{m.pk}/")
    assert response["Location"] == f"/messaging/inbox/{m.deliveries.get().pk}/"
    assert web_client(cast.officer_a).get(f"/messaging/inbox/message/{m.pk}/")["Location"] == "/messaging/inbox/"


def test_the_header_count_is_one_query(cast):
    for i in range(5):
        message(cast, title=f"消息{i}")
    client = web_client(cast.responder_a)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert len([q for q in queries if "messaging_delivery" in q["sql"]]) == 1


# -------------------------------------------------------------- progress
def test_a_message_s_progress_is_seen_in_its_area_only_with_masked_phones_for_some(cast):
    m = message(cast, recipients=[cast.responder_a, Person(name="楼长", phone="13900001234")],
                channels=("in_app", "sms"))
    page = web_client(cast.officer_a).get(f"/messaging/messages/{m.pk}/").content.decode()
    assert "13900001234" in page and 'data-testid="progress"' in page
    audited = web_client(cast.auditor).get(f"/messaging/messages/{m.pk}/").content.decode()
    assert "139****1234" in audited and "13900001234" not in audited  # may view, not see personal data
    assert web_client(cast.grid_worker_a).get(f"/messaging/messages/{m.pk}/").status_code == 404  # below it
    assert web_client(cast.officer_b).get(f"/messaging/messages/{m.pk}/").status_code == 404
    assert web_client(cast.officer_c).get(f"/messaging/messages/{m.pk}/").status_code == 404


# ------------------------------------------------------------- undelivered
def test_an_operator_sees_why_a_delivery_was_given_up_and_retries_it(cast, django_capture_on_commit_callbacks):
    m = message(cast, recipients=[Person(name="楼长", phone="13900001234")], channels=("sms",))
    row = m.deliveries.get()
    Delivery.objects.filter(pk=row.pk).update(status="dead", attempts=5, last_error="errcode:93000")
    client = web_client(cast.officer_a, "en")
    page = client.get("/messaging/undelivered/").content.decode()
    assert f'data-testid="dead-{row.pk}"' in page and "error code 93000" in page and "13900001234" in page
    for outsider in (cast.officer_b, cast.officer_c):
        assert f'dead-{row.pk}"' not in web_client(outsider).get("/messaging/undelivered/").content.decode()
        web_client(outsider).post("/messaging/undelivered/retry/", {"delivery": [row.pk]})
    row.refresh_from_db()
    assert row.status == "dead"
    for read_only in (cast.responder_a, cast.grid_worker_a, cast.auditor):
        assert web_client(read_only).get("/messaging/undelivered/").status_code == 403
        assert web_client(read_only).post("/messaging/undelivered/retry/", {"delivery": [row.pk]}).status_code == 403
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/messaging/undelivered/retry/", {"delivery": [row.pk]})
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 5)


# ----------------------------------------------------------- contact lists
def test_contact_lists_are_imported_from_excel_and_exported_masked_for_those_who_may_not_see_phones(cast):
    contact_list = ContactList.objects.create(jurisdiction=cast.community_a, name="独居老人")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Full name", "Mobile phone", "Email", "Unit"])  # the Chinese headers: in the browser test
    sheet.append(["王大爷", "139 0000 1111", "", "3栋"])
    sheet.append(["李奶奶", "13900002222", "li@example.org", "5栋"])
    data = io.BytesIO()
    book.save(data)
    client = web_client(cast.officer_a, "en")
    upload = io.BytesIO(data.getvalue())
    upload.name = "contacts.xlsx"
    response = client.post(f"/messaging/contacts/{contact_list.pk}/import/", {"file": upload}, follow=True)
    assert "2 created" in response.content.decode()
    assert sorted(contact_list.contacts.values_list("name", "phone")) == [("李奶奶", "13900002222"),
                                                                         ("王大爷", "13900001111")]
    exported = openpyxl.load_workbook(io.BytesIO(client.get(
        f"/messaging/contacts/{contact_list.pk}/export.xlsx").getvalue())).active
    assert [c.value for c in exported[2]][:2] in (["李奶奶", "13900002222"], ["王大爷", "13900001111"])
    masked = openpyxl.load_workbook(io.BytesIO(web_client(cast.auditor).get(
        f"/messaging/contacts/{contact_list.pk}/export.xlsx").getvalue())).active
    assert {row[1] for row in masked.iter_rows(min_row=2, values_only=True)} == {"139****2222", "139****1111"}


def test_a_bad_row_names_its_row_and_column_and_nothing_is_written(cast):
    contact_list = ContactList.objects.create(jurisdiction=cast.community_a, name="楼长")
    upload = io.BytesIO("Full name,Mobile phone,Email\n张三,13900001111,\n李四,12ab,\n王五,,not-an-email\n".encode())
    upload.name = "contacts.csv"
    page = web_client(cast.officer_a, "en").post(f"/messaging/contacts/{contact_list.pk}/import/", {"file": upload},
                                                 follow=True).content.decode()
    assert "Row 3" in page and "Mobile phone" in page and "Row 4" in page
    assert not Contact.objects.exists()


def test_contact_lists_are_scoped(cast):
    people = key_people(cast)
    assert web_client(cast.officer_b).get(f"/messaging/contacts/{people.pk}/").status_code == 404
    assert web_client(cast.officer_c).get(f"/messaging/contacts/{people.pk}/export.xlsx").status_code == 404
    for path in ("add/", "delete/", "import/", f"contacts/{people.contacts.first().pk}/delete/"):
        assert web_client(cast.officer_c).post(f"/messaging/contacts/{people.pk}/{path}",
                                               {"name": "x", "phone": "13900000000"}).status_code == 404
    assert web_client(cast.responder_a).post(f"/messaging/contacts/{people.pk}/delete/").status_code == 403
    assert people.contacts.count() == 3 and ContactList.objects.filter(pk=people.pk).exists()
    assert "重点人员3" not in web_client(cast.officer_c).get("/messaging/contacts/").content.decode()
    # Creating one in another community is refused.
    web_client(cast.officer_a).post("/messaging/contacts/new/", {"name": "B的名单", "jurisdiction": cast.community_b.pk})
    assert not ContactList.objects.filter(name="B的名单").exists()
