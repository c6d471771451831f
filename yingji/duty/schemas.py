"""Typed shapes of the duty API (/api/v1/duty/). People's phones pass the masking gate in api.py."""

import datetime
from typing import Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator

from yingji.core.api import ListFilters, as_utc, request_user
from yingji.core.masking import phone_for


def _viewer(context: Any) -> Any:
    return request_user(context["request"])


def person(viewer: Any, user: Any, path: str) -> dict[str, Any]:
    """A person on duty as the API shows them: the phone through the masking gate for the viewer."""
    return {"id": user.pk, "name": str(user), "phone": phone_for(viewer, user.phone, path)}


class PersonOut(Schema):
    id: int
    name: str
    phone: str


class OnDutyShiftOut(Schema):
    id: int
    label: str
    kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    taken_over: bool
    leader: PersonOut
    members: list[PersonOut]


class PostOut(Schema):
    code: str
    name: str
    level: str
    shifts: list[OnDutyShiftOut]


class ShiftFilters(ListFilters):
    after: datetime.datetime | None = Field(None, description="Shifts ending after this time.")
    before: datetime.datetime | None = Field(None, description="Shifts starting before this time.")
    kind: str | None = None
    missing_handover: bool | None = Field(None, description="Only the regular shifts that ended without handover.")

    @field_validator("after", "before")
    @classmethod
    def _in_utc(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        return as_utc(value)


class ShiftOut(Schema):
    """A shift read with `jurisdiction`, `leader`, `staff__user` and the `has_handover` annotation."""

    id: int
    jurisdiction: str
    jurisdiction_name: str
    kind: str
    label: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    leader: PersonOut
    members: list[PersonOut]
    note: str
    taken_over_at: datetime.datetime | None
    handover_missing: bool

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: Any) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_leader(obj: Any, context: Any) -> dict[str, Any]:
        return person(_viewer(context), obj.leader, obj.jurisdiction.path)

    @staticmethod
    def resolve_members(obj: Any, context: Any) -> list[dict[str, Any]]:
        viewer = _viewer(context)
        return [person(viewer, m.user, obj.jurisdiction.path) for m in obj.staff.all()]

    @staticmethod
    def resolve_handover_missing(obj: Any) -> bool:
        return obj.kind == "regular" and obj.ends_at <= timezone.now() and not obj.has_handover


class ShiftIn(Schema):
    jurisdiction: str = Field(..., description="Code of a district, street or community.")
    label: str = Field(..., max_length=40)
    kind: str = "regular"
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    leader: int = Field(..., description="User id of the leader.")
    members: list[int] = []
    note: str = Field("", max_length=200)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _in_utc(cls, value: datetime.datetime) -> datetime.datetime:
        return as_utc(value)  # type: ignore[return-value]


class ShiftPatch(Schema):
    label: str | None = Field(None, max_length=40)
    kind: str | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    leader: int | None = None
    members: list[int] | None = None
    note: str | None = Field(None, max_length=200)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _in_utc(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        return as_utc(value)


class MoveIn(Schema):
    user: int
    source: int | None = Field(None, description="The shift the person is dragged from.")
    as_leader: bool = False


class ExtraShiftsIn(Schema):
    jurisdiction: str
    kind: str = Field(..., description="holiday or reinforced")
    first_day: datetime.date
    last_day: datetime.date
    start: datetime.time
    end: datetime.time
    label: str = Field(..., max_length=40)
    leader: int
    members: list[int] = []
    note: str = Field("", max_length=200)


class SlotIn(Schema):
    label: str = Field(..., max_length=40)
    start: str = Field(..., description="HH:MM, local time")
    end: str = Field(..., description="HH:MM; at or before the start: the next day")


class CrewIn(Schema):
    leader: int
    members: list[int] = []


class PatternIn(Schema):
    jurisdiction: str
    name: str = Field(..., max_length=60)
    slots: list[SlotIn]
    crews: list[CrewIn]
    holiday_slots: list[SlotIn] = []
    holiday_crews: list[CrewIn] = []


class PatternOut(Schema):
    id: int
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    name: str
    slots: list[dict[str, Any]]
    crews: list[dict[str, Any]]
    holiday_slots: list[dict[str, Any]]
    holiday_crews: list[dict[str, Any]]


class GenerateIn(Schema):
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    replace: bool = False


class GeneratedOut(Schema):
    created: int
    replaced: int
    kept: int


class HolidayIn(Schema):
    jurisdiction: str
    day: datetime.date
    name: str = Field(..., max_length=40)


class HolidayOut(Schema):
    id: int
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    day: datetime.date
    name: str


class HandoverIn(Schema):
    notes: str = Field(..., max_length=4000)


class HandoverOut(Schema):
    shift: int
    notes: str
    written_by: str
    written_at: datetime.datetime
    acknowledged_by: str | None
    acknowledged_at: datetime.datetime | None


class TakeOverOut(Schema):
    shift: int
    taken_over_at: datetime.datetime
    previous_shift: int | None
    handover_acknowledged: bool
    previous_left_no_handover: bool


class LogFilters(ListFilters):
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    kind: str | None = None

    @field_validator("since", "until")
    @classmethod
    def _in_utc(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        return as_utc(value)


class LogEntryIn(Schema):
    jurisdiction: str
    kind: str
    summary: str = Field(..., max_length=2000)
    at: datetime.datetime | None = None
    subject: str = Field("", description="What it is about: \"incidents.incident:<id>\" (warnings, hazards alike).")

    @field_validator("at")
    @classmethod
    def _in_utc(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        return as_utc(value)


class LogEntryPatch(Schema):
    kind: str | None = None
    summary: str | None = Field(None, max_length=2000)


class LogEntryOut(Schema):
    id: int
    jurisdiction: str
    shift: int | None = Field(None, alias="shift_id")
    at: datetime.datetime
    kind: str
    summary: str
    author: str = Field(..., alias="author_name")
    subject: str | None
    subject_label: str

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_subject(obj: Any) -> str | None:
        if obj.subject_type_id is None:
            return None
        return f"{obj.subject_type.app_label}.{obj.subject_type.model}:{obj.subject_id}"


class ReportFilters(ListFilters):
    day: datetime.date | None = None


class ReportIn(Schema):
    jurisdiction: str
    day: datetime.date
    summary: str | None = Field(None, max_length=4000)


class ReportOut(Schema):
    id: int
    jurisdiction: str
    jurisdiction_name: str
    day: datetime.date
    summary: str
    compiled_at: datetime.datetime
    compiled_by: str

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: Any) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_compiled_by(obj: Any) -> str:
        return str(obj.compiled_by) if obj.compiled_by_id else ""


class ReportDetailOut(ReportOut):
    content: dict[str, Any]


class DutyStepIn(Schema):
    note: str = Field("", max_length=300, description="Why (required to return a report).")


class DutyStepOut(Schema):
    id: int
    status: str
    allowed: list[str] = Field(..., description="The steps the caller may take now.")


class IncidentReportOut(Schema):
    id: int
    incident: int = Field(..., alias="incident_id")
    jurisdiction: str
    kind: str
    number: int
    title: str
    body: str
    status: str
    drafted_at: datetime.datetime
    due_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    late: bool

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_late(obj: Any) -> bool:
        return obj.due_at is not None and (obj.submitted_at or timezone.now()) > obj.due_at


class IncidentReportPatch(Schema):
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=8000)


class IncidentReportFilters(ListFilters):
    incident: int | None = None
    status: str | None = None
    kind: str | None = None


class SwapIn(Schema):
    replacement: int
    counterpart: int | None = None
    reason: str = Field(..., max_length=200)


class SwapOut(Schema):
    id: int
    shift: int = Field(..., alias="shift_id")
    requester: int = Field(..., alias="requester_id")
    replacement: int = Field(..., alias="replacement_id")
    counterpart: int | None = Field(None, alias="counterpart_id")
    reason: str
    status: str


class QueueOut(Schema):
    daily: list[ReportOut]
    incident: list[IncidentReportOut]
    overdue: list[IncidentReportOut]
