"""The registry's ledgers as tables (Excel/CSV in and out), one TableSpec each.

Every row is written through services.py, so imports obey the same rules and
scope as the forms and the API. Foreign keys are given by code (jurisdiction,
station, team) and looked up among the rows the importing user may see.
"""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from yingji.accounts.services import users_visible_to
from yingji.core.masking import mask, phone_for
from yingji.core.scope import object_path
from yingji.core.tabular import (
    CellError,
    Column,
    Parser,
    TableSpec,
    _cell_text,
    boolean,
    date,
    integer,
    number,
    render,
    text,
)
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources import services
from yingji.resources.models import (
    CertificateKind,
    Equipment,
    EquipmentKind,
    EquipmentStatus,
    Expert,
    ExpertField,
    Facility,
    FacilityKind,
    FacilityStatus,
    Member,
    MemberCertificate,
    Service,
    Specialty,
    Station,
    StationKind,
    Team,
    TeamKind,
    TeamRole,
    TeamStatus,
)

LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
LIST_JOINER = "、"
# Columns whose empty cell means "the default / leave as it is" rather than "blank".
KEEP_WHEN_EMPTY = frozenset({"open_24h", "is_active", "on_duty", "available", "count", "training_hours", "status",
                             "team_role"})


# ---------------------------------------------------------------- parsers of list cells
def _label_lookup(choices: type[models.Choices]) -> dict[str, str]:
    names: dict[str, str] = {}
    for value, label in choices.choices:
        names[str(value).lower()] = value
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                names[str(label).strip().lower()] = value
    return names


def choice_list(choices: type[models.Choices]) -> Parser:
    """"救援、开门" or "rescue, door_opening" -> ["rescue", "door_opening"] (labels in any language)."""

    def parse(raw: str) -> list[str]:
        names = _label_lookup(choices)
        values = []
        for item in LIST_SEPARATORS.split(raw):
            item = item.strip()
            if not item:
                continue
            if item.lower() not in names:
                raise CellError(_("Unknown value “%(value)s”. Choose from: %(choices)s.") % {
                    "value": item, "choices": LIST_JOINER.join(str(label) for label in choices.labels)})
            values.append(names[item.lower()])
        return [v for v in choices.values if v in values]
    return parse


def text_list() -> Parser:
    def parse(raw: str) -> list[str]:
        return [item.strip() for item in LIST_SEPARATORS.split(raw) if item.strip()]
    return parse


def certificate_list() -> Parser:
    """"急救:2026-05-01、心肺复苏/AED:2027-01-01" -> {"first_aid": date, "cpr_aed": date}."""
    names = None
    parse_date = date()

    def parse(raw: str) -> dict[str, Any]:
        nonlocal names
        names = names or _label_lookup(CertificateKind)
        result: dict[str, Any] = {}
        for item in LIST_SEPARATORS.split(raw):
            item = item.strip()
            if not item:
                continue
            label, _sep, when = item.replace("：", ":").partition(":")
            kind = names.get(label.strip().lower())
            if kind is None:
                raise CellError(_("Unknown certificate “%(value)s”. Choose from: %(choices)s.") % {
                    "value": label.strip(), "choices": LIST_JOINER.join(str(x) for x in CertificateKind.labels)})
            result[kind] = parse_date(when.strip()) if when.strip() else None
        return result
    return parse


def labels(choices: type[models.Choices], values: list[str]) -> str:
    return LIST_JOINER.join(str(choices(v).label) for v in values if v in choices.values)


def _certificates_cell(held: list[tuple[str, Any]], names: dict[str, str] | None = None) -> str:
    """"急救:2026-05-01、…" of (kind, expires on) pairs; `names`: the kinds' labels, looked up once per export."""
    items = []
    for kind, expires_on in sorted(held, key=lambda item: item[0]):
        label = names[kind] if names is not None else str(CertificateKind(kind).label)
        items.append(f"{label}:{expires_on.isoformat()}" if expires_on else label)
    return LIST_JOINER.join(items)


def _reader(column: Column) -> Any:
    """`column.value_of` for one export, in the active language: choice labels and Yes/No looked up once,
    not per cell (8,400 members × 10 columns asked the translation catalogue ~18,000 times)."""
    get = column.get or attrgetter(column.field)
    if column.choices is not None:
        names = {value: str(label) for value, label in column.choices.choices}

        def label(obj: Any) -> Any:
            value = get(obj)
            return names[value] if value not in (None, "") else render(value)
        return label
    yes, no = _("Yes"), _("No")

    def read(obj: Any) -> Any:
        value = get(obj)
        if value is True or value is False:
            return yes if value else no
        return render(value)
    return read


def certificates_text(member: Member) -> str:
    return _certificates_cell([(c.kind, c.expires_on) for c in member.certificates.all()])


# ---------------------------------------------------------------- shared base
class RegistryTable(TableSpec):
    """A TableSpec whose computed columns (codes of related rows, lists) also
    take part in the "unchanged" check, so a re-import of an export writes nothing."""

    def __init__(self, user: Any) -> None:
        super().__init__(user)
        self._cache: dict[tuple[str, str], Any] = {}

    def has_changes(self, existing: Any, values: dict[str, Any]) -> bool:
        # An empty cell of a column with a default keeps the current value (see `given`).
        values = {k: v for k, v in values.items() if not (k in KEEP_WHEN_EMPTY and v in (None, ""))}
        for column in self.columns:
            if column.get is None or column.field not in values:
                continue
            raw = _cell_text(column.value_of(existing)).strip()
            current = column.parse(raw) if raw else None  # type: ignore[misc]
            if (current or None) != (values[column.field] or None):
                return True
        return super().has_changes(existing, values)

    def find_existing(self, values: dict[str, Any]) -> Any | None:
        """The row with this natural key; one the user cannot see is refused (not updated, not duplicated)."""
        existing = super().find_existing(values)
        if existing is not None and not self.model.objects.visible_to(self.user).filter(  # type: ignore[attr-defined]
                pk=existing.pk).exists():
            raise Http404
        return existing

    def _lookup(self, model: type[models.Model], code: str | None, field: str) -> Any:
        """A row by code among those the importing user can see; a clear error otherwise."""
        if not code:
            return None
        key = (model.__name__, code)
        if key not in self._cache:
            self._cache[key] = model.objects.visible_to(self.user).filter(code=code).first()  # type: ignore[attr-defined]
        found = self._cache[key]
        if found is None:
            raise ValidationError({field: _("No %(what)s with code %(code)s in your area.") % {
                "what": model._meta.verbose_name, "code": code}})
        return found

    def jurisdiction(self, values: dict[str, Any]) -> Jurisdiction | None:
        return self._lookup(Jurisdiction, values.get("jurisdiction"), "jurisdiction")

    @staticmethod
    def given(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
        """Values of the columns present in the file; an empty boolean cell keeps the default."""
        out = {}
        for name in names:
            if name not in values:
                continue
            if name in KEEP_WHEN_EMPTY and values[name] in (None, ""):
                continue
            out[name] = values[name]
        return out


def _code(attr: str) -> Any:
    def get(obj: Any) -> str:
        related = getattr(obj, attr)
        return related.code if related is not None else ""
    return get


# ---------------------------------------------------------------- the ledgers
class StationTable(RegistryTable):
    model = Station
    title = gettext_lazy("Service stations")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Station code"), required=True, parse=text(32), width=16),
        Column("name", gettext_lazy("Station name"), required=True, parse=text(120), width=28),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, parse=text(20),
               get=_code("jurisdiction"), width=16),
        Column("kind", gettext_lazy("Station type"), required=True, choices=StationKind, width=18),
        Column("address", gettext_lazy("Address"), parse=text(200), width=30),
        Column("lon", gettext_lazy("Longitude"), required=True, parse=number(-180, 180), width=12),
        Column("lat", gettext_lazy("Latitude"), required=True, parse=number(-90, 90), width=12),
        Column("phone", gettext_lazy("Phone"), parse=text(30)),
        Column("open_24h", gettext_lazy("Open 24/7"), parse=boolean(), width=10),
        Column("hours", gettext_lazy("Opening hours"), parse=text(100)),
        Column("services", gettext_lazy("Services offered"), parse=choice_list(Service),
               get=lambda s: labels(Service, s.services), width=40),
        Column("is_active", gettext_lazy("In service"), parse=boolean(), width=10),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return Station.objects.restrict(self.user, "export").select_related("jurisdiction").order_by("code")

    def save_row(self, values: dict[str, Any], existing: Station | None) -> Station:
        fields = self.given(values, ("code", "name", "kind", "address", "lon", "lat", "phone", "open_24h", "hours",
                                     "services", "is_active"))
        fields["jurisdiction"] = self.jurisdiction(values)
        if existing is None:
            return services.create_station(actor=self.user, **fields)
        return services.update_station(existing, actor=self.user, **fields)


class TeamTable(RegistryTable):
    model = Team
    title = gettext_lazy("Teams")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Team code"), required=True, parse=text(32), width=16),
        Column("name", gettext_lazy("Team name"), required=True, parse=text(120), width=28),
        Column("kind", gettext_lazy("Team type"), required=True, choices=TeamKind, width=18),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), parse=text(20), get=_code("jurisdiction"),
               width=16),
        Column("station", gettext_lazy("Home station code"), parse=text(32), get=_code("station")),
        Column("specialties", gettext_lazy("Specialties"), parse=choice_list(Specialty),
               get=lambda t: labels(Specialty, t.specialties), width=30),
        Column("status", gettext_lazy("Status"), choices=TeamStatus, width=10),
        Column("contact_name", gettext_lazy("Contact person"), parse=text(50)),
        Column("contact_phone", gettext_lazy("Contact phone"), parse=text(30)),
        Column("lon", gettext_lazy("Longitude"), parse=number(-180, 180), width=12),
        Column("lat", gettext_lazy("Latitude"), parse=number(-90, 90), width=12),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return Team.objects.restrict(self.user, "export").select_related("jurisdiction", "station").order_by("code")

    def save_row(self, values: dict[str, Any], existing: Team | None) -> Team:
        fields = self.given(values, ("code", "name", "kind", "specialties", "status", "contact_name",
                                     "contact_phone", "lon", "lat"))
        fields["station"] = self._lookup(Station, values.get("station"), "station")
        jurisdiction = self.jurisdiction(values)
        if jurisdiction is not None or existing is None:
            fields["jurisdiction"] = jurisdiction
        if existing is None:
            return services.create_team(actor=self.user, **fields)
        return services.update_team(existing, actor=self.user, **fields)


class MemberTable(RegistryTable):
    """Members, matched on re-import by team and ID number (or team and name
    when the ID number is not known); certificates ride along in one cell."""

    model = Member
    title = gettext_lazy("Team members")
    natural_key = ("team", "id_number")
    columns = [
        Column("team", gettext_lazy("Team code"), required=True, parse=text(32), get=_code("team")),
        Column("name", pgettext_lazy("person", "Name"), required=True, parse=text(50), width=12),
        Column("phone", gettext_lazy("Mobile phone"), parse=text(20), width=14),
        Column("id_number", gettext_lazy("ID number"), parse=text(18), width=22),
        Column("team_role", gettext_lazy("Team role"), choices=TeamRole, width=12),
        Column("skills", gettext_lazy("Skills"), parse=text_list(), get=lambda m: LIST_JOINER.join(m.skills),
               width=24),
        Column("certificates", gettext_lazy("Certificates (type:expiry)"), parse=certificate_list(),
               get=certificates_text, width=40),
        Column("training_hours", gettext_lazy("Training hours this year"), parse=integer(0), width=10),
        Column("on_duty", gettext_lazy("On duty"), parse=boolean(), width=8),
        Column("user", gettext_lazy("User account"), parse=text(150),
               get=lambda m: m.user.username if m.user_id else ""),
    ]

    export_fields = ("pk", "team__code", "name", "phone", "id_number", "team_role", "skills", "training_hours",
                     "on_duty", "user_id", "user__username", "team__jurisdiction__path")

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return (Member.objects.restrict(self.user, "export").select_related("team__jurisdiction", "user")
                .order_by("team__code", "name", "pk"))

    def rows(self, objects):  # type: ignore[no-untyped-def]
        members = list(objects)
        # Certificates of all members in one query of plain tuples (a district exports 8,400 members).
        held: dict[int, list[tuple[str, Any]]] = {}
        for member_id, kind, expires_on in (MemberCertificate.objects.filter(member__in=[m.pk for m in members])
                                            .order_by("kind").values_list("member_id", "kind", "expires_on")):
            held.setdefault(member_id, []).append((kind, expires_on))
        index = {column.field: i for i, column in enumerate(self.columns)}
        readers = [_reader(column) for column in self.columns if column.field != "certificates"]
        names = {value: str(label) for value, label in CertificateKind.choices}
        for member in members:
            row = [read(member) for read in readers]
            row.insert(index["certificates"], _certificates_cell(held.get(member.pk, []), names))
            # Someone without the personal-data permission (an auditor) gets masked numbers: the one
            # gate, asked once per jurisdiction.
            path = object_path(member)
            row[index["phone"]] = self.viewer.value(Member, "phone", member.phone or "", path)
            row[index["id_number"]] = self.viewer.value(Member, "id_number", member.id_number or "", path)
            yield row

    def find_existing(self, values: dict[str, Any]) -> Member | None:
        in_team = self._members_of(values.get("team") or "")
        if in_team is None:
            return None  # save_row then names the unknown team
        id_number = (values.get("id_number") or "").strip().upper()
        if id_number:
            found = next((m for m in in_team if m.id_number == id_number), None)
            if found is None and "*" in id_number:
                # Their own masked export read back by someone who sees numbers masked (core.masking):
                # the one member whose number masks the same; the stored number is then kept.
                same = [m for m in in_team if m.id_number and not self.viewer.may_see(object_path(m))
                        and mask("id_number", m.id_number) == id_number]
                found = same[0] if len(same) == 1 else None
            if found is not None:
                return found
        same_name = [m for m in in_team if m.name == (values.get("name") or "") and m.id_number in ("", id_number)]
        return same_name[0] if len(same_name) == 1 else None

    def _members_of(self, team_code: str) -> list[Member] | None:
        """A visible team's members with their certificates, loaded once per team and import
        (a district's file has 8,400 rows: one query per row would take minutes)."""
        cache: dict[str, list[Member] | None] = self.__dict__.setdefault("_members_cache", {})
        if team_code not in cache:
            team = Team.objects.visible_to(self.user).filter(code=team_code).first()
            cache[team_code] = None if team is None else list(
                Member.objects.filter(team=team).select_related("team__jurisdiction", "user")
                .prefetch_related("certificates"))
        return cache[team_code]

    def save_row(self, values: dict[str, Any], existing: Member | None) -> Member:
        team = self._lookup(Team, values.get("team"), "team")
        fields = self.given(values, ("name", "phone", "id_number", "team_role", "skills", "training_hours",
                                     "on_duty"))
        fields["team"] = team
        if "user" in values:
            fields["user"] = self._user(values.get("user"))
        if existing is None:
            member = services.create_member(actor=self.user, **fields)
        else:
            member = services.update_member(existing, actor=self.user, **fields)
        if "certificates" in values:
            services.set_certificates(member, values["certificates"] or {}, actor=self.user)
        # The team's cached members are stale now (and so is the old team's, after a move).
        cache = self.__dict__.get("_members_cache", {})
        cache.pop(values.get("team") or "", None)
        if existing is not None:
            cache.pop(existing.team.code, None)
        return member

    def _user(self, username: str | None) -> Any:
        if not username:
            return None

        user = users_visible_to(self.user).filter(username=username).first()
        if user is None:
            raise ValidationError({"user": _("No user account %(name)s in your area.") % {"name": username}})
        return user


class ExpertTable(RegistryTable):
    model = Expert
    title = gettext_lazy("Experts")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Expert code"), required=True, parse=text(32)),
        Column("name", pgettext_lazy("person", "Name"), required=True, parse=text(50), width=12),
        Column("field", gettext_lazy("Field"), required=True, choices=ExpertField, width=20),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, parse=text(20),
               get=_code("jurisdiction")),
        Column("organisation", gettext_lazy("Organisation"), parse=text(120), width=28),
        Column("title", gettext_lazy("Professional title"), parse=text(50)),
        Column("phone", gettext_lazy("Mobile phone"), parse=text(20), width=14),
        Column("available", gettext_lazy("Available"), parse=boolean(), width=8),
        Column("notes", gettext_lazy("Notes"), parse=text(200), width=30),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return Expert.objects.restrict(self.user, "export").select_related("jurisdiction").order_by("code")

    def rows(self, objects):  # type: ignore[no-untyped-def]
        for expert in objects:
            row = [column.value_of(expert) for column in self.columns]
            row[6] = phone_for(self.user, expert.phone, object_path(expert))
            yield row

    def save_row(self, values: dict[str, Any], existing: Expert | None) -> Expert:
        fields = self.given(values, ("code", "name", "field", "organisation", "title", "phone", "available", "notes"))
        fields["jurisdiction"] = self.jurisdiction(values)
        if existing is None:
            return services.create_expert(actor=self.user, **fields)
        return services.update_expert(existing, actor=self.user, **fields)


class EquipmentTable(RegistryTable):
    model = Equipment
    title = gettext_lazy("Vehicles and equipment")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Equipment code"), required=True, parse=text(32)),
        Column("name", gettext_lazy("Name"), required=True, parse=text(120), width=24),
        Column("kind", gettext_lazy("Equipment type"), required=True, choices=EquipmentKind, width=18),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), parse=text(20), get=_code("jurisdiction")),
        Column("station", gettext_lazy("Home station code"), parse=text(32), get=_code("station")),
        Column("team", gettext_lazy("Team code"), parse=text(32), get=_code("team")),
        Column("count", gettext_lazy("Count"), parse=integer(1), width=8),
        Column("status", gettext_lazy("Status"), choices=EquipmentStatus, width=10),
        Column("plate_number", gettext_lazy("Plate number"), parse=text(20), width=12),
        Column("last_maintained_on", gettext_lazy("Last maintenance"), parse=date(), width=14),
        Column("next_maintenance_on", gettext_lazy("Next maintenance"), parse=date(), width=14),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return (Equipment.objects.restrict(self.user, "export").select_related("jurisdiction", "station", "team")
                .order_by("code"))

    def save_row(self, values: dict[str, Any], existing: Equipment | None) -> Equipment:
        fields = self.given(values, ("code", "name", "kind", "count", "status", "plate_number", "last_maintained_on",
                                     "next_maintenance_on"))
        fields["station"] = self._lookup(Station, values.get("station"), "station")
        fields["team"] = self._lookup(Team, values.get("team"), "team")
        jurisdiction = self.jurisdiction(values)
        if jurisdiction is not None or existing is None:
            fields["jurisdiction"] = jurisdiction
        if existing is None:
            return services.create_equipment(actor=self.user, **fields)
        return services.update_equipment(existing, actor=self.user, **fields)


class FacilityTable(RegistryTable):
    model = Facility
    title = gettext_lazy("Facilities")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Facility code"), required=True, parse=text(32)),
        Column("name", gettext_lazy("Name"), required=True, parse=text(120), width=26),
        Column("kind", gettext_lazy("Facility type"), required=True, choices=FacilityKind, width=16),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, parse=text(20),
               get=_code("jurisdiction")),
        Column("status", gettext_lazy("Status"), choices=FacilityStatus, width=10),
        Column("address", gettext_lazy("Address"), parse=text(200), width=30),
        Column("lon", gettext_lazy("Longitude"), required=True, parse=number(-180, 180), width=12),
        Column("lat", gettext_lazy("Latitude"), required=True, parse=number(-90, 90), width=12),
        Column("contact_phone", gettext_lazy("Contact phone"), parse=text(30)),
        Column("capacity", gettext_lazy("Capacity (people)"), parse=integer(0), width=10),
        Column("area_m2", gettext_lazy("Area (m²)"), parse=integer(0), width=10),
        Column("supplies_on_site", gettext_lazy("Supplies on site"), parse=text(300), width=30),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return Facility.objects.restrict(self.user, "export").select_related("jurisdiction").order_by("code")

    def save_row(self, values: dict[str, Any], existing: Facility | None) -> Facility:
        fields = self.given(values, ("code", "name", "kind", "status", "address", "lon", "lat", "contact_phone",
                                     "capacity", "area_m2", "supplies_on_site"))
        fields["jurisdiction"] = self.jurisdiction(values)
        if existing is None:
            return services.create_facility(actor=self.user, **fields)
        return services.update_facility(existing, actor=self.user, **fields)


TABLES: dict[str, type[RegistryTable]] = {
    "stations": StationTable, "teams": TeamTable, "members": MemberTable, "experts": ExpertTable,
    "equipment": EquipmentTable, "facilities": FacilityTable,
}
