"""What anyone may read without logging in: the warnings in force, as a page, an Atom feed of CAP
messages (the OASIS CAP feed convention), an RSS feed, each message's CAP XML; the hazard icons;
and a warning's phone page (colour, what to do, nearest shelters on foot).

Only public (`scope` Public) released warnings are shown to people without
an account; the phone page of any other warning needs a login that may see it.
Public pages are cached for a short while: a warning in force is read by
thousands of phones at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages as django_messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET, require_POST

from yingji.core import ratelimit
from yingji.core.http import client_ip
from yingji.core.scope import can
from yingji.messaging import services as messaging
from yingji.messaging.models import Delivery, Message
from yingji.warnings import cap, release, services, shelters
from yingji.warnings.catalogue import HAZARDS, LEVEL_COLOUR, LEVEL_RANK, LEVEL_WORD, Hazard, Level
from yingji.warnings.models import CapScope, EarlyWarning, State

PUBLIC_CACHE_S = 30


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (429) an address without login past YINGJI_WARNING_PUBLIC_RATE_PER_MINUTE requests a minute
    (core.ratelimit, shared by every process through the cache). Outside the page cache, so cached
    answers count too: the limit protects the server's bandwidth in a storm, not only its database."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            limit = int(settings.YINGJI_WARNING_PUBLIC_RATE_PER_MINUTE)
            if not ratelimit.allow(f"public:warnings:{client_ip(request) or 'unknown'}", limit):
                response = HttpResponse(_("Too many requests from this address; try again in a minute."),
                                        status=429, content_type="text/plain; charset=utf-8")
                response["Retry-After"] = "60"
                return response
        return view(request, *args, **kwargs)

    return wrapped
SHOWN_STATES = (State.RELEASED, State.SUPERSEDED, State.CANCELLED, State.EXPIRED)


def _active() -> list[EarlyWarning]:
    rows = list(services.active().select_related("jurisdiction").prefetch_related("infos"))
    rows.sort(key=lambda w: (-LEVEL_RANK.get(w.level, 0), -(w.sent or timezone.now()).timestamp()))
    return rows


@rate_limited
@require_GET
@cache_page(PUBLIC_CACHE_S)
def public_list(request: HttpRequest) -> HttpResponse:
    return render(request, "warnings/public.html", {"warnings": _active(), "now": timezone.now()})


@rate_limited
@require_GET
@cache_page(PUBLIC_CACHE_S)
def atom_feed(request: HttpRequest) -> HttpResponse:
    """Atom feed of the public warnings in force; each entry links to its CAP message (application/cap+xml)."""
    rows = _active()
    updated = max((w.updated_at for w in rows), default=timezone.now())
    return render(request, "warnings/feed.atom", {
        "warnings": rows, "updated": cap.cap_time(updated), "self": request.build_absolute_uri(),
        "site": request.build_absolute_uri(reverse("warnings:public"))},
        content_type="application/atom+xml; charset=utf-8")


@rate_limited
@require_GET
@cache_page(PUBLIC_CACHE_S)
def rss_feed(request: HttpRequest) -> HttpResponse:
    rows = _active()
    return render(request, "warnings/feed.rss", {
        "warnings": rows, "self": request.build_absolute_uri(),
        "site": request.build_absolute_uri(reverse("warnings:public"))},
        content_type="application/rss+xml; charset=utf-8")


@rate_limited
@require_GET
def public_cap(request: HttpRequest, identifier: str) -> HttpResponse:
    """The CAP XML of a public warning as released (also after it ended: receivers follow references)."""
    warning = get_object_or_404(EarlyWarning, identifier=identifier, scope=CapScope.PUBLIC, state__in=SHOWN_STATES)
    return HttpResponse(warning.cap_xml.encode(), content_type=cap.CONTENT_TYPE)


@rate_limited
@require_GET
def icon(request: HttpRequest, hazard: str, level: str) -> HttpResponse:
    """The icon of a hazard type at a level: the level's colour, the hazard's pictogram and name."""
    if hazard not in Hazard.values or level not in Level.values:
        raise Http404
    response = render(request, "warnings/icon.svg", {
        "hazard": hazard, "label": HAZARDS[hazard].event_zh, "level_word": LEVEL_WORD[Level(level)],
        "colour": LEVEL_COLOUR[Level(level)], "ink": "#222222" if level == Level.YELLOW else "#ffffff"},
        content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def readable(request: HttpRequest, pk: int) -> EarlyWarning:
    """A warning whose phone page this visitor may open: public and released (anyone), else in scope."""
    warning = get_object_or_404(EarlyWarning.objects.select_related("jurisdiction"), pk=pk)
    if warning.scope == CapScope.PUBLIC and warning.state in SHOWN_STATES:
        return warning
    if request.user.is_authenticated and can(request.user, "view", warning):
        return warning
    raise Http404


def _position(request: HttpRequest, warning: EarlyWarning) -> tuple[float, float, bool] | None:
    """Where to look for shelters from: the phone's position when it sent one, else the warning's area."""
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            return lon, lat, True
    except (KeyError, ValueError):
        pass
    geometry = services.area_geometry(warning)
    if geometry is not None and not geometry.is_empty:
        point = geometry.representative_point()
        return float(point.x), float(point.y), False
    j = warning.jurisdiction
    if j.centroid_lon is not None and j.centroid_lat is not None:
        return j.centroid_lon, j.centroid_lat, False
    return None


@rate_limited
@require_GET
def phone_view(request: HttpRequest, pk: int) -> HttpResponse:
    """What a resident or grid worker sees on a phone: colour, what is happening, what to do,
    the nearest shelters on foot."""
    warning = readable(request, pk)
    if request.htmx or "lon" in request.GET:
        return shelters_partial(request, warning)
    info = warning.infos.order_by("position").first()
    context: dict[str, Any] = {"warning": warning, "info": info, "advice": HAZARDS[warning.hazard].advice,
                               "in_force": warning.state == State.RELEASED, "shelters": None,
                               **receipt(request, warning)}
    return render(request, "warnings/phone.html", context)


def receipt(request: HttpRequest, warning: EarlyWarning) -> dict[str, Any]:
    """For a recipient: the page counts as reading the warning, and whether they acknowledged it yet."""
    if not request.user.is_authenticated:
        return {"recipient": False}
    mine = Delivery.objects.filter(message_id__in=release.warning_messages(warning.pk), user=request.user)
    messages = sorted(set(mine.values_list("message_id", flat=True)))
    if not messages:
        return {"recipient": False}
    # Opening it again writes nothing (a warning's page is reloaded often, while thousands read).
    for message in Message.objects.filter(pk__in=mine.filter(read_at=None).values("message_id")):
        messaging.mark_read(message, request.user)
    asks = mine.filter(message__ask_ack=True)
    acked = asks.exclude(acknowledged_at=None).order_by("acknowledged_at").values_list("acknowledged_at",
                                                                                        flat=True).first()
    return {"recipient": asks.exists(), "acknowledged_at": acked}


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """"已收到": the recipient confirms the warning from the phone page (every message of it they got)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    warning = readable(request, pk)
    services.acknowledge(warning, request.user)
    django_messages.success(request, _("Thank you, the centre sees that you received it."))
    return redirect("warnings:phone", pk=warning.pk)


def shelters_partial(request: HttpRequest, warning: EarlyWarning) -> HttpResponse:
    where = _position(request, warning)
    found = shelters.nearest(warning, where[0], where[1]) if where is not None else []
    return render(request, "warnings/phone.html#shelters", {
        "shelters": found, "from_phone": bool(where and where[2]), "warning": warning})

