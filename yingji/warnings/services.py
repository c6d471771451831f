"""Every write to early warnings: compose, edit, import CAP, release, update, cancel, expire.

Views, the API, the feed poller (jobs.py) and the demo call these functions;
each checks the scope rule, validates, and runs in one transaction. The CAP
mapping (model rows <-> `cap.Alert`) lives here too, so export and import are
one pair of functions that a round trip test can hold to each other.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.jurisdictions.models import Jurisdiction
from yingji.messaging import services as messaging
from yingji.messaging.models import ContactList, Message
from yingji.warnings import areas, audience, cap, signing, workflows
from yingji.warnings import release as fanout
from yingji.warnings.catalogue import (
    HAZARD_EVENT_CODE,
    HAZARDS,
    LEVEL_PARAMETER,
    LEVEL_RANK,
    LEVEL_SEVERITY,
    SEVERITY_LEVEL,
    Hazard,
    Level,
    hazard_from_event,
)
from yingji.warnings.models import (
    CapScope,
    CapStatus,
    Certainty,
    EarlyWarning,
    MsgType,
    Origin,
    State,
    TargetGroup,
    Urgency,
    WarningArea,
    WarningInfo,
)
from yingji.warnings.workflows import WARNING, release_step

CHANNELS = ("in_app", "push", "sms", "email")
DEFAULT_CHANNELS = ["in_app", "push", "sms"]


def sender() -> str:
    """Our CAP sender: settings.YINGJI_WARNING_SENDER (an address without spaces or commas)."""
    return str(getattr(settings, "YINGJI_WARNING_SENDER", "") or "yingji@localhost")


def new_identifier(jurisdiction: Jurisdiction) -> str:
    return f"YJ-{jurisdiction.code}-{timezone.now():%Y%m%d}-{uuid.uuid4().hex[:10]}"


# ------------------------------------------------------------------ compose
@dataclass
class AreaInput:
    """A target area as the compose form and the API give it: a drawn polygon or circle, or a jurisdiction."""

    kind: str                      # "polygon", "circle" or "jurisdiction"
    desc: str = ""
    ring: list[list[float]] | None = None
    circle: list[float] | None = None
    jurisdiction: str = ""         # a code


def _clean_areas(inputs: list[AreaInput], within: Jurisdiction, actor: Any) -> list[tuple[cap.Area, Jurisdiction | None]]:
    if not inputs:
        raise ValidationError({"areas": _("Draw an area on the map or pick at least one jurisdiction.")})
    cleaned: list[tuple[cap.Area, Jurisdiction | None]] = []
    for n, item in enumerate(inputs, start=1):
        if item.kind == "jurisdiction":
            j = Jurisdiction.objects.visible_to(actor).filter(code=item.jurisdiction).first()
            if j is None or not j.path.startswith(within.path):
                raise ValidationError({"areas": _("Area %(n)d: %(code)s is not a jurisdiction inside %(within)s.")
                                       % {"n": n, "code": item.jurisdiction, "within": within.name}})
            cleaned.append((areas.jurisdiction_area(j), j))
        elif item.kind == "polygon":
            ring = areas.clean_ring(item.ring, "areas")
            cleaned.append((cap.Area(area_desc=(item.desc or _("Drawn area %(n)d") % {"n": n})[:300],
                                     polygons=[ring]), None))
        elif item.kind == "circle":
            values = item.circle or []
            if len(values) != 3:
                raise ValidationError({"areas": _("A circle is a centre (longitude, latitude) and a radius in km.")})
            circle = areas.clean_circle(*values, field="areas")
            cleaned.append((cap.Area(area_desc=(item.desc or _("Drawn circle %(n)d") % {"n": n})[:300],
                                     circles=[circle]), None))
        else:
            raise ValidationError({"areas": _("Area %(n)d: unknown kind %(kind)s.") % {"n": n, "kind": item.kind}})
    return cleaned


def _check_choice(errors: dict[str, str], name: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        errors[name] = _("Choose one of the listed values.")


def _validate(fields: dict[str, Any], now: datetime.datetime) -> dict[str, Any]:
    errors: dict[str, str] = {}
    for name in ("onset", "expires"):  # CAP times are whole seconds
        if isinstance(fields.get(name), datetime.datetime):
            fields[name] = fields[name].replace(microsecond=0)
    _check_choice(errors, "level", fields.get("level", ""), Level)
    _check_choice(errors, "hazard", fields.get("hazard", ""), Hazard)
    _check_choice(errors, "urgency", fields.get("urgency", Urgency.EXPECTED), Urgency)
    _check_choice(errors, "certainty", fields.get("certainty", Certainty.LIKELY), Certainty)
    _check_choice(errors, "cap_status", fields.get("cap_status", CapStatus.ACTUAL), CapStatus)
    _check_choice(errors, "scope", fields.get("scope", CapScope.PUBLIC), CapScope)
    headline = (fields.get("headline") or "").strip()
    if not headline:
        errors["headline"] = _("This field is required.")
    elif len(headline) > 200:
        errors["headline"] = _("At most 200 characters.")
    onset, expires = fields.get("onset"), fields.get("expires")
    if expires is None:
        errors["expires"] = _("Say until when the warning holds.")
    elif expires <= now:
        errors["expires"] = _("The warning would already have expired.")
    elif onset is not None and expires <= onset:
        errors["expires"] = _("A warning must expire after its onset.")
    groups = fields.get("target_groups") or []
    if any(g not in TargetGroup.values for g in groups):
        errors["target_groups"] = _("Choose one of the listed values.")
    channels = fields.get("channels") or []
    if any(c not in CHANNELS for c in channels):
        errors["channels"] = _("Choose one of the listed values.")
    remind = fields.get("remind_after_minutes")
    if remind is not None and not 1 <= int(remind) <= 24 * 60:
        errors["remind_after_minutes"] = _("Between 1 minute and 24 hours.")
    if fields.get("scope") == CapScope.RESTRICTED and not (fields.get("restriction") or "").strip():
        errors["restriction"] = _("A restricted warning says who may see it.")
    if errors:
        raise ValidationError(errors)
    return fields


COMPOSE_FIELDS = ("jurisdiction", "level", "hazard", "headline", "description", "instruction", "urgency",
                  "certainty", "onset", "expires", "areas", "target_groups", "channels", "ask_ack",
                  "remind_after_minutes", "cap_status", "scope", "restriction", "note", "sender_name", "contact",
                  "web", "contact_lists")


def _clean_lists(ids: Any, actor: Any) -> list[ContactList]:
    """The key groups' contact lists chosen, each one the actor may see (messaging's ledger)."""
    try:
        wanted = list(dict.fromkeys(int(i) for i in (ids or [])))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"contact_lists": _("Choose one of the listed values.")}) from exc
    found = list(ContactList.objects.visible_to(actor).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({"contact_lists": _("Choose one of the listed values.")})
    return found


def _info_from(fields: dict[str, Any], warning: EarlyWarning) -> WarningInfo:
    hazard = HAZARDS[fields["hazard"]]
    return WarningInfo(
        warning=warning, position=0, language="zh-CN", categories=[hazard.category], event=hazard.event_zh,
        urgency=fields.get("urgency") or Urgency.EXPECTED, severity=LEVEL_SEVERITY[Level(fields["level"])],
        certainty=fields.get("certainty") or Certainty.LIKELY, onset=fields.get("onset"),
        effective=fields.get("onset"), expires=fields.get("expires"),
        sender_name=(fields.get("sender_name") or warning.jurisdiction.name)[:200],
        headline=fields["headline"].strip()[:200], description=(fields.get("description") or "").strip(),
        instruction=(fields.get("instruction") or "").strip(), contact=(fields.get("contact") or "")[:200],
        web=(fields.get("web") or "")[:500])


def _write_areas(warning: EarlyWarning, info: WarningInfo, cleaned: list[tuple[cap.Area, Jurisdiction | None]]) -> None:
    WarningArea.objects.bulk_create([
        WarningArea(info=info, position=n, area_desc=a.area_desc[:300], polygons=a.polygons, circles=a.circles,
                    geocodes=a.geocodes, jurisdiction=j) for n, (a, j) in enumerate(cleaned)])
    warning.target_jurisdictions.set(reached(warning))


def compose(*, actor: Any, now: datetime.datetime | None = None, **fields: Any) -> EarlyWarning:
    """A new draft warning of `jurisdiction` (CAP Alert), with its one Chinese info block and its areas."""
    now = now or timezone.now()
    unknown = sorted(set(fields) - set(COMPOSE_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    jurisdiction = fields.get("jurisdiction")
    if not isinstance(jurisdiction, Jurisdiction):
        raise ValidationError({"jurisdiction": _("This field is required.")})
    ensure_in(actor, "warnings.add_earlywarning", jurisdiction.path)
    _validate(fields, now)
    cleaned = _clean_areas(fields.get("areas") or [], jurisdiction, actor)
    lists = _clean_lists(fields.get("contact_lists"), actor)
    with transaction.atomic():
        warning = EarlyWarning.objects.create(
            jurisdiction=jurisdiction, identifier=new_identifier(jurisdiction), sender=sender(),
            cap_status=fields.get("cap_status") or CapStatus.ACTUAL, msg_type=MsgType.ALERT,
            scope=fields.get("scope") or CapScope.PUBLIC, restriction=(fields.get("restriction") or "")[:300],
            note=fields.get("note") or "", level=fields["level"], hazard=fields["hazard"],
            target_groups=list(dict.fromkeys(fields.get("target_groups") or [TargetGroup.GRID_WORKERS])),
            channels=list(dict.fromkeys(fields.get("channels") or DEFAULT_CHANNELS)),
            ask_ack=bool(fields.get("ask_ack", True)), remind_after_minutes=fields.get("remind_after_minutes"),
            created_by=actor if getattr(actor, "pk", None) else None)
        info = _info_from(fields, warning)
        info.save()
        _write_areas(warning, info, cleaned)
        warning.contact_lists.set(lists)
        WARNING.start(warning, actor=actor, now=now)
    return warning


def edit_draft(warning: EarlyWarning, *, actor: Any, now: datetime.datetime | None = None,
               **fields: Any) -> EarlyWarning:
    """Change a draft the centre composed (received messages keep their content: compose one from them)."""
    now = now or timezone.now()
    ensure(actor, "change", warning)
    if warning.state != State.DRAFT:
        raise ValidationError({"__all__": _("Only a draft can be changed.")})
    if warning.origin != Origin.COMPOSED:
        raise ValidationError({"__all__": _("A received message is not changed here; only whom it goes to.")})
    unknown = sorted(set(fields) - set(COMPOSE_FIELDS) - {"jurisdiction"})
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    fields.pop("jurisdiction", None)
    _validate(fields, now)
    cleaned = _clean_areas(fields.get("areas") or [], warning.jurisdiction, actor)
    lists = _clean_lists(fields.get("contact_lists"), actor)
    with transaction.atomic():
        locked = EarlyWarning.objects.select_for_update().get(pk=warning.pk)
        if locked.state != State.DRAFT:
            raise ValidationError({"__all__": _("Only a draft can be changed.")})
        for name in ("level", "hazard"):
            setattr(locked, name, fields[name])
        locked.cap_status = fields.get("cap_status") or CapStatus.ACTUAL
        locked.scope = fields.get("scope") or CapScope.PUBLIC
        locked.restriction = (fields.get("restriction") or "")[:300]
        locked.note = fields.get("note") or ""
        locked.target_groups = list(dict.fromkeys(fields.get("target_groups") or []))
        locked.channels = list(dict.fromkeys(fields.get("channels") or []))
        locked.ask_ack = bool(fields.get("ask_ack", True))
        locked.remind_after_minutes = fields.get("remind_after_minutes")
        locked.save()
        locked.infos.all().delete()
        info = _info_from(fields, locked)
        info.save()
        _write_areas(locked, info, cleaned)
        locked.contact_lists.set(lists)
    return locked


def set_distribution(warning: EarlyWarning, *, actor: Any, target_groups: list[str], channels: list[str],
                     ask_ack: bool = True, remind_after_minutes: int | None = None,
                     contact_lists: list[int] | None = None) -> EarlyWarning:
    """Whom a draft goes to and how (the part of a received message the centre decides)."""
    ensure(actor, "change", warning)
    if warning.state != State.DRAFT:
        raise ValidationError({"__all__": _("Only a draft can be changed.")})
    fields = {"target_groups": target_groups, "channels": channels, "remind_after_minutes": remind_after_minutes}
    errors: dict[str, str] = {}
    if any(g not in TargetGroup.values for g in target_groups):
        errors["target_groups"] = _("Choose one of the listed values.")
    if any(c not in CHANNELS for c in channels):
        errors["channels"] = _("Choose one of the listed values.")
    if remind_after_minutes is not None and not 1 <= int(remind_after_minutes) <= 24 * 60:
        errors["remind_after_minutes"] = _("Between 1 minute and 24 hours.")
    if errors:
        raise ValidationError(errors)
    warning.target_groups = list(dict.fromkeys(fields["target_groups"]))
    warning.channels = list(dict.fromkeys(fields["channels"]))
    warning.ask_ack = ask_ack
    warning.remind_after_minutes = remind_after_minutes
    lists = _clean_lists(contact_lists, actor) if contact_lists is not None else None
    warning.save(update_fields=["target_groups", "channels", "ask_ack", "remind_after_minutes", "updated_at"])
    if lists is not None:
        warning.contact_lists.set(lists)
    return warning


def delete_draft(warning: EarlyWarning, *, actor: Any) -> None:
    ensure(actor, "delete", warning)
    if warning.state != State.DRAFT:
        raise ValidationError({"__all__": _("Only a draft can be deleted; a released warning is cancelled.")})
    warning.delete()


# ------------------------------------------------------------------ areas and people
def area_geometry(warning: EarlyWarning) -> Any:
    rows = WarningArea.objects.filter(info__warning=warning)
    return areas.area_shape([ring for a in rows for ring in a.polygons], [c for a in rows for c in a.circles])


def reached(warning: EarlyWarning) -> list[Jurisdiction]:
    """The streets, communities and grids the warning's areas reach (inside its own jurisdiction)."""
    rows = list(WarningArea.objects.filter(info__warning=warning).select_related("jurisdiction"))
    picked = [a.jurisdiction for a in rows if a.jurisdiction is not None]
    drawn = [a for a in rows if a.jurisdiction is None]
    geometry = areas.area_shape([r for a in drawn for r in a.polygons], [c for a in drawn for c in a.circles])
    return areas.reached_jurisdictions(warning.jurisdiction, picked, geometry)


def recipients(warning: EarlyWarning) -> list[audience.Person]:
    return fanout.persons(warning)


# ------------------------------------------------------------------ CAP out
def _with_ours(pairs: list[list[str]], name: str, value: str) -> list[list[str]]:
    return [[name, value], *[[n, v] for n, v in pairs if n != name]]


def to_cap(warning: EarlyWarning, *, sent: datetime.datetime | None = None) -> cap.Alert:
    """The warning as a CAP alert; our level and hazard ride along in every info block."""
    alert = cap.Alert(
        identifier=warning.identifier, sender=warning.sender,
        sent=(sent or warning.sent or warning.created_at or timezone.now()).replace(microsecond=0),
        status=warning.cap_status,
        msg_type=warning.msg_type, scope=warning.scope, source=warning.source, restriction=warning.restriction,
        addresses=warning.addresses, codes=list(warning.codes), note=warning.note, references=warning.references,
        incidents=warning.incidents)
    for info in warning.infos.order_by("position").prefetch_related("areas"):
        alert.infos.append(cap.Info(
            language=info.language, categories=list(info.categories), event=info.event,
            response_types=list(info.response_types), urgency=info.urgency, severity=info.severity,
            certainty=info.certainty, audience=info.audience,
            event_codes=_with_ours(info.event_codes, HAZARD_EVENT_CODE, warning.hazard),
            effective=info.effective, onset=info.onset, expires=info.expires, sender_name=info.sender_name,
            headline=info.headline, description=info.description, instruction=info.instruction, web=info.web,
            contact=info.contact, parameters=_with_ours(info.parameters, LEVEL_PARAMETER, warning.level),
            resources=list(info.resources),
            areas=[cap.Area(area_desc=a.area_desc, polygons=a.polygons, circles=a.circles, geocodes=a.geocodes,
                            altitude=a.altitude, ceiling=a.ceiling) for a in info.areas.all()]))
    return alert


def export_xml(warning: EarlyWarning) -> bytes:
    """The CAP XML of a warning: as released or received when it was; else as it would be sent now."""
    if warning.cap_xml:
        return warning.cap_xml.encode()
    return cap.to_xml(to_cap(warning))


# ------------------------------------------------------------------ CAP in
@dataclass
class Imported:
    warning: EarlyWarning
    created: bool


def _level_of(alert: cap.Alert) -> str:
    for info in alert.infos:
        for name, value in info.parameters:
            if name == LEVEL_PARAMETER and value in Level.values:
                return value
    levels = [SEVERITY_LEVEL[i.severity] for i in alert.infos if i.severity in SEVERITY_LEVEL]
    return max(levels, key=lambda lv: LEVEL_RANK[lv]) if levels else Level.BLUE


def _hazard_of(alert: cap.Alert) -> str:
    for info in alert.infos:
        for name, value in info.event_codes:
            if name == HAZARD_EVENT_CODE and value in Hazard.values:
                return value
    return hazard_from_event(alert.infos[0].event) if alert.infos else Hazard.OTHER


def _referenced(alert: cap.Alert) -> EarlyWarning | None:
    """The latest message we hold among those this one references ("sender,identifier,sent" triples)."""
    keys = [tuple(ref.split(",")[:2]) for ref in alert.references.split() if ref.count(",") >= 2]
    if not keys:
        return None
    found = [w for s, i in keys for w in EarlyWarning.objects.filter(sender=s, identifier=i)]
    return found[-1] if found else None


def import_cap(data: bytes, *, jurisdiction: Jurisdiction, actor: Any = None, origin: str = Origin.FILE,
               feed: Any = None) -> Imported:
    """A received CAP message as a draft warning of `jurisdiction`, or the one we already hold.

    Refused (CapError, the schema's reason) when it is not CAP 1.2. De-duplicated
    by (sender, identifier), CAP's own key: importing it again changes nothing.
    The received XML is kept verbatim (with its signature, if any).
    """
    if actor is not None:
        ensure_in(actor, "warnings.import_earlywarning", jurisdiction.path)
    alert = cap.from_xml(data)
    existing = EarlyWarning.objects.filter(sender=alert.sender, identifier=alert.identifier).first()
    if existing is not None:
        return Imported(existing, False)
    codes = {j.code: j for j in Jurisdiction.objects.filter(path__startswith=jurisdiction.path, code__in=[
        v for i in alert.infos for a in i.areas for n, v in a.geocodes if n == areas.GEOCODE_NAME])}
    try:
        with transaction.atomic():
            warning = EarlyWarning.objects.create(
                jurisdiction=jurisdiction, identifier=alert.identifier[:200], sender=alert.sender[:200],
                sent=alert.sent, cap_status=alert.status, msg_type=alert.msg_type, scope=alert.scope,
                source=alert.source[:200], restriction=alert.restriction[:300], addresses=alert.addresses,
                codes=alert.codes, note=alert.note, references=alert.references, incidents=alert.incidents[:300],
                level=_level_of(alert), hazard=_hazard_of(alert), origin=origin, feed=feed,
                previous=_referenced(alert), target_groups=[TargetGroup.GRID_WORKERS], channels=DEFAULT_CHANNELS,
                created_by=actor if getattr(actor, "pk", None) else None, cap_xml=data.decode("utf-8"))
            for n, item in enumerate(alert.infos):
                info = WarningInfo.objects.create(
                    warning=warning, position=n, language=item.language[:35], categories=item.categories,
                    event=item.event[:200], response_types=item.response_types, urgency=item.urgency,
                    severity=item.severity, certainty=item.certainty, audience=item.audience[:200],
                    event_codes=[p for p in item.event_codes if p[0] != HAZARD_EVENT_CODE],
                    effective=item.effective, onset=item.onset, expires=item.expires,
                    sender_name=item.sender_name[:200], headline=item.headline[:200],
                    description=item.description, instruction=item.instruction, web=item.web[:500],
                    contact=item.contact[:200], parameters=[p for p in item.parameters if p[0] != LEVEL_PARAMETER],
                    resources=item.resources)
                WarningArea.objects.bulk_create([
                    WarningArea(info=info, position=k, area_desc=a.area_desc[:300], polygons=a.polygons,
                                circles=a.circles, geocodes=a.geocodes, altitude=a.altitude, ceiling=a.ceiling,
                                jurisdiction=next((codes[v] for name, v in a.geocodes
                                                   if name == areas.GEOCODE_NAME and v in codes), None))
                    for k, a in enumerate(item.areas)])
            warning.target_jurisdictions.set(reached(warning))
            WARNING.start(warning, actor=actor, note=_("received from %(sender)s") % {"sender": alert.sender})
    except IntegrityError:
        # Two pollers took the same message at once: the other one's row stands.
        existing = EarlyWarning.objects.filter(sender=alert.sender, identifier=alert.identifier).first()
        if existing is None:
            raise
        return Imported(existing, False)
    return Imported(warning, True)


# ------------------------------------------------------------------ release, update, cancel, expire
def release(warning: EarlyWarning, *, actor: Any, now: datetime.datetime | None = None) -> EarlyWarning:
    """Release a draft (or an approved warning): it goes on the public feed with its CAP frozen (signed when
    configured); an update replaces the warning it updates, a cancellation ends it (workflow step
    `release` or `release_cancel`, which checks permission, approval and expiry)."""
    now = now or timezone.now()
    sent = now.replace(microsecond=0)  # CAP times are whole seconds

    def effect(locked: EarlyWarning) -> None:
        if locked.previous_id is not None:
            previous = EarlyWarning.objects.select_for_update().get(pk=locked.previous_id)
            WARNING.transition(previous, "lift" if locked.msg_type == MsgType.CANCEL else "supersede",
                               actor=None, now=now, locked=True,
                               note=_("replaced by %(identifier)s") % {"identifier": locked.identifier})
        if locked.origin == Origin.COMPOSED:
            locked.sent = sent
            data = cap.to_xml(to_cap(locked, sent=sent))
            locked.cap_xml = (signing.sign(data) if signing.configured() else data).decode("utf-8")
        locked.released_at, locked.released_by = sent, actor if getattr(actor, "pk", None) else None

    with transaction.atomic():
        locked = EarlyWarning.objects.select_for_update().get(pk=warning.pk)
        WARNING.transition(workflows.at(locked, now), release_step(locked), actor=actor, now=now, locked=True,
                           save=False, effect=effect)
        locked.save()
        # One click: everyone targeted, on their channels, and the robots (delivered after the commit).
        locked.message = fanout.send(locked, actor=actor, now=now)
        locked.save(update_fields=["message"])
    return locked


def acknowledge(warning: EarlyWarning, user: Any, now: datetime.datetime | None = None) -> datetime.datetime:
    """The recipient confirms the warning ("已收到"): every message about it that they got and that asks
    for it (the release, the reminders) through messaging, whose signal marks the recipient row."""
    now = now or timezone.now()
    rows = Message.objects.filter(pk__in=fanout.warning_messages(warning.pk), ask_ack=True,
                                  deliveries__user_id=getattr(user, "pk", None)).distinct().order_by("pk")
    found = list(rows)
    if not found:
        raise Http404
    return min(messaging.acknowledge(m, user, now=now) for m in found)


def submit(warning: EarlyWarning, *, actor: Any, note: str = "", now: datetime.datetime | None = None) -> EarlyWarning:
    """Send a draft whose level needs approval to the approvers (street or district)."""
    return WARNING.transition(warning, "submit", actor=actor, note=note, now=now)


def approve(warning: EarlyWarning, *, actor: Any, note: str = "", now: datetime.datetime | None = None) -> EarlyWarning:
    """Approve a submitted warning; someone other than its composer must (four eyes)."""
    if warning.created_by_id is not None and warning.created_by_id == getattr(actor, "pk", None):
        raise ValidationError({"state": _("Someone other than the composer approves a warning.")})
    return WARNING.transition(warning, "approve", actor=actor, note=note, now=now)


def reject(warning: EarlyWarning, *, actor: Any, note: str, now: datetime.datetime | None = None) -> EarlyWarning:
    """Send a submitted warning back to draft, saying why."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the warning is sent back.")})
    return WARNING.transition(warning, "reject", actor=actor, note=note.strip(), now=now)


def _follow_up(original: EarlyWarning, msg_type: str, actor: Any) -> EarlyWarning:
    ensure(actor, "publish", original)
    if original.state != State.RELEASED:
        raise ValidationError({"__all__": _("Only a warning in force can be updated or cancelled.")})
    if original.followers.filter(state__in=[State.DRAFT, State.PENDING, State.APPROVED]).exists():
        raise ValidationError({"__all__": _("An update or cancellation of this warning is already being prepared.")})
    chain = " ".join(r for r in [original.references, f"{original.sender},{original.identifier},"
                                 f"{cap.cap_time(original.sent)}"] if r)  # type: ignore[arg-type]
    with transaction.atomic():
        follower = EarlyWarning.objects.create(
            jurisdiction=original.jurisdiction, identifier=new_identifier(original.jurisdiction), sender=sender(),
            cap_status=original.cap_status, msg_type=msg_type, scope=original.scope,
            restriction=original.restriction, addresses=original.addresses, references=chain,
            level=original.level, hazard=original.hazard, previous=original,
            target_groups=list(original.target_groups), channels=list(original.channels),
            ask_ack=original.ask_ack if msg_type == MsgType.UPDATE else False,
            remind_after_minutes=original.remind_after_minutes if msg_type == MsgType.UPDATE else None,
            created_by=actor if getattr(actor, "pk", None) else None)
        for info in original.infos.order_by("position"):
            old_areas = list(info.areas.all())
            info.pk, info.warning = None, follower
            if msg_type == MsgType.CANCEL:
                info.response_types, info.urgency = ["AllClear"], Urgency.PAST
            info.save()
            for area in old_areas:
                area.pk, area.info = None, info
            WarningArea.objects.bulk_create(old_areas)
        follower.target_jurisdictions.set(original.target_jurisdictions.all())
        follower.contact_lists.set(original.contact_lists.all())
        WARNING.start(follower, actor=actor)
    return follower


def compose_update(original: EarlyWarning, *, actor: Any) -> EarlyWarning:
    """A draft Update of a warning in force, its content copied to be edited, referencing the original."""
    return _follow_up(original, MsgType.UPDATE, actor)


def compose_cancel(original: EarlyWarning, *, actor: Any, note: str = "") -> EarlyWarning:
    """A draft Cancel of a warning in force (lifting it: 解除预警), referencing the original."""
    follower = _follow_up(original, MsgType.CANCEL, actor)
    if note:
        follower.note = note
        follower.save(update_fields=["note", "updated_at"])
    return follower


def expire_due(now: datetime.datetime) -> int:
    """Warnings in force whose every info block has expired by `now` end (the job warnings.expire)."""
    ended = 0
    due = EarlyWarning.objects.filter(state=State.RELEASED, infos__expires__lte=now).distinct()
    for warning in due.prefetch_related("infos"):
        times = [i.expires for i in warning.infos.all()]
        if not all(t is not None and t <= now for t in times):
            continue
        try:
            WARNING.transition(warning, "expire", actor=None, now=now)
        except ValidationError:  # updated or cancelled meanwhile
            continue
        ended += 1
    return ended


def active(now: datetime.datetime | None = None) -> Any:
    """Public warnings in force at `now` (released, not yet expired): the public page and feeds."""
    now = now or timezone.now()
    return (EarlyWarning.objects.filter(state=State.RELEASED, scope=CapScope.PUBLIC)
            .exclude(infos__expires__lte=now).distinct().order_by("-sent", "-id"))
