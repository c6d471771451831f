"""The release progress: people sent / delivered / read / acknowledged by street and community
(messaging's deliveries joined to the recipients), who has not acknowledged, the page and the API
with their scope."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.core.testing import api_client, make_user, web_client
from yingji.messaging import delivery
from yingji.messaging import services as messaging
from yingji.messaging.models import Contact, ContactList, Delivery
from yingji.warnings import progress, services
from yingji.warnings.tests.builders import draft
from yingji.warnings.tests.test_release import station_team

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(datetime.datetime(2026, 6, 1, 8, 0, 0))


def spread(cast, channels=("in_app", "sms")):  # type: ignore[no-untyped-def]
    """A district warning to the grid workers of A (two), a station team member of A without an account,
    and a key group of community C (other street)."""
    make_user("grid_worker_a2", "grid_worker", cast.grid_a1, phone="13800003333")
    station_team(cast, phones=("13900009999",))
    contacts = ContactList.objects.create(jurisdiction=cast.community_c, name="园岭工地")
    Contact.objects.create(contact_list=contacts, name="项目经理", phone="13700000002")
    warning = draft(cast, now=T0, target_groups=["grid_workers", "station_teams"], contact_lists=[contacts.pk],
                    channels=list(channels))
    return services.release(warning, actor=cast.commander, now=T0)


def figures(warning):  # type: ignore[no-untyped-def]
    p = progress.of(warning)
    return ({n: getattr(p.total, n) for n in ("people", "can_ack", "sent", "delivered", "read", "acknowledged",
                                               "undelivered")},
            {s.name: (s.people, s.sent, s.read, s.acknowledged, [(c.name, c.people) for c in s.communities])
             for s in p.streets})


def test_counts_follow_the_deliveries_person_by_person(cast, receiver, django_capture_on_commit_callbacks):
    warning = spread(cast)
    total, streets = figures(warning)
    assert total == {"people": 4, "can_ack": 2, "sent": 0, "delivered": 0, "read": 0, "acknowledged": 0,
                     "undelivered": 0}
    delivery.drain(now=T0)
    total, streets = figures(warning)
    # In-app and SMS for each worker, SMS for the member and the contact: four people sent, not six.
    assert total["sent"] == 4 and total["read"] == 0
    assert streets == {"南园街道": (3, 3, 0, 0, [("A社区", 3)]), "园岭街道": (1, 1, 0, 0, [("C社区", 1)])}
    worker = cast.grid_worker_a
    with django_capture_on_commit_callbacks(execute=True):  # the state is kept after the commit
        messaging.mark_read(Delivery.objects.filter(user=worker, channel="in_app").get(), worker)
    with django_capture_on_commit_callbacks(execute=True):
        services.acknowledge(warning, worker)
    total, streets = figures(warning)
    assert (total["read"], total["acknowledged"], total["delivered"]) == (1, 1, 1)
    assert streets["南园街道"][2:4] == (1, 1)
    waiting = list(progress.not_acknowledged(warning).values_list("name", flat=True))
    assert waiting == ["grid_worker_a2"]  # SMS-only people cannot acknowledge and are not listed


def test_an_sms_that_could_not_be_sent_counts_as_not_delivered(cast, settings):
    settings.YINGJI_SMS_GATEWAY_URL = ""
    warning = spread(cast, channels=("sms",))
    delivery.drain(now=T0)
    total, _streets = figures(warning)
    # No gateway: every number is given up, nobody counts as sent.
    assert total["undelivered"] == 4 and total["sent"] == 0


def test_the_progress_page_and_api_in_scope_with_masked_phones(cast, django_assert_max_num_queries):
    warning = spread(cast, channels=("in_app",))
    page = web_client(cast.commander).get(f"/warnings/{warning.pk}/progress/")
    assert page.status_code == 200
    assert 'data-testid="count-people">4<' in page.text and "南园街道" in page.text and "C社区" in page.text
    assert "13800003333" in page.text  # the commander sees personal data
    masked = web_client(cast.auditor).get(f"/warnings/{warning.pk}/progress/")
    assert masked.status_code == 200 and "13800003333" not in masked.text and "138****3333" in masked.text
    counts = web_client(cast.commander).get(f"/warnings/{warning.pk}/progress/?part=counts", HTTP_HX_REQUEST="true")
    assert counts.status_code == 200 and "<html" not in counts.text and "progress-counts" in counts.text
    assert 'data-testid="waiting"' not in counts.text  # the live re-read of the counts lists nobody
    waiting = web_client(cast.commander).get(f"/warnings/{warning.pk}/progress/?part=waiting",
                                             HTTP_HX_REQUEST="true")
    assert 'data-testid="waiting"' in waiting.text and "progress-counts" not in waiting.text
    assert waiting.text.count('data-testid="waiting-row"') == 2  # the two grid workers, who can acknowledge
    for outsider in (cast.officer_b, cast.grid_worker_a):  # the district's warning is not theirs to follow
        assert web_client(outsider).get(f"/warnings/{warning.pk}/progress/").status_code == 404
        assert api_client(outsider).get(f"/api/v1/warnings/{warning.pk}/progress").status_code == 404
    answer = api_client(cast.commander).get(f"/api/v1/warnings/{warning.pk}/progress").json()
    assert answer["total"]["people"] == 4 and answer["by_channel"]["in_app"]["queued"] == 2
    assert [s["name"] for s in answer["streets"]] == ["南园街道", "园岭街道"]
    client = web_client(cast.commander)
    with django_assert_max_num_queries(20):
        client.get(f"/warnings/{warning.pk}/progress/")
    for i in range(30):
        make_user(f"gw{i}", "grid_worker", cast.grid_a1, phone=f"1380000{i:04d}")
    more = services.release(draft(cast, now=T0, channels=["in_app"]), actor=cast.commander, now=T0)
    with django_assert_max_num_queries(20):  # the same number of queries with 30 more people
        client.get(f"/warnings/{more.pk}/progress/")


def test_the_api_lists_who_has_not_acknowledged_and_takes_an_acknowledgement(cast,
                                                                            django_capture_on_commit_callbacks):
    warning = spread(cast, channels=("in_app",))
    waiting = api_client(cast.auditor).get(f"/api/v1/warnings/{warning.pk}/waiting").json()
    assert waiting["count"] == 2 and {w["name"] for w in waiting["items"]} == {"grid_worker_a", "grid_worker_a2"}
    assert "138****3333" in {w["phone"] for w in waiting["items"]}  # the auditor sees no personal data
    assert waiting["items"][0]["street"] == "南园街道" and waiting["items"][0]["community"] == "A社区"
    assert api_client(cast.officer_b).get(f"/api/v1/warnings/{warning.pk}/waiting").status_code == 404
    # The grid worker cannot see the district's warning in the ledger, yet acknowledges what was sent to them.
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client(cast.grid_worker_a).post(f"/api/v1/warnings/{warning.pk}/acknowledge")
    assert answer.status_code == 200 and answer.json()["warning"] == warning.pk
    assert api_client(cast.commander).get(
        f"/api/v1/warnings/{warning.pk}/waiting").json()["items"][0]["name"] == "grid_worker_a2"
    assert api_client(cast.officer_b).post(f"/api/v1/warnings/{warning.pk}/acknowledge").status_code == 404
    assert api_client(cast.officer_b).post("/api/v1/warnings/999999/acknowledge").status_code == 404
