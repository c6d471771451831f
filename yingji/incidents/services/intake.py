"""Intake (接警): an incident from any channel, its place, duplicates, notes and photos.

An intake is on the hot path of every external platform's push (hundreds a
second at peak), so it asks the database only what it must: the idempotency
key and the nearby open incidents (two small queries compiled once, see
core/prepared.py), then one transaction writing the incident, its audit
record and its timeline. The jurisdiction comes from the in-memory locator.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.prepared import Prepared, partial_instance
from yingji.core.scope import ensure, ensure_in, has_perm_somewhere
from yingji.incidents import catalogue, locate
from yingji.incidents.models import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    Incident,
    Outcome,
    Severity,
    Status,
)
from yingji.incidents.services import live
from yingji.incidents.services.timeline import event

# Likely duplicates: the same type, this close, this many minutes apart.
DUPLICATE_RADIUS_M = 300.0
DUPLICATE_WINDOW = datetime.timedelta(minutes=30)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".gif")


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    kx = 111_320.0 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * 110_574.0)


def validate_photo(photo: Any) -> None:
    name = (getattr(photo, "name", "") or "").lower()
    if not name.endswith(PHOTO_EXTENSIONS):
        raise ValidationError({"photos": _("A photo must be a JPEG, PNG, WebP, HEIC or GIF image.")})
    if getattr(photo, "size", 0) > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": _("A photo may be at most 10 MB.")})


def resolve_location(lon: float | None, lat: float | None, address: str) -> tuple[float, float, str]:
    """Coordinates as given, or the best gazetteer match of the address."""
    if lon is not None and lat is not None:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError({"lon": _("Coordinates must be longitude, latitude in WGS-84 degrees.")})
        return float(lon), float(lat), address
    if lon is not None or lat is not None:
        raise ValidationError({"lat": _("Give both longitude and latitude, or neither.")})
    places = locate.gazetteer(address, limit=1)
    if not places:
        raise ValidationError({"address": _("No known place matches this address; pick the point on the map.")})
    return places[0].lon, places[0].lat, address or places[0].label


_T0 = datetime.datetime(2001, 2, 3, 4, 5, 6, 1, tzinfo=datetime.UTC)
NEARBY_OPEN = Prepared(
    lambda type_code, since, until, west, east, south, north: Incident.objects.filter(
        type_code=type_code, status__in=OPEN_STATUSES, merged_into=None, received_at__gte=since,
        received_at__lte=until, lon__range=(west, east), lat__range=(south, north),
    ).values_list("id", "lon", "lat")[:20],
    "\x01type", _T0, _T0 + datetime.timedelta(microseconds=1), -179.123456789, 179.123456789, -89.123456789,
    89.123456789)
BY_KEY = Prepared(lambda source, key: Incident.objects.filter(external_source=source, idempotency_key=key)
                  .order_by().values_list("id")[:1], "\x01source", "\x01key")


def find_possible_duplicate(type_code: str, lon: float, lat: float, at: datetime.datetime) -> Incident | None:
    """The nearest open incident of the same type reported close by, minutes apart.

    Answers an instance holding only id, lon and lat (the rest loads when read).
    """
    dlat = DUPLICATE_RADIUS_M / 110_574.0
    dlon = DUPLICATE_RADIUS_M / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    rows = NEARBY_OPEN.rows(type_code, at - DUPLICATE_WINDOW, at + DUPLICATE_WINDOW, lon - dlon, lon + dlon,
                            lat - dlat, lat + dlat)
    best = min(rows, key=lambda r: _distance_m(lon, lat, r[1], r[2]), default=None)
    if best is not None and _distance_m(lon, lat, best[1], best[2]) <= DUPLICATE_RADIUS_M:
        return partial_instance(Incident, id=best[0], lon=best[1], lat=best[2])
    return None


def report_incident(*, actor: Any, type_code: str, channel: str, lon: float | None = None,
                    lat: float | None = None, address: str = "", severity: str = Severity.IV,
                    description: str = "", reporter_name: str = "", reporter_phone: str = "",
                    received_at: datetime.datetime | None = None, external_source: str = "",
                    idempotency_key: str = "", photos: list[Any] | tuple[Any, ...] = ()) -> tuple[Incident, bool]:
    """Record an incident from any channel; answers (incident, created).

    The same (external_source, idempotency_key) pushed twice answers the first
    incident and creates nothing. `actor` is None only for the public form.
    """
    errors: dict[str, str] = {}
    if type_code not in catalogue.BY_CODE:
        errors["type_code"] = _("Unknown incident type.")
    if channel not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    if severity not in Severity.values:
        errors["severity"] = _("Unknown severity.")
    if actor is None and channel != Channel.PUBLIC:
        errors["channel"] = _("Only the public form may report without logging in.")
    if errors:
        raise ValidationError(errors)
    for photo in photos:
        validate_photo(photo)
    source = (external_source or (channel if idempotency_key else ""))[:40]
    if idempotency_key:
        found = BY_KEY.rows(source, idempotency_key[:100])
        if found:
            existing = Incident.objects.select_related("jurisdiction").get(pk=found[0][0])
            if actor is not None:
                ensure(actor, "view", existing)
            return existing, False
    lon, lat, address = resolve_location(lon, lat, address)
    jurisdiction = locate.locate(lon, lat)
    if jurisdiction is None:
        raise ValidationError({"lon": _("This point lies outside every jurisdiction of the platform.")})
    path = jurisdiction.path
    if actor is not None:
        if not has_perm_somewhere(actor, "incidents.add_incident"):
            raise PermissionDenied
        ensure_in(actor, "incidents.add_incident", path)
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": _("The call cannot have been received in the future.")})
    incident = Incident(
        jurisdiction=jurisdiction, type_code=type_code, severity=severity, channel=channel,
        description=description.strip(), address=address.strip()[:200], lon=lon, lat=lat,
        reporter_name=reporter_name.strip()[:50], reporter_phone=reporter_phone.strip()[:20],
        reported_by=actor if actor is not None else None, external_source=source,
        idempotency_key=idempotency_key[:100], received_at=received_at,
    )
    duplicate = find_possible_duplicate(type_code, lon, lat, received_at)
    incident.possible_duplicate_of = duplicate
    events = [event(incident, EventKind.REPORTED, received_at, actor=actor, save=False,
                    data={"channel": channel, "type": type_code, "severity": severity})]
    if duplicate is not None:
        events.append(event(incident, EventKind.DUPLICATE_FLAGGED, now, save=False, data={"incident": duplicate.pk}))
    try:
        with transaction.atomic():
            incident.save()
            for row in events:
                row.incident = incident  # now with its id
                row.save()
            for photo in photos:
                event(incident, EventKind.PHOTO, now, actor=actor, photo=photo)
    except IntegrityError:
        if not idempotency_key:
            raise
        # Two pushes of the same call raced; the other one won.
        existing = Incident.objects.get(external_source=source, idempotency_key=idempotency_key[:100])
        return existing, False
    live.broadcast(path, {"kind": "incident.new", "incident": incident.pk}, incident=incident)
    from yingji.incidents.services import notify

    transaction.on_commit(lambda: notify.notify_webhooks(incident.pk, "incident.new", incident=incident))
    return incident, True


def add_note(incident: Incident, *, actor: Any, text: str = "", photo: Any = None, dispatch: Any = None) -> Any:
    """A note or photo on the timeline, by the officer or a responder of a dispatched team."""
    from yingji.incidents.services.respond import may_act_on

    if dispatch is None:
        ensure(actor, "view", incident)
        if not (has_perm_somewhere(actor, "incidents.report") or _can_change(actor, incident)):
            raise PermissionDenied
    elif not may_act_on(actor, dispatch):
        raise PermissionDenied
    text = (text or "").strip()
    if not text and photo is None:
        raise ValidationError({"text": _("Write a note or attach a photo.")})
    if photo is not None:
        validate_photo(photo)
    kind = EventKind.PHOTO if photo is not None else EventKind.NOTE
    row = event(incident, kind, timezone.now(), actor=actor, text=text, photo=photo, dispatch=dispatch)
    live.broadcast(incident.jurisdiction.path, {"kind": "incident.event", "incident": incident.pk, "event": row.pk})
    return row


def _can_change(actor: Any, incident: Incident) -> bool:
    from yingji.core.scope import can

    return can(actor, "change", incident)


def merge_incident(duplicate: Incident, into: Incident, *, actor: Any) -> Incident:
    """Fold a duplicate report into the incident it repeats; the duplicate's teams are released."""
    ensure(actor, "change", duplicate)
    ensure(actor, "change", into)
    if duplicate.pk == into.pk:
        raise ValidationError({"into": _("An incident cannot be merged into itself.")})
    if not duplicate.is_open or not into.is_open:
        raise ValidationError({"into": _("Only open incidents can be merged.")})
    from yingji.incidents.services.dispatch import release_all

    now = timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=duplicate.pk)
        if not locked.is_open:
            raise ValidationError({"into": _("Only open incidents can be merged.")})
        release_all(locked, actor=actor, now=now)
        locked.status, locked.outcome, locked.merged_into, locked.closed_at = (
            Status.CANCELLED, Outcome.DUPLICATE, into, now)
        locked.save()
        event(locked, EventKind.MERGED, now, actor=actor, data={"into": into.pk})
        event(into, EventKind.MERGED, now, actor=actor, data={"from": locked.pk},
              text=_("Merged the report %(ref)s into this incident.") % {"ref": locked.reference})
    live.broadcast(locked.jurisdiction.path, {"kind": "incident.changed", "incident": locked.pk})
    return locked
