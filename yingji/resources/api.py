"""API of the resources registry: /api/v1/resources/.

Every ledger answers the same set of routes (see `ledger_routes`):

    GET    /<ledger>/                 list, paginated, with the common and the ledger's filters
    POST   /<ledger>/                 create (201)
    GET    /<ledger>/{id}             one row
    PATCH  /<ledger>/{id}             change some fields
    DELETE /<ledger>/{id}             delete (204)
    GET    /<ledger>/{id}/history     the change log of the row
    GET    /<ledger>/export           the ledger as Excel
    GET    /<ledger>/template         an empty Excel template
    POST   /<ledger>/import           Excel/CSV import (all or nothing)

for <ledger> in stations, teams, members, experts, equipment, facilities;
plus the map layers, the staffing standard, the expiry lists, certificates,
team status and maintenance below. Incidents and coverage read these routes.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.accounts.services import users_visible_to
from yingji.core.api import (
    ErrorOut,
    ImportResultOut,
    ListFilters,
    Pagination,
    apply_list_filters,
    refuses,
    request_user,
)
from yingji.core.files import xlsx_response
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources import maps, rules, services
from yingji.resources.imports import TABLES
from yingji.resources.models import (
    Equipment,
    Expert,
    Facility,
    Member,
    MemberCertificate,
    Station,
    Team,
)
from yingji.resources.privacy import history_for
from yingji.resources.schemas import (
    CertificateIn,
    CertificateOut,
    CertificatePatch,
    EquipmentFilters,
    EquipmentIn,
    EquipmentMaintenanceIn,
    EquipmentOut,
    EquipmentPatch,
    ExpertFilters,
    ExpertIn,
    ExpertOut,
    ExpertPatch,
    FacilityFilters,
    FacilityIn,
    FacilityOut,
    FacilityPatch,
    MemberFilters,
    MemberIn,
    MemberOut,
    MemberPatch,
    StaffingOut,
    StationFilters,
    StationIn,
    StationOut,
    StationPatch,
    TeamFilters,
    TeamIn,
    TeamOut,
    TeamPatch,
    TeamStatusIn,
)

router = Router(tags=["resources"])


# ---------------------------------------------------------------- codes in payloads
def _by_code(request: HttpRequest, model: type[models.Model], code: str | None, field: str) -> Any:
    """The row with `code` among those the caller sees, or a 422 naming the field."""
    if not code:
        return None
    found = model.objects.visible_to(request_user(request)).filter(code=code).first()  # type: ignore[attr-defined]
    if found is None:
        raise ValidationError({field: _("No %(what)s with code %(code)s in your area.") % {
            "what": model._meta.verbose_name, "code": code}})
    return found


CODE_FIELDS: dict[str, tuple[str, type[models.Model]]] = {
    "jurisdiction_code": ("jurisdiction", Jurisdiction),
    "station_code": ("station", Station),
    "team_code": ("team", Team),
}


def _resolve(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Turn `*_code` fields of a payload into the rows services expect."""
    out = {}
    for key, value in data.items():
        if key in CODE_FIELDS:
            name, model = CODE_FIELDS[key]
            out[name] = _by_code(request, model, value, key)
        elif key == "username":
            out["user"] = _user(request, value)
        else:
            out[key] = value
    return out


#: The payload's name of each row a service checks by its own name: a service's error names the field the
#: client sent ("jurisdiction_code", not "jurisdiction").
SENT_AS = {name: key for key, (name, _model) in CODE_FIELDS.items()} | {"user": "username"}


@contextmanager
def _named_as_sent(names: dict[str, str] = SENT_AS) -> Iterator[None]:
    """A service's field errors, named as the payload names those fields."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError({names.get(name, name): errors for name, errors in error.error_dict.items()}) from error


def _user(request: HttpRequest, username: str | None) -> Any:
    if not username:
        return None

    user = users_visible_to(request_user(request)).filter(username=username).first()
    if user is None:
        raise ValidationError({"username": _("No user account %(name)s in your area.") % {"name": username}})
    return user


# ---------------------------------------------------------------- the common routes of a ledger
@dataclass(frozen=True)
class LedgerApi:
    name: str
    model: type[models.Model]
    out: type[Schema]
    create_in: type[Schema]
    patch_in: type[Schema]
    filters: type[ListFilters]
    narrow: Callable[[Any, Any], Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    search: tuple[str, ...] = ("name", "code")
    related: tuple[str, ...] = ("jurisdiction",)
    prefetch: tuple[str, ...] = ()
    #: The rules of a row JSON Schema cannot state (a row that must exist, one across fields, a code
    #: no other row has), by the payload field a 422 names: the document lists them (core.api.refuses).
    rules: dict[str, str] = field(default_factory=dict)


def ledger_routes(ledger: LedgerApi) -> None:
    """Add the list/create/read/update/delete/history/import/export routes of one ledger."""
    name, model = ledger.name, ledger.model
    table = TABLES[name]

    def queryset(request: HttpRequest, action: str = "view") -> Any:
        qs = model.objects.restrict(request_user(request), action).select_related(*ledger.related)  # type: ignore[attr-defined]
        return qs.prefetch_related(*ledger.prefetch) if ledger.prefetch else qs

    def get_row(request: HttpRequest, row_id: int) -> Any:
        return get_object_or_404(queryset(request), pk=row_id)

    @router.get(f"/{name}/", response=list[ledger.out], operation_id=f"list_{name}", url_name=f"{name}_list",
                summary=f"List {name}")
    @paginate(Pagination)
    def list_rows(request: HttpRequest, filters: Query[ledger.filters]):  # type: ignore[name-defined,no-untyped-def]
        rows = apply_list_filters(queryset(request), filters, ledger.search)
        return ledger.narrow(rows, filters).order_by(*model._meta.ordering, "pk")

    @router.get(f"/{name}/export", response={200: None}, operation_id=f"export_{name}", url_name=f"{name}_export",
                summary=f"Export {name} to Excel")
    def export_rows(request: HttpRequest) -> HttpResponse:
        spec = table(request_user(request))
        return xlsx_response(spec.stream_xlsx(), str(model._meta.verbose_name_plural))

    @router.get(f"/{name}/template", response={200: None}, operation_id=f"template_{name}",
                url_name=f"{name}_template", summary=f"Empty import template for {name}")
    def template(request: HttpRequest) -> HttpResponse:
        return xlsx_response(table(request_user(request)).to_xlsx([]), str(model._meta.verbose_name_plural))

    @router.post(f"/{name}/import", response={200: ImportResultOut, 422: ImportResultOut},
                 operation_id=f"import_{name}", url_name=f"{name}_import", summary=f"Import {name}")
    def import_rows(request: HttpRequest, file: File[UploadedFile]) -> Any:
        result = table(request_user(request)).import_file(file.read(), file.name or "")
        return Status(200 if result.ok else 422, result.as_dict())

    @router.post(f"/{name}/", response={201: ledger.out, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
                 operation_id=f"create_{name}", url_name=f"{name}_create", summary=f"Create one of {name}",
                 openapi_extra=refuses(**ledger.rules))
    def create_row(request: HttpRequest, payload: ledger.create_in) -> Any:  # type: ignore[name-defined]
        fields = _resolve(request, payload.dict())
        with _named_as_sent():
            row = ledger.create(actor=request_user(request), **fields)
        return Status(201, get_row(request, row.pk))

    @router.get(f"/{name}/{{row_id}}", response={200: ledger.out, 404: ErrorOut}, operation_id=f"get_{name}",
                url_name=f"{name}_get", summary=f"One of {name}")
    def get_one(request: HttpRequest, row_id: int) -> Any:
        return get_row(request, row_id)

    @router.patch(f"/{name}/{{row_id}}", response={200: ledger.out, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
                  operation_id=f"update_{name}", url_name=f"{name}_update", summary=f"Change one of {name}",
                  openapi_extra=refuses(**ledger.rules))
    def update_row(request: HttpRequest, row_id: int, payload: ledger.patch_in) -> Any:  # type: ignore[name-defined]
        row = get_row(request, row_id)
        fields = _resolve(request, payload.dict(exclude_unset=True))
        with _named_as_sent():
            ledger.update(row, actor=request_user(request), **fields)
        return get_row(request, row_id)

    @router.delete(f"/{name}/{{row_id}}", response={204: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
                   operation_id=f"delete_{name}", url_name=f"{name}_delete", summary=f"Delete one of {name}")
    def delete_row(request: HttpRequest, row_id: int) -> Any:
        ledger.delete(get_row(request, row_id), actor=request_user(request))
        return Status(204, None)

    @router.get(f"/{name}/{{row_id}}/history", response={200: list[dict], 404: ErrorOut},
                operation_id=f"history_{name}", url_name=f"{name}_history", summary=f"Change log of one of {name}")
    def history(request: HttpRequest, row_id: int) -> Any:
        return history_for(get_row(request, row_id), request_user(request))


# Fixed paths first: they must win over /<ledger>/{row_id}.
@router.get("/stations/geojson", response=dict, url_name="stations_geojson")
def stations_geojson(request: HttpRequest, jurisdiction: str | None = None, kind: str | None = None) -> Any:
    """Stations as GeoJSON points for the map (with their staffing verdict)."""
    rows = Station.objects.visible_to(request_user(request)).select_related("jurisdiction")
    if jurisdiction:
        rows = _in_subtree(request, rows, jurisdiction)
    if kind:
        rows = rows.filter(kind=kind)
    return maps.station_features(rows)


@router.get("/facilities/geojson", response=dict, url_name="facilities_geojson")
def facilities_geojson(request: HttpRequest, jurisdiction: str | None = None, kind: str | None = None) -> Any:
    """Shelters, landing points, water intakes, hydrants and AEDs as GeoJSON points."""
    rows = Facility.objects.visible_to(request_user(request)).select_related("jurisdiction")
    if jurisdiction:
        rows = _in_subtree(request, rows, jurisdiction)
    if kind:
        rows = rows.filter(kind=kind)
    return maps.facility_features(rows)


def _in_subtree(request: HttpRequest, rows: Any, code: str) -> Any:
    place = get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)), code=code)
    return rows.in_subtree(place.path)


@router.get("/compliance", response=list[StaffingOut], url_name="compliance")
def compliance(request: HttpRequest, jurisdiction: str | None = None, all: bool = False) -> Any:  # noqa: A002
    """Stations that fall short of the staffing standard and why (`all=true`: every station)."""
    rows = Station.objects.visible_to(request_user(request))
    if jurisdiction:
        rows = _in_subtree(request, rows, jurisdiction)
    return [c.as_dict() for c in rules.staffing_checks(rows) if all or not c.ok]


@router.get("/expiring", response=dict, url_name="expiring")
def expiring(request: HttpRequest, jurisdiction: str | None = None, days: int = rules.EXPIRY_WINDOW_DAYS) -> Any:
    """Certificates and maintenance that lapsed or lapse within `days` (30 by default)."""
    user = request_user(request)
    certificates = MemberCertificate.objects.visible_to(user)
    equipment = Equipment.objects.visible_to(user)
    if jurisdiction:
        certificates = _in_subtree(request, certificates, jurisdiction)
        equipment = _in_subtree(request, equipment, jurisdiction)
    days = max(0, min(days, 366))
    return {
        "days": days,
        "certificates": [
            {"id": c.pk, "member_id": c.member_id, "member": c.member.name, "team_code": c.member.team.code,
             "jurisdiction": c.member.team.jurisdiction.name, "kind": c.kind, "kind_label": c.get_kind_display(),
             "expires_on": c.expires_on}
            for c in rules.expiring_certificates(certificates, days=days)],
        "maintenance": [
            {"id": e.pk, "code": e.code, "name": e.name, "kind": e.kind, "kind_label": e.get_kind_display(),
             "jurisdiction": e.jurisdiction.name, "station_code": e.station.code if e.station_id else None,
             "next_maintenance_on": e.next_maintenance_on}
            for e in rules.maintenance_due(equipment, days=days)],
    }


@router.get("/stations/{row_id}/staffing", response={200: StaffingOut, 404: ErrorOut}, url_name="station_staffing")
def station_staffing(request: HttpRequest, row_id: int) -> Any:
    station = get_object_or_404(Station.objects.visible_to(request_user(request)), pk=row_id)
    return rules.station_check(station).as_dict()


@router.post("/stations/{row_id}/photo", response={200: StationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             url_name="station_photo")
def station_photo(request: HttpRequest, row_id: int, file: File[UploadedFile]) -> Any:
    station = get_object_or_404(Station.objects.visible_to(request_user(request)), pk=row_id)
    services.update_station(station, actor=request_user(request), photo=file)
    return Station.objects.select_related("jurisdiction").get(pk=station.pk)


@router.post("/teams/{row_id}/status", response={200: TeamOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             url_name="team_status")
def team_status(request: HttpRequest, row_id: int, payload: TeamStatusIn) -> Any:
    team = get_object_or_404(Team.objects.visible_to(request_user(request)), pk=row_id)
    services.set_team_status(team, payload.status, actor=request_user(request))
    return Team.objects.select_related("jurisdiction", "station").get(pk=team.pk)


MAINTENANCE_AS_SENT = {"last_maintained_on": "on", "next_maintenance_on": "next_on"}


@router.post("/equipment/{row_id}/maintenance",
             response={200: EquipmentOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}, url_name="maintenance",
             openapi_extra=refuses(on="not after today", next_on="not before on"))
def equipment_maintenance(request: HttpRequest, row_id: int, payload: EquipmentMaintenanceIn) -> Any:
    item = get_object_or_404(Equipment.objects.visible_to(request_user(request)), pk=row_id)
    with _named_as_sent(MAINTENANCE_AS_SENT):
        services.record_maintenance(item, actor=request_user(request), on=payload.on, next_on=payload.next_on)
    return Equipment.objects.select_related("jurisdiction", "station", "team").get(pk=item.pk)


CERTIFICATE_DATES = {"issued_on": "not after today", "expires_on": "not before issued_on"}


@router.post("/members/{row_id}/certificates",
             response={201: CertificateOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}, url_name="certificate_add",
             openapi_extra=refuses(**CERTIFICATE_DATES, kind="one certificate of each kind per member"))
def add_certificate(request: HttpRequest, row_id: int, payload: CertificateIn) -> Any:
    member = get_object_or_404(Member.objects.visible_to(request_user(request)).select_related("team__jurisdiction"),
                               pk=row_id)
    return Status(201, services.add_certificate(actor=request_user(request), member=member, **payload.dict()))


def _certificate(request: HttpRequest, row_id: int) -> MemberCertificate:
    return get_object_or_404(MemberCertificate.objects.visible_to(request_user(request))
                             .select_related("member__team__jurisdiction"), pk=row_id)


@router.patch("/certificates/{row_id}", response={200: CertificateOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
              url_name="certificate_update", openapi_extra=refuses(**CERTIFICATE_DATES))
def update_certificate(request: HttpRequest, row_id: int, payload: CertificatePatch) -> Any:
    return services.update_certificate(_certificate(request, row_id), actor=request_user(request),
                                       **payload.dict(exclude_unset=True))


@router.delete("/certificates/{row_id}", response={204: None, 403: ErrorOut, 404: ErrorOut},
               url_name="certificate_delete")
def delete_certificate(request: HttpRequest, row_id: int) -> Any:
    services.delete_certificate(_certificate(request, row_id), actor=request_user(request))
    return Status(204, None)


# ---------------------------------------------------------------- the ledgers
def _narrow_stations(rows: Any, f: StationFilters) -> Any:
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.is_active is not None:
        rows = rows.filter(is_active=f.is_active)
    if f.service:
        rows = rows.filter(services__contains=f.service) if _json_contains() else \
            rows.filter(services__icontains=f'"{f.service}"')
    return rows


def _json_contains() -> bool:
    from django.db import connection

    # SQLite has no JSON containment operator; the text match is exact enough for quoted choice values.
    return connection.vendor == "postgresql"


def _narrow_teams(rows: Any, f: TeamFilters) -> Any:
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.station:
        rows = rows.filter(station__code=f.station)
    if f.specialty:
        rows = rows.filter(specialties__contains=f.specialty) if _json_contains() else \
            rows.filter(specialties__icontains=f'"{f.specialty}"')
    return rows


def _narrow_members(rows: Any, f: MemberFilters) -> Any:
    if f.team:
        rows = rows.filter(team__code=f.team)
    if f.team_role:
        rows = rows.filter(team_role=f.team_role)
    if f.on_duty is not None:
        rows = rows.filter(on_duty=f.on_duty)
    return rows


def _narrow_experts(rows: Any, f: ExpertFilters) -> Any:
    if f.field:
        rows = rows.filter(field=f.field)
    if f.available is not None:
        rows = rows.filter(available=f.available)
    return rows


def _narrow_equipment(rows: Any, f: EquipmentFilters) -> Any:
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.station:
        rows = rows.filter(station__code=f.station)
    if f.maintenance_overdue:
        rows = rows.filter(next_maintenance_on__lt=rules.expiry_limit(days=0))
    return rows


def _narrow_facilities(rows: Any, f: FacilityFilters) -> Any:
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.status:
        rows = rows.filter(status=f.status)
    return rows


# The rules each ledger's service applies that JSON Schema cannot state, by the field its 422 names.
IN_AREA = "a jurisdiction in your area, below the city"
UNIQUE_CODE = "a code no other row of the ledger has"
LOCATED = "a point inside the district's area and inside the row's jurisdiction (lat with it)"
PHONE = "a mobile number (11 digits, 13–19), a landline with its area code or a 400/800 line"

LEDGERS = [
    LedgerApi("stations", Station, StationOut, StationIn, StationPatch, StationFilters, _narrow_stations,
              services.create_station, services.update_station, services.delete_station,
              search=("name", "code", "address"),
              rules={"jurisdiction_code": IN_AREA, "code": UNIQUE_CODE, "lon": LOCATED, "phone": PHONE,
                     "hours": "required when open_24h is false"}),
    LedgerApi("teams", Team, TeamOut, TeamIn, TeamPatch, TeamFilters, _narrow_teams,
              services.create_team, services.update_team, services.delete_team,
              related=("jurisdiction", "station"),
              rules={"jurisdiction_code": f"{IN_AREA}; or none with station_code (the station's)",
                     "station_code": "a station in your area, on the team's jurisdiction's branch; "
                                     "required when kind is station_team",
                     "code": UNIQUE_CODE, "lon": "lon and lat together, inside the district's area",
                     "contact_phone": PHONE}),
    LedgerApi("members", Member, MemberOut, MemberIn, MemberPatch, MemberFilters, _narrow_members,
              services.create_member, services.update_member, services.delete_member,
              search=("name",), related=("team__jurisdiction", "user"), prefetch=("certificates",),
              rules={"team_code": "a team in your area", "username": "a user account in your area",
                     "phone": "a mobile number (11 digits, 13–19): call-outs go by SMS",
                     "id_number": "a resident ID number: region code, a past birth date, the check character",
                     "team_role": "one captain per team"}),
    LedgerApi("experts", Expert, ExpertOut, ExpertIn, ExpertPatch, ExpertFilters, _narrow_experts,
              services.create_expert, services.update_expert, services.delete_expert,
              search=("name", "code", "organisation"),
              rules={"jurisdiction_code": IN_AREA, "code": UNIQUE_CODE, "phone": PHONE}),
    LedgerApi("equipment", Equipment, EquipmentOut, EquipmentIn, EquipmentPatch, EquipmentFilters,
              _narrow_equipment, services.create_equipment, services.update_equipment, services.delete_equipment,
              search=("name", "code", "plate_number"), related=("jurisdiction", "station", "team"),
              rules={"jurisdiction_code": f"{IN_AREA}; or none with station_code or team_code (theirs)",
                     "station_code": "a station in your area, on the jurisdiction's branch",
                     "team_code": "a team in your area, on the jurisdiction's branch",
                     "code": UNIQUE_CODE, "last_maintained_on": "not after today",
                     "next_maintenance_on": "not before last_maintained_on"}),
    LedgerApi("facilities", Facility, FacilityOut, FacilityIn, FacilityPatch, FacilityFilters, _narrow_facilities,
              services.create_facility, services.update_facility, services.delete_facility,
              search=("name", "code", "address"),
              rules={"jurisdiction_code": IN_AREA, "code": UNIQUE_CODE, "lon": LOCATED, "contact_phone": PHONE,
                     "capacity": "required for a shelter, and only a shelter has it",
                     "supplies_on_site": "only a shelter has it",
                     "area_m2": "only a shelter or a landing point has it"}),
]
for _ledger in LEDGERS:
    ledger_routes(_ledger)
