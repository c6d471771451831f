"""Version history, review reminders on a clock, attachments through the storage API."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from yingji.core.jobs import discover
from yingji.core.testing import api_client, web_client
from yingji.messaging.models import Delivery, Message
from yingji.plans import attachments, reminders, services
from yingji.plans.models import PlanAttachment, PlanVersion, WhoKind
from yingji.plans.services import StepIn
from yingji.plans.tests.builders import fire_card, make_plan

pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=8))


def approved(cast, **fields):  # type: ignore[no-untyped-def]
    plan = make_plan(cast.officer_a, cast.community_a, **fields)
    services.submit(plan, actor=cast.officer_a)
    services.approve(plan, actor=cast.street_officer)
    plan.refresh_from_db()
    return plan


def test_each_approval_keeps_the_version_and_what_changed(cast):
    plan = approved(cast)
    first = PlanVersion.objects.get(plan=plan)
    assert (first.version, first.title, len(first.steps), first.approved_by) == (1, plan.title, 3,
                                                                                  cast.street_officer)
    revised = services.revise(plan, actor=cast.officer_a)
    services.update_plan(revised, actor=cast.officer_a, title="高层建筑火灾专项预案（修订）")
    card = fire_card()
    card[1] = StepIn(what="疏散楼内群众并清点人数", who_kind=WhoKind.TEAM_KIND, who="community_rescue",
                     time_limit_minutes=3)
    services.set_steps(revised, card[:2], actor=cast.officer_a)
    services.submit(revised, actor=cast.officer_a)
    services.approve(revised, actor=cast.street_officer)
    second = PlanVersion.objects.get(plan=plan, version=2)
    changed = {c["field"]: (c["before"], c["after"]) for c in second.changes}
    assert changed["title"] == ("高层建筑火灾专项预案", "高层建筑火灾专项预案（修订）")
    assert "疏散楼内群众并清点人数" in changed["step 2"][1] and changed["step 3"][1] is None
    assert set(changed) == {"title", "step 2", "step 3"}
    # v1 is kept as it was approved.
    assert PlanVersion.objects.get(plan=plan, version=1).steps[2]["what"] == "初期火灾扑救"
    versions = api_client(cast.officer_a).get(f"/api/v1/plans/plans/{plan.pk}/versions").json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["approved_by"] == str(cast.street_officer)
    assert api_client(cast.officer_c).get(f"/api/v1/plans/plans/{plan.pk}/versions").status_code == 404
    page = web_client(cast.officer_a).get(f"/plans/{plan.pk}/").content.decode()
    assert 'data-testid="version-2"' in page and "清点人数" in page
    # The history is drawn once, in the page's body; the page's <title> is the plan's title alone.
    assert page.count('data-testid="version-2"') == 1
    assert "<div" not in page.split("<title>", 1)[1].split("</title>", 1)[0]


def test_review_reminders_go_to_the_owners_before_and_after_the_date_once_each(cast):
    plan = approved(cast, review_due=datetime.date(2027, 3, 31))
    make_plan(cast.officer_b, cast.community_b, review_due=datetime.date(2027, 3, 31))  # a draft: not reminded

    def run(day: datetime.date) -> dict[str, int]:
        return reminders.remind_reviews(datetime.datetime.combine(day, datetime.time(9), TZ))

    assert run(datetime.date(2027, 2, 28)) == {"due": 0, "overdue": 0}  # 31 days ahead: not yet
    assert run(datetime.date(2027, 3, 1)) == {"due": 1, "overdue": 0}
    assert run(datetime.date(2027, 3, 2)) == {"due": 0, "overdue": 0}  # told already
    message = Message.objects.get(event=reminders.DUE)
    assert message.subject_id == plan.pk and "2027-03-31" in message.title and message.topic == "plans"
    people = set(Delivery.objects.filter(message=message).values_list("user_id", flat=True))
    assert people == {cast.officer_a.pk}  # the community's staff, not the street, not community B
    assert run(datetime.date(2027, 3, 31)) == {"due": 0, "overdue": 0}  # the day itself is not overdue
    assert run(datetime.date(2027, 4, 1)) == {"due": 0, "overdue": 1}
    assert run(datetime.date(2027, 4, 2)) == {"due": 0, "overdue": 0}
    assert "逾期" in Message.objects.get(event=reminders.OVERDUE).title
    # A new review date is a new reminder.
    plan.review_due = datetime.date(2028, 3, 31)
    plan.save(update_fields=["review_due"])
    assert run(datetime.date(2028, 3, 10)) == {"due": 1, "overdue": 0}
    assert "plans.review_reminders" in discover()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_attachments_are_checked_stored_and_served_in_scope(cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.YINGJI_PLAN_ATTACHMENT_MAX_BYTES = 1000
    plan = make_plan(cast.officer_a, cast.community_a)
    row = attachments.attach(plan, SimpleUploadedFile("预案全文.pdf", PDF), actor=cast.officer_a)
    assert (row.name, row.content_type, row.size_bytes) == ("预案全文.pdf", "application/pdf", len(PDF))
    assert row.file.storage.exists(row.file.name)
    for name, data, words in [("x.exe", b"MZ", "PDF"), ("fake.pdf", b"<script>", "PDF"),
                              ("big.pdf", b"%PDF-" + b"0" * 2000, "MB"), ("empty.pdf", b"", "")]:
        with pytest.raises(ValidationError) as refused:
            attachments.attach(plan, SimpleUploadedFile(name, data), actor=cast.officer_a)
        assert "file" in refused.value.message_dict and words in refused.value.message_dict["file"][0]
    with pytest.raises(Http404):
        attachments.attach(plan, SimpleUploadedFile("a.pdf", PDF), actor=cast.officer_c)
    with pytest.raises(PermissionDenied):
        attachments.attach(plan, SimpleUploadedFile("a.pdf", PDF), actor=cast.responder_a)
    assert PlanAttachment.objects.count() == 1
    web = web_client(cast.officer_a)
    download = web.get(f"/plans/attachments/{row.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert web_client(cast.officer_c).get(f"/plans/attachments/{row.pk}/").status_code == 404
    # The API: upload, refusal in the error shape naming the field, list, delete; another community 404.
    a = api_client(cast.officer_a)
    url = f"/api/v1/plans/plans/{plan.pk}/attachments"
    assert a.post(url, {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 201
    refused = a.post(url, {"file": SimpleUploadedFile("b.docx", b"not a zip")})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "file"
    listed = a.get(url).json()
    assert [f["name"] for f in listed] == ["预案全文.pdf", "b.pdf"]
    c = api_client(cast.officer_c)
    assert c.get(url).status_code == 404 and c.post(url, {"file": SimpleUploadedFile("c.pdf", PDF)}).status_code == 404
    assert a.delete(f"{url}/{listed[1]['id']}").status_code == 204
    assert PlanAttachment.objects.count() == 1
