"""Pydantic schemas of the resources API (yingji/resources/api.py).

Phone and ID numbers of people (members, experts, team contacts) are masked in
answers for callers without the personal-data permission over the row.
"""

import datetime
from typing import Any

from ninja import Field, Schema

from yingji.core.api import ListFilters, request_user
from yingji.core.masking import id_number_for, phone_for
from yingji.core.scope import object_path
from yingji.resources.models import (
    CertificateKind,
    EquipmentKind,
    EquipmentStatus,
    ExpertField,
    FacilityKind,
    FacilityStatus,
    Service,
    Specialty,
    StationKind,
    TeamKind,
    TeamRole,
    TeamStatus,
)

#: The largest value of a PositiveIntegerField's column (PostgreSQL integer).
INT_MAX = 2_147_483_647
#: A registry row belongs to one jurisdiction; the service requires it of every user alike (the web
#: form does too): a district's user registers rows anywhere in the district, so no place is assumed.
OWNER = "Code of the jurisdiction the row belongs to (in your area, below the city)."
MOVE = "Code of the jurisdiction the row moves to; a row always has one (null is refused)."


def _viewer(context: Any) -> Any:
    return request_user(context["request"])


# ---------------------------------------------------------------- stations
class StationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    jurisdiction_code: str = Field(..., alias="jurisdiction.code")
    jurisdiction_name: str = Field(..., alias="jurisdiction.name")
    address: str
    lon: float
    lat: float
    phone: str
    open_24h: bool
    hours: str
    services: list[str]
    is_active: bool
    photo_url: str | None = None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_photo_url(obj: Any) -> str | None:
        return obj.photo.url if obj.photo else None


class StationIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=120)
    kind: StationKind
    jurisdiction_code: str = Field(..., min_length=1, description=OWNER)
    address: str = Field("", max_length=200)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    phone: str = Field("", max_length=30)
    open_24h: bool = True
    hours: str = Field("", max_length=100)
    services: list[Service] = []
    is_active: bool = True


class StationPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=120)
    kind: StationKind | None = None
    jurisdiction_code: str = Field(None, min_length=1, description=MOVE)
    address: str | None = Field(None, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    phone: str | None = Field(None, max_length=30)
    open_24h: bool | None = None
    hours: str | None = Field(None, max_length=100)
    services: list[Service] | None = None
    is_active: bool | None = None


class StationFilters(ListFilters):
    kind: StationKind | None = None
    is_active: bool | None = None
    service: Service | None = None


class StaffingOut(Schema):
    station_id: int
    station_code: str
    station_name: str
    jurisdiction: str
    ok: bool
    teams: int
    members: int
    vehicles: int
    roles: dict[str, int]
    problems: list[str]


# ---------------------------------------------------------------- teams
class TeamOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    jurisdiction_code: str = Field(..., alias="jurisdiction.code")
    jurisdiction_name: str = Field(..., alias="jurisdiction.name")
    station_id: int | None
    station_code: str | None = None
    specialties: list[str]
    status: str
    status_label: str = Field(..., alias="get_status_display")
    contact_name: str
    contact_phone: str
    lon: float | None
    lat: float | None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_station_code(obj: Any) -> str | None:
        return obj.station.code if obj.station_id else None

    @staticmethod
    def resolve_contact_phone(obj: Any, context: Any) -> str:
        return phone_for(_viewer(context), obj.contact_phone, object_path(obj))


class TeamIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=120)
    kind: TeamKind
    jurisdiction_code: str | None = None
    station_code: str | None = None
    specialties: list[Specialty] = []
    status: TeamStatus = TeamStatus.AVAILABLE
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class TeamPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=120)
    kind: TeamKind | None = None
    jurisdiction_code: str = Field(None, min_length=1, description=MOVE)
    station_code: str | None = None
    specialties: list[Specialty] | None = None
    status: TeamStatus | None = None
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=30)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class TeamFilters(ListFilters):
    kind: TeamKind | None = None
    status: TeamStatus | None = None
    station: str | None = Field(None, description="Code of the home station.")
    specialty: Specialty | None = None


class TeamStatusIn(Schema):
    status: TeamStatus


# ---------------------------------------------------------------- members and certificates
class CertificateOut(Schema):
    id: int
    member_id: int
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    number: str
    issued_on: datetime.date | None
    expires_on: datetime.date | None


class CertificateIn(Schema):
    kind: CertificateKind
    number: str = Field("", max_length=40)
    issued_on: datetime.date | None = None
    expires_on: datetime.date | None = None


class CertificatePatch(Schema):
    number: str | None = Field(None, max_length=40)
    issued_on: datetime.date | None = None
    expires_on: datetime.date | None = None


class MemberOut(Schema):
    id: int
    team_id: int
    team_code: str = Field(..., alias="team.code")
    team_name: str = Field(..., alias="team.name")
    name: str
    phone: str
    id_number: str
    team_role: str
    team_role_label: str = Field(..., alias="get_team_role_display")
    skills: list[str]
    training_hours: int
    on_duty: bool
    username: str | None = None
    certificates: list[CertificateOut]
    updated_at: datetime.datetime

    @staticmethod
    def resolve_phone(obj: Any, context: Any) -> str:
        return phone_for(_viewer(context), obj.phone, object_path(obj))

    @staticmethod
    def resolve_id_number(obj: Any, context: Any) -> str:
        return id_number_for(_viewer(context), obj.id_number, object_path(obj))

    @staticmethod
    def resolve_username(obj: Any) -> str | None:
        return obj.user.username if obj.user_id else None

    @staticmethod
    def resolve_certificates(obj: Any) -> list[Any]:
        return list(obj.certificates.all())


class MemberIn(Schema):
    team_code: str = Field(..., min_length=1, description="Code of the member's team (in your area).")
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=20)
    id_number: str = Field("", max_length=18)
    team_role: TeamRole = TeamRole.MEMBER
    skills: list[str] = []
    training_hours: int = Field(0, ge=0, le=INT_MAX)
    on_duty: bool = True
    username: str | None = Field(None, description="The user account that receives the member's call-outs.")


class MemberPatch(Schema):
    team_code: str = Field(None, min_length=1, description="Code of the team the member moves to.")
    name: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, max_length=20)
    id_number: str | None = Field(None, max_length=18)
    team_role: TeamRole | None = None
    skills: list[str] | None = None
    training_hours: int | None = Field(None, ge=0, le=INT_MAX)
    on_duty: bool | None = None
    username: str | None = None


class MemberFilters(ListFilters):
    team: str | None = Field(None, description="Code of the team.")
    team_role: TeamRole | None = None
    on_duty: bool | None = None


# ---------------------------------------------------------------- experts
class ExpertOut(Schema):
    id: int
    code: str
    name: str
    field: str
    field_label: str = Field(..., alias="get_field_display")
    jurisdiction_code: str = Field(..., alias="jurisdiction.code")
    organisation: str
    title: str
    phone: str
    available: bool
    notes: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_phone(obj: Any, context: Any) -> str:
        return phone_for(_viewer(context), obj.phone, object_path(obj))


class ExpertIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=50)
    field: ExpertField
    jurisdiction_code: str = Field(..., min_length=1, description=OWNER)
    organisation: str = Field("", max_length=120)
    title: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    available: bool = True
    notes: str = Field("", max_length=200)


class ExpertPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=50)
    field: ExpertField | None = None
    jurisdiction_code: str = Field(None, min_length=1, description=MOVE)
    organisation: str | None = Field(None, max_length=120)
    title: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=20)
    available: bool | None = None
    notes: str | None = Field(None, max_length=200)


class ExpertFilters(ListFilters):
    field: ExpertField | None = None
    available: bool | None = None


# ---------------------------------------------------------------- vehicles and equipment
class EquipmentOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    is_vehicle: bool
    jurisdiction_code: str = Field(..., alias="jurisdiction.code")
    station_id: int | None
    station_code: str | None = None
    team_id: int | None
    count: int
    status: str
    status_label: str = Field(..., alias="get_status_display")
    plate_number: str
    last_maintained_on: datetime.date | None
    next_maintenance_on: datetime.date | None
    maintenance_overdue: bool
    updated_at: datetime.datetime

    @staticmethod
    def resolve_station_code(obj: Any) -> str | None:
        return obj.station.code if obj.station_id else None

    @staticmethod
    def resolve_maintenance_overdue(obj: Any) -> bool:
        return obj.maintenance_overdue()


class EquipmentIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=120)
    kind: EquipmentKind
    jurisdiction_code: str | None = None
    station_code: str | None = None
    team_code: str | None = None
    count: int = Field(1, ge=1, le=INT_MAX)
    status: EquipmentStatus = EquipmentStatus.IN_SERVICE
    plate_number: str = Field("", max_length=20)
    last_maintained_on: datetime.date | None = None
    next_maintenance_on: datetime.date | None = None


class EquipmentPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=120)
    kind: EquipmentKind | None = None
    jurisdiction_code: str | None = None
    station_code: str | None = None
    team_code: str | None = None
    count: int | None = Field(None, ge=1, le=INT_MAX)
    status: EquipmentStatus | None = None
    plate_number: str | None = Field(None, max_length=20)
    last_maintained_on: datetime.date | None = None
    next_maintenance_on: datetime.date | None = None


class EquipmentFilters(ListFilters):
    kind: EquipmentKind | None = None
    status: EquipmentStatus | None = None
    station: str | None = Field(None, description="Code of the home station.")
    maintenance_overdue: bool = False


class EquipmentMaintenanceIn(Schema):
    on: datetime.date
    next_on: datetime.date | None = None


# ---------------------------------------------------------------- facilities
class FacilityOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    status: str
    status_label: str = Field(..., alias="get_status_display")
    jurisdiction_code: str = Field(..., alias="jurisdiction.code")
    address: str
    lon: float
    lat: float
    contact_phone: str
    capacity: int | None
    area_m2: int | None
    supplies_on_site: str
    updated_at: datetime.datetime


class FacilityIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=120)
    kind: FacilityKind
    jurisdiction_code: str = Field(..., min_length=1, description=OWNER)
    status: FacilityStatus = FacilityStatus.IN_SERVICE
    address: str = Field("", max_length=200)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    contact_phone: str = Field("", max_length=30)
    capacity: int | None = Field(None, ge=0, le=INT_MAX)
    area_m2: int | None = Field(None, ge=0, le=INT_MAX)
    supplies_on_site: str = Field("", max_length=300)


class FacilityPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=120)
    kind: FacilityKind | None = None
    jurisdiction_code: str = Field(None, min_length=1, description=MOVE)
    status: FacilityStatus | None = None
    address: str | None = Field(None, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    contact_phone: str | None = Field(None, max_length=30)
    capacity: int | None = Field(None, ge=0, le=INT_MAX)
    area_m2: int | None = Field(None, ge=0, le=INT_MAX)
    supplies_on_site: str | None = Field(None, max_length=300)


class FacilityFilters(ListFilters):
    kind: FacilityKind | None = None
    status: FacilityStatus | None = None
