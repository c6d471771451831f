"""Intake (接警): an incident from any channel, its place, duplicates, notes and photos.

An intake is on the hot path of every external platform's push (hundreds a
second at peak), so it asks the database only what it must: the idempotency
key and the nearby open incidents (two small queries compiled once, see
core/prepared.py), then one transaction writing the incident, its audit
record, its timeline and the first step of its workflow. The jurisdiction comes from the in-memory locator.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.audit.signals import record_created_in_bulk
from yingji.core.prepared import Prepared, partial_instance
from yingji.core.scope import can, ensure, ensure_in, has_perm_somewhere
from yingji.core.validators import check_phone
from yingji.incidents import catalogue
from yingji.incidents.models import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    Incident,
    IncidentEvent,
    Outcome,
    Severity,
)
from yingji.incidents.services import live, notify
from yingji.incidents.services.dispatch import release_all
from yingji.incidents.services.respond import may_act_on
from yingji.incidents.services.timeline import event
from yingji.incidents.signals import opened
from yingji.incidents.workflows import INCIDENT
from yingji.jurisdictions import locate
from yingji.resources.gazetteer import SYSTEM, gazetteer

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
    places = gazetteer(address, user=SYSTEM, limit=1)
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


def _check_fields(actor: Any, type_code: str, channel: str, severity: str) -> None:
    errors: dict[str, str] = {}
    if type_code not in catalogue.BY_CODE:
        errors["type_code"] = _("Unknown incident type.")
    if channel not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    if severity not in Severity.values:
        errors["severity"] = _("Unknown severity.")
    # The public form and the IoT listener (yingji.iot: a device's alarm, no person) report without an account.
    if actor is None and channel not in (Channel.PUBLIC, Channel.IOT):
        errors["channel"] = _("Only the public form may report without logging in.")
    if errors:
        raise ValidationError(errors)


def _source(external_source: str, channel: str, idempotency_key: str) -> str:
    return (external_source or (channel if idempotency_key else ""))[:40]


def _new_incident(actor: Any, now: datetime.datetime, *, type_code: str, channel: str, lon: float | None,
                  lat: float | None, address: str, severity: str, description: str, reporter_name: str,
                  reporter_phone: str, received_at: datetime.datetime | None, source: str,
                  idempotency_key: str) -> Incident:
    """The unsaved incident: its place and jurisdiction found, the actor's right to report there checked."""
    lon, lat, address = resolve_location(lon, lat, address)
    jurisdiction = locate.locate(lon, lat)
    if jurisdiction is None:
        raise ValidationError({"lon": _("This point lies outside every jurisdiction of the platform.")})
    if actor is not None:
        if not has_perm_somewhere(actor, "incidents.add_incident"):
            raise PermissionDenied
        ensure_in(actor, "incidents.add_incident", jurisdiction.path)
    try:
        reporter_phone = check_phone(reporter_phone)
    except ValidationError as error:
        raise ValidationError({"reporter_phone": error.messages}) from error
    received_at = received_at or now
    if received_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": _("The call cannot have been received in the future.")})
    return Incident(
        jurisdiction=jurisdiction, type_code=type_code, severity=severity, channel=channel,
        description=description.strip(), address=address.strip()[:200], lon=lon, lat=lat,
        reporter_name=reporter_name.strip()[:50], reporter_phone=reporter_phone.strip()[:20],
        reported_by=actor if actor is not None else None, external_source=source,
        idempotency_key=idempotency_key[:100], received_at=received_at,
    )


def _first_events(incident: Incident, actor: Any, now: datetime.datetime) -> list[Any]:
    """The timeline an incident starts with: reported, and flagged when it may repeat another."""
    rows = [event(incident, EventKind.REPORTED, incident.received_at, actor=actor, save=False,
                  data={"channel": incident.channel, "type": incident.type_code, "severity": incident.severity})]
    if incident.possible_duplicate_of_id is not None:
        rows.append(event(incident, EventKind.DUPLICATE_FLAGGED, now, save=False,
                          data={"incident": incident.possible_duplicate_of_id}))
    return rows


def _announce(incident: Incident) -> None:
    """After commit: the consoles hear of it and the webhooks are called."""
    live.broadcast(incident.jurisdiction.path, {"kind": "incident.new", "incident": incident.pk}, incident=incident)
    transaction.on_commit(lambda: notify.notify_webhooks(incident.pk, "incident.new", incident=incident))


def report_incident(*, actor: Any, type_code: str, channel: str, lon: float | None = None,
                    lat: float | None = None, address: str = "", severity: str = Severity.IV,
                    description: str = "", reporter_name: str = "", reporter_phone: str = "",
                    received_at: datetime.datetime | None = None, external_source: str = "",
                    idempotency_key: str = "", photos: list[Any] | tuple[Any, ...] = ()) -> tuple[Incident, bool]:
    """Record an incident from any channel; answers (incident, created).

    The same (external_source, idempotency_key) pushed twice answers the first
    incident and creates nothing. `actor` is None only for the public form.
    """
    _check_fields(actor, type_code, channel, severity)
    for photo in photos:
        validate_photo(photo)
    source = _source(external_source, channel, idempotency_key)
    if idempotency_key:
        found = BY_KEY.rows(source, idempotency_key[:100])
        if found:
            existing = Incident.objects.select_related("jurisdiction").get(pk=found[0][0])
            if actor is not None:
                ensure(actor, "view", existing)
            return existing, False
    now = timezone.now()
    incident = _new_incident(
        actor, now, type_code=type_code, channel=channel, lon=lon, lat=lat, address=address, severity=severity,
        description=description, reporter_name=reporter_name, reporter_phone=reporter_phone,
        received_at=received_at, source=source, idempotency_key=idempotency_key)
    incident.possible_duplicate_of = find_possible_duplicate(type_code, incident.lon, incident.lat,
                                                             incident.received_at)
    events = _first_events(incident, actor, now)
    try:
        with transaction.atomic():
            incident.save()
            INCIDENT.start(incident, actor=actor, now=now)
            for row in events:
                row.incident = incident  # now with its id
                row.save()
            for photo in photos:
                event(incident, EventKind.PHOTO, now, actor=actor, photo=photo)
            opened.send(sender=Incident, incidents=[incident])
    except IntegrityError:
        if not idempotency_key:
            raise
        # Two pushes of the same call raced; the other one won.
        existing = Incident.objects.get(external_source=source, idempotency_key=idempotency_key[:100])
        return existing, False
    _announce(incident)
    return incident, True


MAX_BATCH = 100


@dataclass
class BatchResult:
    """What became of one call of a batch: created, already known (same key), or refused with reasons."""

    index: int
    incident: Incident | None = None
    created: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)
    forbidden: bool = False


def report_incidents(*, actor: Any, calls: list[dict[str, Any]]) -> list[BatchResult]:
    """Record a batch of calls pushed by an external platform, in one transaction; one result per call.

    Each call is checked exactly as `report_incident` checks it, and a refused
    call refuses only itself. Calls already known by their idempotency key
    (before, or earlier in the same batch) answer that incident. Calls close to
    each other in the batch are flagged as possible duplicates of the earlier
    one. The new incidents, their timelines and their audit records are
    written with one INSERT each: a platform catching up after an outage sends
    hundreds at once, and a transaction per call would spend most of its time
    committing.
    """

    if len(calls) > MAX_BATCH:
        raise ValidationError({"incidents": _("At most %(n)s calls in one batch.") % {"n": MAX_BATCH}})
    results = [BatchResult(index=i) for i in range(len(calls))]
    now = timezone.now()
    keys = [_batch_key(call) for call in calls]
    first_with: dict[tuple[str, str], int] = {}  # (source, key) -> index of the first call with it
    for index, pair in enumerate(keys):
        if pair[1]:
            first_with.setdefault(pair, index)
    known = _known_by_key(list(first_with)) if first_with else {}
    fresh: list[BatchResult] = []
    for result, call in zip(results, calls, strict=True):
        try:
            _check_fields(actor, call.get("type_code", ""), call.get("channel", ""), call.get("severity", Severity.IV))
            source, key = keys[result.index]
            if key and (source, key) in known:
                existing = known[(source, key)]
                ensure(actor, "view", existing)
                result.incident = existing
                continue
            if key and first_with[(source, key)] != result.index:
                continue  # answered below with the first call's incident
            result.incident = _new_incident(
                actor, now, type_code=call["type_code"], channel=call["channel"], lon=call.get("lon"),
                lat=call.get("lat"), address=call.get("address") or "", severity=call.get("severity", Severity.IV),
                description=call.get("description") or "", reporter_name=call.get("reporter_name") or "",
                reporter_phone=call.get("reporter_phone") or "", received_at=call.get("received_at"),
                source=source, idempotency_key=key)
            result.created = True
            fresh.append(result)
        except ValidationError as exc:
            result.errors = exc.message_dict
        except (PermissionDenied, Http404):
            result.forbidden = True
    incidents = [r.incident for r in fresh]
    for incident in incidents:
        incident.possible_duplicate_of = find_possible_duplicate(incident.type_code, incident.lon, incident.lat,
                                                                 incident.received_at)
    try:
        with transaction.atomic():
            Incident.objects.bulk_create(incidents)
            _flag_duplicates_within(incidents)
            record_created_in_bulk(incidents)
            INCIDENT.start_many(incidents, actor=actor, now=now)
            IncidentEvent.objects.bulk_create([row for incident in incidents
                                               for row in _first_events(incident, actor, now)])
            if incidents:
                opened.send(sender=Incident, incidents=incidents)
    except IntegrityError:
        # Another push of one of these calls won a race on its key: take them one at a time.
        return _one_by_one(actor, calls)
    for result, pair in zip(results, keys, strict=True):
        if result.incident is None and pair[1] and not result.errors and not result.forbidden:
            first = results[first_with[pair]]
            result.incident, result.errors, result.forbidden = first.incident, first.errors, first.forbidden
    for incident in incidents:
        _announce(incident)
    return results


def _batch_key(call: dict[str, Any]) -> tuple[str, str]:
    """(source, idempotency key) of a call, as report_incident derives them; the key may be empty."""
    key = str(call.get("idempotency_key") or "")[:100]
    return _source(str(call.get("external_source") or ""), str(call.get("channel") or ""), key), key


def _known_by_key(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Incident]:
    rows = Incident.objects.select_related("jurisdiction").filter(
        external_source__in={s for s, _k in pairs}, idempotency_key__in={k for _s, k in pairs})
    wanted = set(pairs)
    return {(i.external_source, i.idempotency_key): i for i in rows
            if (i.external_source, i.idempotency_key) in wanted}


def _flag_duplicates_within(incidents: list[Incident]) -> None:
    """A call close to an earlier one of the same batch (same type, 300 m, 30 minutes) is flagged against it."""
    flagged = []
    for i, incident in enumerate(incidents):
        if incident.possible_duplicate_of_id is not None:
            continue
        for earlier in incidents[:i]:
            if (earlier.type_code == incident.type_code
                    and abs(earlier.received_at - incident.received_at) <= DUPLICATE_WINDOW
                    and _distance_m(earlier.lon, earlier.lat, incident.lon, incident.lat) <= DUPLICATE_RADIUS_M):
                incident.possible_duplicate_of = earlier
                flagged.append(incident)
                break
    if flagged:
        Incident.objects.bulk_update(flagged, ["possible_duplicate_of"])


def _one_by_one(actor: Any, calls: list[dict[str, Any]]) -> list[BatchResult]:
    results = []
    for index, call in enumerate(calls):
        result = BatchResult(index=index)
        try:
            result.incident, result.created = report_incident(actor=actor, **call)
        except ValidationError as exc:
            result.errors = exc.message_dict
        except (PermissionDenied, Http404):
            result.forbidden = True
        results.append(result)
    return results


def add_note(incident: Incident, *, actor: Any, text: str = "", photo: Any = None, dispatch: Any = None) -> Any:
    """A note or photo on the timeline, by the officer or a responder of a dispatched team."""

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

    return can(actor, "change", incident)


def merge_incident(duplicate: Incident, into: Incident, *, actor: Any) -> Incident:
    """Fold a duplicate report into the incident it repeats; the duplicate's teams are released."""
    ensure(actor, "change", duplicate)
    ensure(actor, "change", into)
    if duplicate.pk == into.pk:
        raise ValidationError({"into": _("An incident cannot be merged into itself.")})
    if not duplicate.is_open or not into.is_open:
        raise ValidationError({"into": _("Only open incidents can be merged.")})

    now = timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=duplicate.pk)
        if not locked.is_open:
            raise ValidationError({"into": _("Only open incidents can be merged.")})
        release_all(locked, actor=actor, now=now)
        INCIDENT.transition(locked, "merge", actor=actor, now=now, locked=True, save=False,
                            note=into.reference)
        locked.outcome, locked.merged_into, locked.closed_at = Outcome.DUPLICATE, into, now
        locked.save()
        event(locked, EventKind.MERGED, now, actor=actor, data={"into": into.pk})
        event(into, EventKind.MERGED, now, actor=actor, data={"from": locked.pk},
              text=_("Merged the report %(ref)s into this incident.") % {"ref": locked.reference})
    live.broadcast(locked.jurisdiction.path, {"kind": "incident.changed", "incident": locked.pk})
    return locked
