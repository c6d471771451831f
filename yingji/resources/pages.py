"""What the registry's pages show for each ledger: filters, related rows, facts.

views.py serves every ledger with the same list/detail/form/import views and
reads the differences from the `LedgerPage` entries here; urls.py names every
URL explicitly.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.masking import id_number_for, phone_for
from yingji.core.scope import object_path
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources import forms, rules, services
from yingji.resources.imports import (
    EquipmentTable,
    ExpertTable,
    FacilityTable,
    MemberTable,
    StationTable,
    TeamTable,
)
from yingji.resources.models import (
    Equipment,
    EquipmentKind,
    EquipmentStatus,
    Expert,
    ExpertField,
    Facility,
    FacilityKind,
    FacilityStatus,
    Member,
    Service,
    Specialty,
    Station,
    StationKind,
    Team,
    TeamKind,
    TeamRole,
    TeamStatus,
)


@dataclass(frozen=True)
class Filter:
    """A select above a list: `?name=value` narrows rows with `lookup=value`."""

    name: str
    label: Any
    choices: Any
    lookup: str = ""
    func: Callable[[models.QuerySet, str], models.QuerySet] | None = None

    def apply(self, rows: models.QuerySet, value: str) -> models.QuerySet:
        values = {str(v) for v, _label in self.choices}
        if value not in values:
            return rows
        if self.func is not None:
            return self.func(rows, value)
        if self.lookup == "bool":
            return rows.filter(**{self.name: value == "1"})
        return rows.filter(**{self.lookup or self.name: value})


YES_NO = [("1", gettext_lazy("Yes")), ("0", gettext_lazy("No"))]


@dataclass(frozen=True)
class LedgerPage:
    key: str  # "stations": the URL segment and the API ledger
    prefix: str  # "station": URL names are station_list, station_detail…
    model: type[models.Model]
    form: type[forms.ScopedForm]
    table: type
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    title: Any
    search: tuple[str, ...]
    related: tuple[str, ...]
    filters: tuple[Filter, ...] = ()
    prefetch: tuple[str, ...] = ()
    # Extra context of the detail page (related rows, checks); facts are the field list.
    detail: Callable[[Any, Any], dict[str, Any]] | None = None
    facts: tuple[str, ...] = field(default=())
    has_location: bool = False

    @property
    def verbose_name(self) -> Any:
        return self.model._meta.verbose_name


# ---------------------------------------------------------------- facts of a row
def display(obj: models.Model, name: str, user: Any) -> Any:
    """A field's value as shown on a detail page (labels, yes/no, masked numbers)."""
    value = getattr(obj, name)
    if name in ("phone", "contact_phone") and not isinstance(obj, Station | Facility):
        return phone_for(user, value, object_path(obj))
    if name == "id_number":
        return id_number_for(user, value, object_path(obj))
    model_field = obj._meta.get_field(name)
    if model_field.choices:
        return getattr(obj, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "services":
        return "、".join(str(Service(v).label) for v in value if v in Service.values)
    if name == "specialties":
        return "、".join(str(Specialty(v).label) for v in value if v in Specialty.values)
    if isinstance(value, list):
        return "、".join(map(str, value))
    if value in (None, ""):
        return "—"
    return value


DETAIL_URLS = {"team": "resources:team_detail", "station": "resources:station_detail"}


def facts(obj: models.Model, names: tuple[str, ...], user: Any) -> list[tuple[Any, Any, str]]:
    """(label, shown value, link) of each field of a detail page."""
    rows = []
    for name in names:
        url = ""
        related_id = getattr(obj, f"{name}_id", None)
        if name in DETAIL_URLS and related_id:
            url = reverse(DETAIL_URLS[name], args=[related_id])
        elif name == "jurisdiction" and related_id:
            url = reverse("jurisdictions:detail", args=[obj.jurisdiction.code])  # type: ignore[attr-defined]
        rows.append((obj._meta.get_field(name).verbose_name, display(obj, name, user), url))
    return rows


# ---------------------------------------------------------------- detail contexts
def _station_detail(station: Station, user: Any) -> dict[str, Any]:
    teams = (Team.objects.visible_to(user).filter(station=station).annotate(n_members=Count("members"))
             .order_by("code"))
    return {"check": rules.station_check(station), "teams": teams,
            "equipment": Equipment.objects.visible_to(user).filter(station=station).order_by("kind", "code")}


def _team_detail(team: Team, user: Any) -> dict[str, Any]:
    members = list(Member.objects.visible_to(user).filter(team=team).select_related("team__jurisdiction", "user")
                   .annotate(n_certs=Count("certificates")))
    role_order = {role: i for i, role in enumerate(TeamRole.values)}
    members.sort(key=lambda m: (role_order.get(m.team_role, 9), m.pk))
    leaders = [(TeamRole(role).label, [m.name for m in members if m.team_role == role])
               for role in TeamRole.values if role != TeamRole.MEMBER]
    # A station team uses its station's vehicles and equipment.
    owned = Q(team=team) | Q(station_id=team.station_id) if team.station_id else Q(team=team)
    return {"members": members, "leaders": leaders,
            "on_duty": sum(1 for m in members if m.on_duty),
            "certified": sum(1 for m in members if m.n_certs),
            "equipment": Equipment.objects.visible_to(user).filter(owned).order_by("kind", "code")}


def _member_detail(member: Member, user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {"certificates": member.certificates.order_by("kind"), "today": today,
            "soon": rules.expiry_limit(today), "certificate_form": forms.CertificateForm()}


def _equipment_detail(item: Equipment, user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    interval = 180 if item.is_vehicle else 365
    return {"overdue": item.maintenance_overdue(),
            "maintenance_form": forms.MaintenanceForm(initial={
                "on": today, "next_on": today + datetime.timedelta(days=interval)})}


def jurisdiction_choices(user: Any) -> list[tuple[str, str]]:
    """Streets and communities the user sees, for the jurisdiction filter of every list."""
    rows = (Jurisdiction.objects.visible_to(user).filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY])
            .order_by("path").values_list("code", "name", "depth"))
    top = min((depth for _code, _name, depth in rows), default=0)
    return [(code, f"{'　' * (depth - top)}{name}") for code, name, depth in rows]


def overdue_filter(rows: models.QuerySet, value: str) -> models.QuerySet:
    today = timezone.localdate()
    if value == "overdue":
        return rows.filter(next_maintenance_on__lt=today)
    if value == "soon":
        return rows.filter(next_maintenance_on__lte=today + datetime.timedelta(days=rules.EXPIRY_WINDOW_DAYS))
    return rows


MAINTENANCE_CHOICES = [("overdue", gettext_lazy("Maintenance overdue")),
                       ("soon", gettext_lazy("Maintenance due within 30 days"))]

PAGES: dict[str, LedgerPage] = {
    "stations": LedgerPage(
        "stations", "station", Station, forms.StationForm, StationTable,
        services.create_station, services.update_station, services.delete_station,
        title=gettext_lazy("Service stations"), search=("name", "code", "address"), related=("jurisdiction",),
        filters=(Filter("kind", gettext_lazy("All types"), StationKind.choices),
                 Filter("is_active", gettext_lazy("In service?"), YES_NO, "bool")),
        detail=_station_detail, has_location=True,
        facts=("code", "kind", "jurisdiction", "address", "phone", "open_24h", "hours", "services", "is_active"),
    ),
    "teams": LedgerPage(
        "teams", "team", Team, forms.TeamForm, TeamTable,
        services.create_team, services.update_team, services.delete_team,
        title=gettext_lazy("Teams"), search=("name", "code", "contact_name"), related=("jurisdiction", "station"),
        filters=(Filter("kind", gettext_lazy("All types"), TeamKind.choices),
                 Filter("status", gettext_lazy("All statuses"), TeamStatus.choices)),
        detail=_team_detail,
        facts=("code", "kind", "jurisdiction", "station", "specialties", "status", "contact_name", "contact_phone"),
    ),
    "members": LedgerPage(
        "members", "member", Member, forms.MemberForm, MemberTable,
        services.create_member, services.update_member, services.delete_member,
        title=gettext_lazy("Team members"), search=("name", "team__name", "team__code"),
        related=("team__jurisdiction", "user"),
        filters=(Filter("team_role", gettext_lazy("All roles"), TeamRole.choices),
                 Filter("on_duty", gettext_lazy("On duty?"), YES_NO, "bool")),
        detail=_member_detail,
        facts=("team", "team_role", "phone", "id_number", "skills", "training_hours", "on_duty", "user"),
    ),
    "experts": LedgerPage(
        "experts", "expert", Expert, forms.ExpertForm, ExpertTable,
        services.create_expert, services.update_expert, services.delete_expert,
        title=gettext_lazy("Experts"), search=("name", "code", "organisation"), related=("jurisdiction",),
        filters=(Filter("field", gettext_lazy("All fields"), ExpertField.choices),
                 Filter("available", gettext_lazy("Available?"), YES_NO, "bool")),
        facts=("code", "field", "jurisdiction", "organisation", "title", "phone", "available", "notes"),
    ),
    "equipment": LedgerPage(
        "equipment", "equipment", Equipment, forms.EquipmentForm, EquipmentTable,
        services.create_equipment, services.update_equipment, services.delete_equipment,
        title=gettext_lazy("Vehicles and equipment"), search=("name", "code", "plate_number"),
        related=("jurisdiction", "station", "team"),
        filters=(Filter("kind", gettext_lazy("All types"), EquipmentKind.choices),
                 Filter("status", gettext_lazy("All statuses"), EquipmentStatus.choices),
                 Filter("maintenance", gettext_lazy("Any maintenance date"), MAINTENANCE_CHOICES,
                        func=overdue_filter)),
        detail=_equipment_detail,
        facts=("code", "kind", "jurisdiction", "station", "team", "count", "status", "plate_number",
               "last_maintained_on", "next_maintenance_on"),
    ),
    "facilities": LedgerPage(
        "facilities", "facility", Facility, forms.FacilityForm, FacilityTable,
        services.create_facility, services.update_facility, services.delete_facility,
        title=gettext_lazy("Facilities"), search=("name", "code", "address"), related=("jurisdiction",),
        filters=(Filter("kind", gettext_lazy("All types"), FacilityKind.choices),
                 Filter("status", gettext_lazy("All statuses"), FacilityStatus.choices)),
        has_location=True,
        facts=("code", "kind", "status", "jurisdiction", "address", "contact_phone", "capacity", "area_m2",
               "supplies_on_site"),
    ),
}

