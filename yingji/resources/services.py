"""Every write to the resources registry: one function per action, each in one
transaction, checked against the scope rule and validated before saving.

The web views, the API, the Excel importers (imports.py) and other apps call
these functions; the audit log is written by the LedgerModel signals.
Incidents call `set_team_status` when a team is dispatched and released.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from yingji.accounts.services import users_visible_to
from yingji.core.scope import ensure, ensure_in, perm_name
from yingji.core.services import refuse_unknown_fields
from yingji.core.validators import (
    check_id_number,
    check_mobile,
    check_phone,
    check_point,
    clean_into,
    past_dates_into,
)
from yingji.jurisdictions.locate import area_bounds
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import (
    CertificateKind,
    Equipment,
    Expert,
    Facility,
    FacilityKind,
    Member,
    MemberCertificate,
    Service,
    Specialty,
    Station,
    Team,
    TeamKind,
    TeamRole,
    TeamStatus,
)

# How far (in degrees, about 200 m) a location may lie outside its
# jurisdiction's boundary: surveyed boundaries and addresses rarely agree exactly.
BOUNDARY_TOLERANCE = 0.002

STATION_FIELDS = ("jurisdiction", "code", "name", "kind", "address", "lon", "lat", "phone", "open_24h", "hours",
                  "services", "is_active", "photo")
TEAM_FIELDS = ("jurisdiction", "station", "code", "name", "kind", "specialties", "status", "contact_name",
               "contact_phone", "lon", "lat")
MEMBER_FIELDS = ("team", "name", "phone", "id_number", "team_role", "skills", "training_hours", "on_duty", "user")
CERTIFICATE_FIELDS = ("kind", "number", "issued_on", "expires_on")
EXPERT_FIELDS = ("jurisdiction", "code", "name", "field", "organisation", "title", "phone", "available", "notes")
EQUIPMENT_FIELDS = ("jurisdiction", "station", "team", "code", "name", "kind", "count", "status", "plate_number",
                    "last_maintained_on", "next_maintenance_on")
FACILITY_FIELDS = ("jurisdiction", "code", "name", "kind", "status", "address", "lon", "lat", "contact_phone",
                   "capacity", "area_m2", "supplies_on_site")



# ---------------------------------------------------------------- shared machinery
def _assign(obj: models.Model, fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    refuse_unknown_fields(fields, allowed)
    for key, value in fields.items():
        if value is None and key not in _NULLABLE:
            # An empty optional cell or JSON null means "blank" for text and lists.
            field = obj._meta.get_field(key)
            if isinstance(field, models.JSONField):
                value = []
            elif isinstance(field, models.CharField | models.FileField):
                value = ""
        setattr(obj, key, value)


_NULLABLE = {"jurisdiction", "station", "team", "user", "lon", "lat", "capacity", "area_m2", "issued_on",
             "expires_on", "last_maintained_on", "next_maintenance_on"}


def _full_clean(obj: models.Model, errors: dict[str, list[str]]) -> None:
    """Run the model's own validation (lengths, choices, unique and check
    constraints) and raise everything found at once, with our own errors."""
    try:
        # Our own messages are the clearer ones; the database constraints' own
        # messages would repeat them, so constraints are checked once ours pass.
        obj.full_clean(validate_constraints=not errors)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    if errors:
        raise ValidationError(errors)


def _check_move(actor: Any, obj: models.Model, old_path: str | None, new_path: str) -> None:
    """Moving a row into another jurisdiction needs the right to change rows there."""
    if old_path != new_path:
        ensure_in(actor, perm_name(type(obj), "change"), new_path)


def _delete(obj: models.Model, actor: Any) -> None:
    ensure(actor, "delete", obj)
    try:
        obj.delete()
    except models.ProtectedError as exc:
        raise ValidationError(_("%(name)s is still referenced by other records.") % {"name": obj}) from exc


def _check_choices(values: Iterable[str] | None, allowed: type[models.TextChoices], field: str,
                   errors: dict[str, list[str]]) -> list[str]:
    items = list(values or [])
    bad = [v for v in items if v not in allowed.values]
    if bad:
        errors.setdefault(field, []).append(_("Unknown values: %(values)s. Choose from: %(choices)s.") % {
            "values": "、".join(map(str, bad)), "choices": "、".join(str(label) for label in allowed.labels)})
    # Keep the declared order and drop duplicates, so a re-import compares equal.
    return [v for v in allowed.values if v in items]


def _check_location(jurisdiction: Jurisdiction | None, lon: float | None, lat: float | None,
                    errors: dict[str, list[str]]) -> None:
    """The one point rule (core.validators.check_point: WGS-84, inside the district's box, not
    swapped), then what only a located registry row adds: it lies inside its own jurisdiction."""
    if lon is None or lat is None:
        return
    try:
        check_point(lon, lat, bounds=area_bounds())
    except ValidationError as error:
        errors.setdefault("lon", []).extend(error.messages)
        return
    if jurisdiction is None or not jurisdiction.boundary:
        return
    try:
        area = shape(jurisdiction.boundary)
    except Exception:  # a malformed stored boundary is the jurisdiction's problem, not this row's
        return
    if not area.buffer(BOUNDARY_TOLERANCE).contains(Point(lon, lat)):
        errors.setdefault("lon", []).append(_("The location (%(lon).5f, %(lat).5f) lies outside %(name)s.") % {
            "lon": lon, "lat": lat, "name": jurisdiction.name})


def _check_level(jurisdiction: Jurisdiction | None, errors: dict[str, list[str]]) -> None:
    if jurisdiction is not None and jurisdiction.level == Level.CITY:
        errors.setdefault("jurisdiction", []).append(_("Choose a district, street, community or grid."))


def _require_jurisdiction(obj: models.Model) -> None:
    _require(obj.jurisdiction_id, "jurisdiction")  # type: ignore[attr-defined]


def _same_branch(inner: Jurisdiction, outer: Jurisdiction) -> bool:
    return inner.path.startswith(outer.path) or outer.path.startswith(inner.path)


# ---------------------------------------------------------------- stations
def _validate_station(station: Station) -> None:
    errors: dict[str, list[str]] = {}
    clean_into(station, {"phone": check_phone}, errors)
    _check_level(station.jurisdiction if station.jurisdiction_id else None, errors)
    station.services = _check_choices(station.services, Service, "services", errors)
    if not station.open_24h and not station.hours.strip():
        errors.setdefault("hours", []).append(_("Give the opening hours of a station that is not open 24/7."))
    if station.jurisdiction_id:
        _check_location(station.jurisdiction, station.lon, station.lat, errors)
    _full_clean(station, errors)


@transaction.atomic
def _require(value: Any, field: str) -> None:
    """A required owner missing from an API payload or form is a field error, not a crash."""
    if value is None:
        raise ValidationError({field: _("This field is required.")})


def create_station(*, actor: Any, jurisdiction: Jurisdiction, **fields: Any) -> Station:
    _require(jurisdiction, "jurisdiction")
    ensure_in(actor, "resources.add_station", jurisdiction.path)
    station = Station()
    _assign(station, {"jurisdiction": jurisdiction, **fields}, STATION_FIELDS)
    _validate_station(station)
    station.save()
    return station


@transaction.atomic
def update_station(station: Station, *, actor: Any, **fields: Any) -> Station:
    ensure(actor, "change", station)
    old_path = station.jurisdiction.path
    _assign(station, fields, STATION_FIELDS)
    _require_jurisdiction(station)
    _check_move(actor, station, old_path, station.jurisdiction.path)
    _validate_station(station)
    station.save()
    return station


@transaction.atomic
def delete_station(station: Station, *, actor: Any) -> None:
    _delete(station, actor)


# ---------------------------------------------------------------- teams
def _validate_team(team: Team) -> None:
    errors: dict[str, list[str]] = {}
    clean_into(team, {"contact_phone": check_phone}, errors)
    team.specialties = _check_choices(team.specialties, Specialty, "specialties", errors)
    if team.station_id is not None and team.jurisdiction_id is None:
        team.jurisdiction = team.station.jurisdiction
    _check_level(team.jurisdiction if team.jurisdiction_id else None, errors)
    if team.kind == TeamKind.STATION_TEAM and team.station_id is None:
        errors.setdefault("station", []).append(_("A station team needs its home station."))
    if team.station_id is not None and team.jurisdiction_id is not None and \
            not _same_branch(team.station.jurisdiction, team.jurisdiction):
        errors.setdefault("station", []).append(_("The home station %(station)s lies outside %(name)s.") % {
            "station": team.station.name, "name": team.jurisdiction.name})
    if (team.lon is None) != (team.lat is None):
        errors.setdefault("lon", []).append(_("Give both longitude and latitude, or neither."))
    else:
        _check_location(None, team.lon, team.lat, errors)
    _full_clean(team, errors)


@transaction.atomic
def create_team(*, actor: Any, jurisdiction: Jurisdiction | None = None, **fields: Any) -> Team:
    team = Team()
    _assign(team, {"jurisdiction": jurisdiction, **fields}, TEAM_FIELDS)
    if team.jurisdiction_id is None and team.station_id is None:
        raise ValidationError({"jurisdiction": _("Give the team's jurisdiction or its home station.")})
    if team.jurisdiction_id is None:
        team.jurisdiction = team.station.jurisdiction
    ensure_in(actor, "resources.add_team", team.jurisdiction.path)
    _validate_team(team)
    team.save()
    return team


@transaction.atomic
def update_team(team: Team, *, actor: Any, **fields: Any) -> Team:
    ensure(actor, "change", team)
    old_path = team.jurisdiction.path
    _assign(team, fields, TEAM_FIELDS)
    if team.jurisdiction_id is None:
        raise ValidationError({"jurisdiction": _("This field is required.")})
    _check_move(actor, team, old_path, team.jurisdiction.path)
    _validate_team(team)
    team.save()
    return team


@transaction.atomic
def set_team_status(team: Team, status: str, *, actor: Any) -> Team:
    """Available / on a call / off duty; incidents calls this on dispatch and release."""
    if status not in TeamStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    return update_team(team, actor=actor, status=status)


@transaction.atomic
def delete_team(team: Team, *, actor: Any) -> None:
    if team.members.exists():
        ensure(actor, "delete", team)
        raise ValidationError(_("%(name)s still has members; move or remove them first.") % {"name": team.name})
    _delete(team, actor)


# ---------------------------------------------------------------- members
def id_number_is_valid(number: str) -> bool:
    """A resident ID number core.validators.check_id_number accepts (region, birth date, check character)."""
    try:
        return bool(check_id_number(number))
    except ValidationError:
        return False


def _validate_member(member: Member, actor: Any) -> None:
    errors: dict[str, list[str]] = {}
    # Call-outs reach members by SMS: their number is a mobile.
    clean_into(member, {"phone": check_mobile, "id_number": check_id_number}, errors)
    if member.team_id is not None and member.team_role == TeamRole.CAPTAIN:
        other = Member.objects.filter(team_id=member.team_id, team_role=TeamRole.CAPTAIN).exclude(pk=member.pk).first()
        if other is not None:
            errors.setdefault("team_role", []).append(_("%(team)s already has a captain: %(name)s.") % {
                "team": member.team.name, "name": other.name})
    if member.user_id is not None:

        if not users_visible_to(actor).filter(pk=member.user_id).exists():
            errors.setdefault("user", []).append(_("No such user account in your area."))
    if not isinstance(member.skills, list) or not all(isinstance(s, str) for s in member.skills):
        errors.setdefault("skills", []).append(_("Must be a list."))
    else:
        member.skills = [s.strip() for s in member.skills if s.strip()]
    _full_clean(member, errors)


@transaction.atomic
def create_member(*, actor: Any, team: Team, **fields: Any) -> Member:
    _require(team, "team")
    ensure_in(actor, "resources.add_member", team.jurisdiction.path)
    member = Member()
    _assign(member, {"team": team, **fields}, MEMBER_FIELDS)
    _validate_member(member, actor)
    member.save()
    return member


@transaction.atomic
def update_member(member: Member, *, actor: Any, **fields: Any) -> Member:
    ensure(actor, "change", member)
    old_path = member.team.jurisdiction.path
    _assign(member, fields, MEMBER_FIELDS)
    if member.team_id is None:
        raise ValidationError({"team": _("This field is required.")})
    _check_move(actor, member, old_path, member.team.jurisdiction.path)
    _validate_member(member, actor)
    member.save()
    return member


@transaction.atomic
def delete_member(member: Member, *, actor: Any) -> None:
    _delete(member, actor)


# ---------------------------------------------------------------- certificates
def _validate_certificate(certificate: MemberCertificate) -> None:
    errors: dict[str, list[str]] = {}
    past_dates_into(certificate, ("issued_on",), errors)
    # The two constraints' rules, under the field each is about (the constraints alone say it of the row).
    issued, expires = certificate.issued_on, certificate.expires_on
    if isinstance(issued, datetime.date) and isinstance(expires, datetime.date) and expires < issued:
        errors.setdefault("expires_on", []).append(_("A certificate cannot expire before it is issued."))
    if MemberCertificate.objects.filter(member_id=certificate.member_id, kind=certificate.kind) \
            .exclude(pk=certificate.pk).exists():
        errors.setdefault("kind", []).append(_("This member already holds this certificate."))
    _full_clean(certificate, errors)


@transaction.atomic
def add_certificate(*, actor: Any, member: Member, **fields: Any) -> MemberCertificate:
    ensure(actor, "change", member)
    certificate = MemberCertificate(member=member)
    _assign(certificate, fields, CERTIFICATE_FIELDS)
    _validate_certificate(certificate)
    certificate.save()
    return certificate


@transaction.atomic
def update_certificate(certificate: MemberCertificate, *, actor: Any, **fields: Any) -> MemberCertificate:
    ensure(actor, "change", certificate.member)
    _assign(certificate, fields, CERTIFICATE_FIELDS)
    _validate_certificate(certificate)
    certificate.save()
    return certificate


@transaction.atomic
def delete_certificate(certificate: MemberCertificate, *, actor: Any) -> None:
    ensure(actor, "change", certificate.member)
    certificate.delete()


@transaction.atomic
def set_certificates(member: Member, certificates: dict[str, datetime.date | None], *, actor: Any) -> None:
    """Make a member's certificates exactly {kind: expiry}: the member sheet's import uses this.

    Unchanged certificates are left alone, so a re-import writes nothing.
    """
    ensure(actor, "change", member)
    bad = [kind for kind in certificates if kind not in CertificateKind.values]
    if bad:
        raise ValidationError({"certificates": _("Unknown certificate: %(kind)s.") % {"kind": bad[0]}})
    current = {c.kind: c for c in member.certificates.all()}
    for kind, certificate in current.items():
        if kind not in certificates:
            delete_certificate(certificate, actor=actor)
    for kind, expires_on in certificates.items():
        existing = current.get(kind)
        if existing is None:
            add_certificate(actor=actor, member=member, kind=kind, expires_on=expires_on)
        elif existing.expires_on != expires_on:
            update_certificate(existing, actor=actor, expires_on=expires_on)


# ---------------------------------------------------------------- experts
def _validate_expert(expert: Expert) -> None:
    errors: dict[str, list[str]] = {}
    clean_into(expert, {"phone": check_phone}, errors)
    _check_level(expert.jurisdiction if expert.jurisdiction_id else None, errors)
    _full_clean(expert, errors)


@transaction.atomic
def create_expert(*, actor: Any, jurisdiction: Jurisdiction, **fields: Any) -> Expert:
    _require(jurisdiction, "jurisdiction")
    ensure_in(actor, "resources.add_expert", jurisdiction.path)
    expert = Expert()
    _assign(expert, {"jurisdiction": jurisdiction, **fields}, EXPERT_FIELDS)
    _validate_expert(expert)
    expert.save()
    return expert


@transaction.atomic
def update_expert(expert: Expert, *, actor: Any, **fields: Any) -> Expert:
    ensure(actor, "change", expert)
    old_path = expert.jurisdiction.path
    _assign(expert, fields, EXPERT_FIELDS)
    _require_jurisdiction(expert)
    _check_move(actor, expert, old_path, expert.jurisdiction.path)
    _validate_expert(expert)
    expert.save()
    return expert


@transaction.atomic
def delete_expert(expert: Expert, *, actor: Any) -> None:
    _delete(expert, actor)


# ---------------------------------------------------------------- vehicles and equipment
def _validate_equipment(item: Equipment) -> None:
    errors: dict[str, list[str]] = {}
    if item.jurisdiction_id is None:
        owner = item.station if item.station_id else (item.team if item.team_id else None)
        if owner is None:
            raise ValidationError({"jurisdiction": _("Give the jurisdiction, the home station or the team.")})
        item.jurisdiction = owner.jurisdiction
    _check_level(item.jurisdiction, errors)
    for name, owner in (("station", item.station if item.station_id else None),
                        ("team", item.team if item.team_id else None)):
        if owner is not None and not _same_branch(owner.jurisdiction, item.jurisdiction):
            errors.setdefault(name, []).append(_("%(owner)s lies outside %(name)s.") % {
                "owner": owner.name, "name": item.jurisdiction.name})
    past_dates_into(item, ("last_maintained_on",), errors)
    if item.last_maintained_on and item.next_maintenance_on and item.next_maintenance_on < item.last_maintained_on:
        errors.setdefault("next_maintenance_on", []).append(
            _("The next maintenance cannot come before the last one."))
    _full_clean(item, errors)


@transaction.atomic
def create_equipment(*, actor: Any, jurisdiction: Jurisdiction | None = None, **fields: Any) -> Equipment:
    item = Equipment()
    _assign(item, {"jurisdiction": jurisdiction, **fields}, EQUIPMENT_FIELDS)
    _validate_equipment(item)
    ensure_in(actor, "resources.add_equipment", item.jurisdiction.path)
    item.save()
    return item


@transaction.atomic
def update_equipment(item: Equipment, *, actor: Any, **fields: Any) -> Equipment:
    ensure(actor, "change", item)
    old_path = item.jurisdiction.path
    _assign(item, fields, EQUIPMENT_FIELDS)
    _validate_equipment(item)
    _check_move(actor, item, old_path, item.jurisdiction.path)
    item.save()
    return item


@transaction.atomic
def record_maintenance(item: Equipment, *, actor: Any, on: datetime.date,
                       next_on: datetime.date | None) -> Equipment:
    """A maintenance was done: move the dates on (the overdue highlight goes away)."""
    return update_equipment(item, actor=actor, last_maintained_on=on, next_maintenance_on=next_on)


@transaction.atomic
def delete_equipment(item: Equipment, *, actor: Any) -> None:
    _delete(item, actor)


# ---------------------------------------------------------------- facilities
def _validate_facility(facility: Facility) -> None:
    errors: dict[str, list[str]] = {}
    clean_into(facility, {"contact_phone": check_phone}, errors)
    _check_level(facility.jurisdiction if facility.jurisdiction_id else None, errors)
    if facility.kind != FacilityKind.SHELTER:
        for name in ("capacity", "supplies_on_site"):
            if getattr(facility, name) not in (None, ""):
                errors.setdefault(name, []).append(_("Only shelters have this."))
        if facility.area_m2 is not None and facility.kind != FacilityKind.HELIPAD:
            errors.setdefault("area_m2", []).append(_("Only shelters and landing points have an area."))
    elif not facility.capacity:
        errors.setdefault("capacity", []).append(_("Give how many people the shelter holds."))
    if facility.jurisdiction_id:
        _check_location(facility.jurisdiction, facility.lon, facility.lat, errors)
    _full_clean(facility, errors)


@transaction.atomic
def create_facility(*, actor: Any, jurisdiction: Jurisdiction, **fields: Any) -> Facility:
    _require(jurisdiction, "jurisdiction")
    ensure_in(actor, "resources.add_facility", jurisdiction.path)
    facility = Facility()
    _assign(facility, {"jurisdiction": jurisdiction, **fields}, FACILITY_FIELDS)
    _validate_facility(facility)
    facility.save()
    return facility


@transaction.atomic
def update_facility(facility: Facility, *, actor: Any, **fields: Any) -> Facility:
    ensure(actor, "change", facility)
    old_path = facility.jurisdiction.path
    _assign(facility, fields, FACILITY_FIELDS)
    _require_jurisdiction(facility)
    _check_move(actor, facility, old_path, facility.jurisdiction.path)
    _validate_facility(facility)
    facility.save()
    return facility


@transaction.atomic
def delete_facility(facility: Facility, *, actor: Any) -> None:
    _delete(facility, actor)
