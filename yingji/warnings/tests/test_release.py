"""One-click release through messaging: every targeted person on their channels and the robots,
a recipient row per person by street and community, acknowledgement from the phone and the
inbox (messaging's signal), reminders on a clock to those who have not acknowledged."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.core.jobs import JOBS, discover
from yingji.core.testing import make_user, web_client
from yingji.messaging import delivery
from yingji.messaging import services as messaging
from yingji.messaging.models import Contact, ContactList, Delivery, Message, RobotTarget
from yingji.resources.models import Member, Team, TeamKind
from yingji.warnings import release, services
from yingji.warnings.models import WarningRecipient
from yingji.warnings.tests.builders import draft

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(datetime.datetime(2026, 6, 1, 8, 0, 0))


def station_team(cast, phones=("13900009999",)):  # type: ignore[no-untyped-def]
    team = Team.objects.create(jurisdiction=cast.community_a, code="T-A1", name="南园街道应急服务站队伍",
                               kind=TeamKind.STATION_TEAM)
    return [Member.objects.create(team=team, name=f"队员{i}", phone=p) for i, p in enumerate(phones)]


def key_group(cast, where=None):  # type: ignore[no-untyped-def]
    contacts = ContactList.objects.create(jurisdiction=where or cast.community_a, name="南园小学")
    Contact.objects.create(contact_list=contacts, name="王校长", phone="13700000001")
    Contact.objects.create(contact_list=contacts, name="重复号码", phone="13900009999")  # a team member's number
    return contacts


def released(cast, **fields):  # type: ignore[no-untyped-def]
    warning = draft(cast, now=T0, **fields)
    return services.release(warning, actor=cast.commander, now=T0)


def test_release_reaches_every_targeted_person_on_their_channels_and_the_robots(cast, receiver):
    station_team(cast)
    contacts = key_group(cast)
    RobotTarget.objects.create(jurisdiction=cast.street_1, name="街道值班群", url=receiver.url + "/robot",
                               format="generic", topics=["warnings"])
    RobotTarget.objects.create(jurisdiction=cast.street_2, name="另一街道", url=receiver.url + "/other",
                               format="generic", topics=["warnings"])
    warning = released(cast, target_groups=["grid_workers", "station_teams"], contact_lists=[contacts.pk],
                       channels=["in_app", "sms"], jurisdiction=cast.street_1, actor=cast.street_officer)
    message = Message.objects.get()
    assert warning.message == message and message.subject == warning and message.ask_ack
    rows = {r.key: r for r in WarningRecipient.objects.filter(warning=warning)}
    assert set(rows) == {f"u:{cast.grid_worker_a.pk}", "a:13900009999",
                         f"c:{Contact.objects.get(name='王校长').pk}"}  # the duplicate number once
    grid = rows[f"u:{cast.grid_worker_a.pk}"]
    assert (grid.group, grid.street_id, grid.community_id) == ("grid_workers", cast.street_1.pk, cast.community_a.pk)
    assert rows["a:13900009999"].member_id is not None and rows["a:13900009999"].community_id == cast.community_a.pk

    delivery.drain(now=T0)
    sms = sorted(r.json["phone"] for r in receiver.received if r.path == "/sms")
    assert sms == ["13700000001", "13812345678", "13900009999"]
    robot_posts = [r for r in receiver.received if r.path == "/robot"]
    assert len(robot_posts) == 1 and robot_posts[0].json["title"] == warning.headline
    assert not [r for r in receiver.received if r.path == "/other"]  # a robot of another street hears nothing
    inbox = Delivery.objects.get(message=message, user=cast.grid_worker_a, channel="in_app")
    assert inbox.message.payload["url"] == f"/warnings/{warning.pk}/phone/"
    assert set(Delivery.objects.filter(message=message).values_list("status", flat=True)) == {"sent"}


def test_release_by_phone_notification_and_email_reaches_the_local_push_service_and_smtp_server(
        cast, push_service, smtp):
    import json

    from yingji.messaging.models import PushSubscription

    endpoint, browser = push_service.new_browser("grid-worker-phone")
    PushSubscription.objects.create(user=cast.grid_worker_a, endpoint=endpoint, p256dh=browser.p256dh,
                                    auth=browser.auth)
    cast.grid_worker_a.email = "gw@example.org"
    cast.grid_worker_a.save()
    warning = released(cast, channels=["push", "email"])
    delivery.drain(now=T0)
    [post] = push_service.state.received
    data = json.loads(post.plaintext)  # decrypted by the push service with the phone's key
    assert data["title"] == warning.headline and data["ask_ack"] is True
    [(_sender, to, mail)] = smtp.messages
    assert to == ["gw@example.org"] and str(mail["Subject"]).strip() == warning.headline
    assert "远离低洼地带" in mail.get_body().get_content()
    assert set(Delivery.objects.filter(message=warning.message).values_list("channel", "status")) == {
        ("push", "sent"), ("email", "sent")}


def test_a_grid_worker_reads_and_acknowledges_on_the_phone_and_the_centre_sees_it(
        cast, django_capture_on_commit_callbacks):
    warning = released(cast, channels=["in_app"])
    worker = web_client(cast.grid_worker_a)
    page = worker.get(f"/warnings/{warning.pk}/phone/")
    assert page.status_code == 200 and 'data-testid="acknowledge"' in page.text and "已收到" in page.text
    row = Delivery.objects.get(user=cast.grid_worker_a)
    assert row.read_at is not None and row.acknowledged_at is None
    with django_capture_on_commit_callbacks(execute=True):  # messaging's signal leaves after the commit
        assert worker.post(f"/warnings/{warning.pk}/acknowledge/").status_code == 302
    recipient = WarningRecipient.objects.get(warning=warning)
    assert recipient.acknowledged_at is not None
    row.refresh_from_db()
    assert row.acknowledged_at == recipient.acknowledged_at
    again = worker.get(f"/warnings/{warning.pk}/phone/")
    assert 'data-testid="acknowledged"' in again.text and 'data-testid="acknowledge"' not in again.text
    # Someone it was not sent to cannot acknowledge it; a public visitor is asked to log in.
    assert web_client(cast.officer_a).post(f"/warnings/{warning.pk}/acknowledge/").status_code == 404
    from django.test import Client

    assert Client().post(f"/warnings/{warning.pk}/acknowledge/").status_code == 302


def test_acknowledging_in_the_inbox_counts_too(cast, django_capture_on_commit_callbacks):
    warning = released(cast, channels=["in_app"])
    row = Delivery.objects.get(user=cast.grid_worker_a)
    with django_capture_on_commit_callbacks(execute=True):
        messaging.acknowledge(row, cast.grid_worker_a, now=T0 + datetime.timedelta(minutes=3))
    assert WarningRecipient.objects.get(warning=warning).acknowledged_at == T0 + datetime.timedelta(minutes=3)


def test_reminders_go_to_those_who_have_not_acknowledged_after_the_set_time_at_most_twice(
        cast, django_capture_on_commit_callbacks):
    second = make_user("grid_worker_a2", "grid_worker", cast.grid_a1, phone="13800003333")
    warning = released(cast, channels=["in_app"], remind_after_minutes=30)
    discover()
    remind = JOBS["warnings.remind"].func
    assert remind(T0 + datetime.timedelta(minutes=29)) == {"warnings": 0, "people": 0}
    with django_capture_on_commit_callbacks(execute=True):
        messaging.acknowledge(Delivery.objects.get(user=cast.grid_worker_a), cast.grid_worker_a, now=T0)
    assert remind(T0 + datetime.timedelta(minutes=31)) == {"warnings": 1, "people": 1}
    reminder = Message.objects.get(event="warning.reminder")
    assert list(reminder.deliveries.values_list("user_id", flat=True)) == [second.pk]
    assert reminder.subject == warning and "请确认" in reminder.title
    assert remind(T0 + datetime.timedelta(minutes=45)) == {"warnings": 0, "people": 0}  # not before another 30
    assert remind(T0 + datetime.timedelta(minutes=62)) == {"warnings": 1, "people": 1}
    assert remind(T0 + datetime.timedelta(minutes=95)) == {"warnings": 0, "people": 0}  # twice at most
    # Acknowledging the reminder marks the person too.
    with django_capture_on_commit_callbacks(execute=True):
        messaging.acknowledge(reminder, second, now=T0 + datetime.timedelta(minutes=96))
    assert not WarningRecipient.objects.filter(warning=warning, acknowledged_at=None).exists()


def test_a_cancellation_goes_to_the_same_people_without_asking_for_acknowledgement(cast):
    warning = released(cast, channels=["in_app"])
    cancel = services.compose_cancel(warning, actor=cast.commander, note="解除")
    cancel = services.release(cancel, actor=cast.commander, now=T0 + datetime.timedelta(hours=1))
    lifted = Message.objects.get(event="warning.lifted")
    assert lifted.subject == cancel and not lifted.ask_ack
    assert list(lifted.deliveries.values_list("user_id", flat=True)) == [cast.grid_worker_a.pk]
    assert "解除" in lifted.title


def test_key_groups_must_be_visible_to_the_composer(cast):
    from django.core.exceptions import ValidationError

    theirs = key_group(cast, where=cast.community_b)
    with pytest.raises(ValidationError) as refused:
        draft(cast, now=T0, jurisdiction=cast.community_a, actor=cast.officer_a, contact_lists=[theirs.pk],
              areas=[services.AreaInput(kind="jurisdiction", jurisdiction=cast.grid_a1.code)])
    assert "contact_lists" in refused.value.message_dict
    assert release.persons(draft(cast, now=T0, contact_lists=[theirs.pk]))[-1].name == "重复号码"


def test_the_preview_counts_phones_that_take_notifications_and_the_robots_that_will_hear_it(cast):
    from yingji.core.testing import api_client
    from yingji.messaging.models import PushSubscription

    warning = draft(cast, now=T0, channels=["push", "sms"])
    client = api_client(cast.commander)
    before = client.get(f"/api/v1/warnings/{warning.pk}/preview").json()
    assert (before["by_channel"], before["robots"]) == ({"push": 0, "sms": 1}, 0)
    PushSubscription.objects.create(user=cast.grid_worker_a, endpoint="https://push.example.org/x", p256dh="k",
                                    auth="a")
    RobotTarget.objects.create(jurisdiction=cast.district, name="区值班群", url="https://robot.example.org/h",
                               format="generic", topics=["warnings"])
    after = client.get(f"/api/v1/warnings/{warning.pk}/preview").json()
    assert (after["by_channel"], after["robots"]) == ({"push": 1, "sms": 1}, 1)
    page = web_client(cast.commander).get(f"/warnings/{warning.pk}/").text
    assert 'data-testid="preview-robots">1<' in page
