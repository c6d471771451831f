"""Polling the CAP feeds the operator configured (the meteorological bureau's, a neighbour's).

A feed URL answers either one CAP message, or an Atom or RSS feed whose
entries link to CAP messages (the OASIS CAP feed convention: an Atom link or
an RSS enclosure of type application/cap+xml; else the entry's link). Each new
message is imported as a draft of the feed's jurisdiction (services.import_cap:
validated against the schema, de-duplicated by sender and identifier) for the
centre to review and release. Every request goes through core.outbound: only
public addresses unless the operator allowed the network, no redirects, at
most cap.MAX_BYTES. What went wrong is kept on the feed as a sentence for the
operator, never the network's own text.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from django.db.models import F, Q
from django.utils.translation import gettext as _
from lxml import etree

from yingji.core import outbound
from yingji.warnings import cap, services
from yingji.warnings.models import CapFeed, Origin

log = logging.getLogger(__name__)
ATOM = "http://www.w3.org/2005/Atom"
CAP_TYPES = ("application/cap+xml", "application/common-alerting-protocol+xml")
ACCEPT = "application/cap+xml, application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.1"
# Entries fetched per poll (a feed may list its last hundred messages; new ones come first).
MAX_ENTRIES = 20
# Links remembered per feed, so that a poll fetches only entries it has not seen.
SEEN_KEPT = 500


@dataclass
class Polled:
    imported: int = 0
    known: int = 0
    errors: list[str] = field(default_factory=list)


def describe(code: str) -> str:
    """A failed request as the operator reads it (outbound's codes; never the network's text)."""
    if code == "not_allowed":
        return _("The address is on a local or private network that the operator has not allowed.")
    if code == "bad_url":
        return _("The feed address is not an http(s) address.")
    if code == "too_large":
        return _("The feed answered more than %(size)d MB.") % {"size": cap.MAX_BYTES // (1024 * 1024)}
    if code.startswith("http:"):
        return _("The feed answered HTTP %(status)s.") % {"status": code.split(":", 1)[1]}
    if code == "timeout":
        return _("The feed did not answer in time.")
    return _("The feed could not be reached.")


def _fetch(url: str) -> bytes:
    return outbound.get(url, headers={"Accept": ACCEPT}, max_bytes=cap.MAX_BYTES).body


def entry_links(root: Any, base: str) -> list[str]:
    """The CAP links of an Atom or RSS feed's entries, in the feed's order."""
    links: list[str] = []
    if root.tag == f"{{{ATOM}}}feed":
        for entry in root.findall(f"{{{ATOM}}}entry"):
            found = entry.findall(f"{{{ATOM}}}link")
            typed = [e.get("href") for e in found if (e.get("type") or "").split(";")[0].strip() in CAP_TYPES]
            other = [e.get("href") for e in found if e.get("rel", "alternate") == "alternate"]
            href = next((h for h in typed + other if h), None)
            if href:
                links.append(urljoin(base, href.strip()))
    elif root.tag == "rss":
        for item in root.iter("item"):
            enclosure = [e.get("url") for e in item.findall("enclosure")
                         if (e.get("type") or "").split(";")[0].strip() in CAP_TYPES]
            link = item.findtext("link")
            href = next((h for h in [*enclosure, link] if h and h.strip()), None)
            if href:
                links.append(urljoin(base, href.strip()))
    return list(dict.fromkeys(links))


def poll(feed: CapFeed, now: datetime.datetime) -> Polled:
    """Read the feed once and import what is new; the outcome is written on the feed."""
    result = Polled()
    seen = list(feed.seen or [])
    try:
        data = _fetch(feed.url)
        root = cap.parse_document(data)
        if root.tag == f"{{{cap.NS}}}alert":
            outcome = services.import_cap(data, jurisdiction=feed.jurisdiction, origin=Origin.FEED, feed=feed)
            result.imported += outcome.created
            result.known += not outcome.created
        elif root.tag in (f"{{{ATOM}}}feed", "rss"):
            fresh = [link for link in entry_links(root, feed.url) if link not in seen][:MAX_ENTRIES]
            for link in fresh:
                try:
                    outcome = services.import_cap(_fetch(link), jurisdiction=feed.jurisdiction, origin=Origin.FEED,
                                                  feed=feed)
                except outbound.OutboundError as exc:
                    result.errors.append(f"{link}: {describe(exc.code)}")
                    continue  # tried again at the next poll
                except cap.CapError as exc:
                    result.errors.append(f"{link}: {exc}")
                else:
                    result.imported += outcome.created
                    result.known += not outcome.created
                seen.append(link)  # a message refused by the schema is not fetched again
        else:
            result.errors.append(_("Neither a CAP message nor an Atom or RSS feed (the root element is %(tag)s).")
                                 % {"tag": etree.QName(root).localname})
    except outbound.OutboundError as exc:
        result.errors.append(describe(exc.code))
    except cap.CapError as exc:
        result.errors.append(str(exc))
    CapFeed.objects.filter(pk=feed.pk).update(
        last_polled_at=now, last_error=" · ".join(result.errors)[:500], seen=seen[-SEEN_KEPT:],
        imported=F("imported") + result.imported)
    return result


def poll_due(now: datetime.datetime) -> dict[str, int]:
    """Poll every active feed whose interval has passed (the job warnings.poll_feeds)."""
    done = {"feeds": 0, "imported": 0, "failed": 0}
    for feed in CapFeed.objects.filter(is_active=True).filter(
            Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now - datetime.timedelta(minutes=1)))\
            .select_related("jurisdiction").order_by("pk"):
        if feed.last_polled_at is not None and feed.last_polled_at + datetime.timedelta(
                minutes=feed.every_minutes) > now:
            continue
        try:
            outcome = poll(feed, now)
        except Exception:  # one broken feed must not stop the others; it is tried again next time
            log.exception("warnings: polling feed %s failed", feed.pk)
            CapFeed.objects.filter(pk=feed.pk).update(last_polled_at=now, last_error=_("Polling failed."))
            done["failed"] += 1
            continue
        done["feeds"] += 1
        done["imported"] += outcome.imported
        done["failed"] += bool(outcome.errors)
    return done


# ------------------------------------------------------------------ the operator's feeds
FEED_FIELDS = ("jurisdiction", "name", "url", "every_minutes", "is_active")


def save_feed(feed: CapFeed | None, *, actor: Any, **fields: Any) -> CapFeed:
    """Add a feed (feed None) or change one; the URL must be one core.outbound would fetch."""
    from django.core.exceptions import ValidationError

    from yingji.core.scope import ensure, ensure_in
    from yingji.jurisdictions.models import Jurisdiction

    errors: dict[str, str] = {}
    jurisdiction = fields.get("jurisdiction")
    if not isinstance(jurisdiction, Jurisdiction):
        raise ValidationError({"jurisdiction": _("This field is required.")})
    if feed is None:
        ensure_in(actor, "warnings.add_capfeed", jurisdiction.path)
    else:
        ensure(actor, "change", feed)
        ensure_in(actor, "warnings.change_capfeed", jurisdiction.path)
    name = (fields.get("name") or "").strip()
    url = (fields.get("url") or "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    problem = outbound.url_problem(url) if url else _("This field is required.")
    if problem:
        errors["url"] = problem
    every = fields.get("every_minutes")
    if not isinstance(every, int) or not 1 <= every <= 24 * 60:
        errors["every_minutes"] = _("Between 1 minute and 24 hours.")
    if errors:
        raise ValidationError(errors)
    feed = feed or CapFeed()
    if feed.url != url[:500]:
        feed.seen = []
    feed.jurisdiction, feed.name, feed.url, feed.every_minutes = jurisdiction, name[:100], url[:500], every
    feed.is_active = bool(fields.get("is_active", True))
    feed.save()
    return feed


def delete_feed(feed: CapFeed, *, actor: Any) -> None:
    """Stop polling a feed for good; the warnings it brought stay (they forget the feed)."""
    from yingji.core.scope import ensure

    ensure(actor, "delete", feed)
    feed.delete()
