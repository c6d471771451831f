"""Polled CAP feeds: an Atom feed's entries (or one CAP message) imported as drafts through
core.outbound's guard, only new entries fetched, refusals kept on the feed in words; the pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.core import outbound
from yingji.core.jobs import JOBS, discover
from yingji.core.testing import web_client
from yingji.warnings import cap, feeds, services
from yingji.warnings.models import CapFeed, EarlyWarning, Origin, State
from yingji.warnings.tests.builders import draft

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(datetime.datetime(2026, 6, 1, 8, 0, 0))


def foreign_cap(cast, identifier: str) -> bytes:  # type: ignore[no-untyped-def]
    """A CAP message as the weather bureau would send it (built here, then forgotten)."""
    warning = draft(cast, now=timezone.now())
    alert = services.to_cap(warning)
    warning.delete()
    alert.identifier, alert.sender = identifier, "gd@weather.gov.cn"
    return cap.to_xml(alert)


def atom(links: list[str]) -> bytes:
    entries = "".join(f'<entry><id>urn:{n}</id><title>预警{n}</title><updated>2026-06-01T08:00:00+08:00</updated>'
                      f'<link rel="alternate" type="application/cap+xml" href="{href}"/></entry>'
                      for n, href in enumerate(links))
    return (f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feed</id>'
            f'<title>气象台</title><updated>2026-06-01T08:00:00+08:00</updated>{entries}</feed>').encode()


def test_the_job_imports_new_entries_as_drafts_and_fetches_each_once(cast, feed_server):
    feed_server.pages = {
        "/feed.atom": (200, "application/atom+xml", atom(["/cap/1.xml", "cap/2.xml", "/cap/bad.xml"])),
        "/cap/1.xml": (200, "application/cap+xml", foreign_cap(cast, "GD-1")),
        "/cap/2.xml": (200, "application/cap+xml", foreign_cap(cast, "GD-2")),
        "/cap/bad.xml": (200, "application/cap+xml", foreign_cap(cast, "GD-3").replace(b"<status>", b"<statuz>")
                         .replace(b"</status>", b"</statuz>")),
    }
    feed = CapFeed.objects.create(jurisdiction=cast.district, name="深圳市气象台", url=feed_server.url + "/feed.atom",
                                  every_minutes=5)
    discover()
    job = JOBS["warnings.poll_feeds"].func
    assert job(T0) == {"feeds": 1, "imported": 2, "failed": 1}
    drafts = EarlyWarning.objects.filter(feed=feed).order_by("identifier")
    assert [(w.identifier, w.state, w.origin) for w in drafts] == [("GD-1", State.DRAFT, Origin.FEED),
                                                                  ("GD-2", State.DRAFT, Origin.FEED)]
    feed.refresh_from_db()
    assert feed.imported == 2 and feed.last_polled_at == T0
    assert "bad.xml" in feed.last_error and "CAP" in feed.last_error  # the schema's reason, kept
    fetched = sorted(feed_server.gets)
    assert job(T0 + datetime.timedelta(minutes=3)) == {"feeds": 0, "imported": 0, "failed": 0}  # not due
    assert job(T0 + datetime.timedelta(minutes=5)) == {"feeds": 1, "imported": 0, "failed": 0}
    assert sorted(feed_server.gets) == sorted([*fetched, "/feed.atom"])  # no entry fetched twice
    feed.refresh_from_db()
    assert feed.last_error == ""


def test_a_feed_url_answering_one_cap_message_is_imported_once(cast, feed_server):
    feed_server.pages = {"/latest.xml": (200, "application/cap+xml", foreign_cap(cast, "GD-9"))}
    feed = CapFeed.objects.create(jurisdiction=cast.street_1, name="市局", url=feed_server.url + "/latest.xml")
    assert feeds.poll(feed, T0).imported == 1
    assert feeds.poll(feed, T0).known == 1  # de-duplicated by identifier
    assert EarlyWarning.objects.get().jurisdiction == cast.street_1


def test_refusals_are_kept_in_words_and_import_nothing(cast, feed_server, settings):
    feed_server.pages = {"/gone": (500, "text/plain", b"boom"), "/html": (200, "text/html", b"<html><p>hi</p></html>")}
    feed = CapFeed.objects.create(jurisdiction=cast.district, name="x", url=feed_server.url + "/gone")
    assert feeds.poll(feed, T0).errors == ["订阅源返回 HTTP 500。"]
    feed.url = feed_server.url + "/html"
    assert "html" in feeds.poll(feed, T0).errors[0]
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []  # the server's address is local again
    feed.url = feed_server.url + "/feed.atom"
    polled = feeds.poll(feed, T0)
    assert polled.errors == ["该地址位于本地或内网，运维人员未允许访问。"] and "/feed.atom" not in feed_server.gets
    assert not EarlyWarning.objects.exists()


def test_outbound_get_refuses_what_is_too_long_and_follows_no_redirect(feed_server):
    feed_server.pages = {"/big": (200, "text/plain", b"x" * 2048), "/moved": (302, "text/plain", b"")}
    assert outbound.get(feed_server.url + "/big", max_bytes=4096).body == b"x" * 2048
    with pytest.raises(outbound.OutboundError) as refused:
        outbound.get(feed_server.url + "/big", max_bytes=1024)
    assert refused.value.code == "too_large"
    with pytest.raises(outbound.OutboundError) as moved:
        outbound.get(feed_server.url + "/moved")
    assert moved.value.code == "http:302"


def test_the_feed_pages_add_check_the_address_and_keep_to_scope(cast, feed_server, settings):
    feed_server.pages = {"/latest.xml": (200, "application/cap+xml", foreign_cap(cast, "GD-7"))}
    commander = web_client(cast.commander)
    form = {"name": "气象台", "url": feed_server.url + "/latest.xml", "jurisdiction": cast.district.code,
            "every_minutes": "5", "is_active": "on"}
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = []
    refused = commander.post("/warnings/feeds/", form)
    assert refused.status_code == 422 and "内网" in refused.text and not CapFeed.objects.exists()
    settings.YINGJI_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert commander.post("/warnings/feeds/", {**form, "every_minutes": "0"}).status_code == 422
    assert commander.post("/warnings/feeds/", form).status_code == 302
    feed = CapFeed.objects.get()
    assert commander.post(f"/warnings/feeds/{feed.pk}/poll/").status_code == 302
    assert EarlyWarning.objects.get().identifier == "GD-7"
    for outsider in (cast.officer_b, cast.street_officer):  # the district's feed is not theirs
        client = web_client(outsider)
        assert client.get(f"/warnings/feeds/{feed.pk}/").status_code == 404
        assert client.post(f"/warnings/feeds/{feed.pk}/poll/").status_code == 404
        assert client.post(f"/warnings/feeds/{feed.pk}/delete/").status_code == 404
    assert web_client(cast.auditor).post(f"/warnings/feeds/{feed.pk}/delete/").status_code == 403
    assert commander.post(f"/warnings/feeds/{feed.pk}/delete/").status_code == 302
    assert not CapFeed.objects.exists() and EarlyWarning.objects.get().feed is None
