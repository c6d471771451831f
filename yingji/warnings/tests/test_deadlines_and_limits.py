"""A warning left waiting for approval is escalated to the approvers once (the workflow's Deadline);
the public pages refuse an address that asks too often."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from yingji.messaging.models import Message
from yingji.warnings import services
from yingji.warnings.tests.builders import draft
from yingji.warnings.workflows import WARNING
from yingji.workflows.machine import escalate_overdue

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(datetime.datetime(2026, 6, 1, 8, 0, 0))


def test_a_warning_waiting_for_approval_too_long_is_escalated_to_the_approvers_once(cast, settings):
    settings.YINGJI_WARNING_APPROVAL_DEADLINE_MINUTES = 10
    warning = draft(cast, level="red", jurisdiction=cast.community_a, actor=cast.officer_a, now=T0,
                    areas=[services.AreaInput(kind="jurisdiction", jurisdiction=cast.grid_a1.code)])
    services.submit(warning, actor=cast.officer_a, now=T0)
    assert escalate_overdue(T0 + datetime.timedelta(minutes=9), [WARNING]) == 0
    assert escalate_overdue(T0 + datetime.timedelta(minutes=11), [WARNING]) == 1
    told = Message.objects.get(event="warning.approval_overdue")
    assert told.subject == warning and "10" in told.title and "待审批" in told.title
    # The street and the district approve; the composer and community A's staff do not.
    assert set(told.deliveries.filter(channel="in_app").values_list("user_id", flat=True)) == {
        cast.street_officer.pk, cast.commander.pk}
    assert [e.transition for e in WARNING.history(warning)][-1] == "overdue"
    assert escalate_overdue(T0 + datetime.timedelta(minutes=30), [WARNING]) == 0  # once


def test_an_approved_warning_is_not_escalated(cast, settings):
    warning = draft(cast, level="orange", jurisdiction=cast.street_1, actor=cast.street_officer, now=T0)
    services.submit(warning, actor=cast.street_officer, now=T0)
    services.approve(warning, actor=cast.commander, now=T0 + datetime.timedelta(minutes=2))
    assert escalate_overdue(T0 + datetime.timedelta(hours=1), [WARNING]) == 0
    assert not Message.objects.filter(event="warning.approval_overdue").exists()


def test_the_public_pages_refuse_an_address_past_its_rate_and_spare_logged_in_users(cast, settings):
    cache.clear()
    settings.YINGJI_WARNING_PUBLIC_RATE_PER_MINUTE = 3
    warning = services.release(draft(cast, now=timezone.now()), actor=cast.commander)
    anonymous = Client(REMOTE_ADDR="203.0.113.9")
    answers = [anonymous.get(url).status_code for url in ("/warnings/public/", "/warnings/public/feed.atom",
                                                          f"/warnings/{warning.pk}/phone/", "/warnings/public/")]
    assert answers == [200, 200, 200, 429]
    refused = anonymous.get("/warnings/public/feed.rss")
    assert refused.status_code == 429 and refused["Retry-After"] == "60" and "一分钟" in refused.text
    assert Client(REMOTE_ADDR="203.0.113.10").get("/warnings/public/").status_code == 200  # another address
    from yingji.core.testing import web_client

    worker = web_client(cast.grid_worker_a)
    assert [worker.get(f"/warnings/{warning.pk}/phone/").status_code for _ in range(5)] == [200] * 5
    cache.clear()
