"""Every write of publicity, and the counts other apps read.

    publicity_counts(jurisdiction, start, end) -> list[dict]   per street and community: events by "五进"
        venue and campaign, people reached, publicity points by category

Each write checks the scope (core.scope), validates with field-named errors
and runs in one transaction; photos pass core.uploads like the hazards' do.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.core.uploads import CleanImage, clean_image
from yingji.core.validators import check_point
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.publicity.models import (
    CAMPAIGN_MONTH,
    Campaign,
    EventPhoto,
    PointCategory,
    PublicityEvent,
    PublicityPoint,
    Venue,
)

MAX_PHOTOS = 9
EVENT_FIELDS = ("title", "held_on", "venue", "campaign", "place", "audience", "organiser", "notes")
MAX_AUDIENCE = 1_000_000


def _clean_event(jurisdiction: Jurisdiction, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if jurisdiction.level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID):
        errors["jurisdiction"] = [_("Choose the district, a street, a community or a grid.")]
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the event a title.")]
    place = (data.get("place") or "").strip()
    if not place:
        errors["place"] = [_("Say where the event was held.")]
    held_on = data.get("held_on")
    if not isinstance(held_on, datetime.date):
        errors["held_on"] = [_("Enter a date.")]
    venue, campaign = data.get("venue") or "", data.get("campaign") or ""
    if venue not in ("", *Venue.values):
        errors["venue"] = [_("Choose one of the five venues.")]
    if campaign not in ("", *Campaign.values):
        errors["campaign"] = [_("Choose a campaign from the list.")]
    elif campaign and isinstance(held_on, datetime.date) and held_on.month != CAMPAIGN_MONTH[Campaign(campaign)]:
        errors["held_on"] = [_("%(campaign)s falls in month %(month)s.") % {
            "campaign": Campaign(campaign).label, "month": CAMPAIGN_MONTH[Campaign(campaign)]}]
    audience = data.get("audience") or 0
    if not isinstance(audience, int) or isinstance(audience, bool) or not 0 <= audience <= MAX_AUDIENCE:
        errors["audience"] = [_("Enter a whole number between 0 and %(n)s.") % {"n": MAX_AUDIENCE}]
    if errors:
        raise ValidationError(errors)
    return {"title": title[:200], "held_on": held_on, "venue": venue, "campaign": campaign, "place": place[:200],
            "audience": audience, "organiser": (data.get("organiser") or "").strip()[:100],
            "notes": (data.get("notes") or "").strip()}


def check_photos(files: Sequence[Any]) -> list[CleanImage]:
    """Every photo checked before any is stored: one bad file refuses them all."""
    if len(files) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)s photos at once.") % {"n": MAX_PHOTOS}})
    cleaned = []
    for upload in files:
        try:
            cleaned.append(clean_image(upload, "photos"))
        except ValidationError as exc:
            name = str(getattr(upload, "name", "") or "")[:60]
            message = exc.message_dict["photos"][0] if hasattr(exc, "error_dict") else exc.messages[0]
            raise ValidationError({"photos": f"{name}: {message}" if name else message}) from exc
    return cleaned


def _store(event: PublicityEvent, images: list[CleanImage]) -> list[EventPhoto]:
    photos = []
    for image in images:
        stem = uuid.uuid4().hex
        photo = EventPhoto(event=event, width=image.width, height=image.height)
        photo.file.save(f"{stem}.jpg", ContentFile(image.content), save=False)
        photo.thumbnail.save(f"{stem}.jpg", ContentFile(image.thumbnail), save=False)
        photo.save()
        photos.append(photo)
    return photos


def create_event(*, actor: Any, jurisdiction: Jurisdiction, photos: Sequence[Any] = (), **data: Any) -> PublicityEvent:
    ensure_in(actor, "publicity.add_publicityevent", jurisdiction.path)
    fields = _clean_event(jurisdiction, data)
    images = check_photos(photos)
    with transaction.atomic():
        event = PublicityEvent.objects.create(jurisdiction=jurisdiction, **fields)
        _store(event, images)
    return event


def update_event(event: PublicityEvent, *, actor: Any, **changes: Any) -> PublicityEvent:
    ensure(actor, "change", event)
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    current = {name: getattr(event, name) for name in EVENT_FIELDS}
    fields = _clean_event(event.jurisdiction, {**current, **changes})
    with transaction.atomic():
        for name, value in fields.items():
            setattr(event, name, value)
        event.save()
    return event


def add_photos(event: PublicityEvent, files: Sequence[Any], *, actor: Any) -> list[EventPhoto]:
    ensure(actor, "change", event)
    if event.photos.count() + len(files) > MAX_PHOTOS * 3:
        raise ValidationError({"photos": _("An event keeps at most %(n)s photos.") % {"n": MAX_PHOTOS * 3}})
    images = check_photos(files)
    with transaction.atomic():
        return _store(event, images)


def delete_event(event: PublicityEvent, *, actor: Any) -> None:
    ensure(actor, "delete", event)
    event.delete()


def create_point(*, actor: Any, jurisdiction: Jurisdiction, name: str, category: str, address: str = "",
                 lon: float | None = None, lat: float | None = None, is_active: bool = True) -> PublicityPoint:
    ensure_in(actor, "publicity.add_publicitypoint", jurisdiction.path)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the point a name.")]
    if category not in PointCategory.values:
        errors["category"] = [_("Choose a category from the list.")]
    if (lon is None) != (lat is None):
        errors["lon"] = [_("Give both longitude and latitude, or neither.")]
    else:
        try:
            check_point(lon, lat, bounds=None)
        except ValidationError as exc:
            errors["lon"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return PublicityPoint.objects.create(jurisdiction=jurisdiction, name=name[:120], category=category,
                                         address=(address or "").strip()[:200], lon=lon, lat=lat,
                                         is_active=is_active)


# ---------------------------------------------------------------- indicators
def publicity_counts(jurisdiction: Jurisdiction, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    """For each street and community under (and including) `jurisdiction`: events held from `start` to
    `end` inclusive — in all, per "五进" venue and per campaign —, people reached, and publicity points in
    use per category. A street's figures include its communities'. Two queries."""
    units = list(Jurisdiction.objects.filter(path__startswith=jurisdiction.path,
                                             level__in=[Level.STREET, Level.COMMUNITY]).order_by("path"))
    events = (PublicityEvent.objects.filter(jurisdiction__path__startswith=jurisdiction.path, held_on__gte=start,
                                            held_on__lte=end)
              .values_list("jurisdiction__path", "venue", "campaign", "audience"))
    points = (PublicityPoint.objects.filter(jurisdiction__path__startswith=jurisdiction.path, is_active=True)
              .values_list("jurisdiction__path", "category"))
    stats: dict[str, dict[str, Any]] = defaultdict(lambda: {"events": 0, "audience": 0, "venues": Counter(),
                                                            "campaigns": Counter(), "points": Counter()})
    for path, venue, campaign, audience in events:
        for unit in units:
            if path.startswith(unit.path):
                entry = stats[unit.path]
                entry["events"] += 1
                entry["audience"] += audience
                if venue:
                    entry["venues"][venue] += 1
                if campaign:
                    entry["campaigns"][campaign] += 1
    for path, category in points:
        for unit in units:
            if path.startswith(unit.path):
                stats[unit.path]["points"][category] += 1
    out = []
    for unit in units:
        entry = stats[unit.path]
        out.append({"code": unit.code, "name": unit.name, "level": unit.level, "events": entry["events"],
                    "audience": entry["audience"], "venues": {v: entry["venues"][v] for v in Venue.values},
                    "campaigns": {c: entry["campaigns"][c] for c in Campaign.values},
                    "points": {c: entry["points"][c] for c in PointCategory.values}})
    return out
