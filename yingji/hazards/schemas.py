"""Pydantic schemas of the hazards API (yingji/hazards/api.py).

Phones (responsible persons, public reporters) are masked for callers without
the personal-data permission over the row (core/masking.py).
"""

import datetime
import json
from typing import Any

from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import field_validator

from yingji.core.api import ClientDatetime, PolygonIn, request_user
from yingji.core.masking import phone_for
from yingji.hazards.models import HazardSeverity, HazardSource, PatrolFrequency, RiskCategory, RiskGrade


def _viewer(context: Any) -> Any:
    return request_user(context["request"])


class RiskPointOut(Schema):
    id: int
    code: str
    name: str
    category: str
    category_label: str = Field(..., alias="get_category_display")
    grade: str
    grade_label: str = Field(..., alias="get_grade_display")
    lon: float
    lat: float
    area: dict[str, Any] | None
    address: str
    responsible_unit: str
    responsible_person: str
    responsible_phone: str
    control_measures: str
    review_date: datetime.date | None
    is_active: bool
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    updated_at: datetime.datetime

    @staticmethod
    def resolve_responsible_phone(obj: Any, context: Any) -> str:
        return phone_for(_viewer(context), obj.responsible_phone, obj.jurisdiction.path)


class RiskPointIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=120)
    jurisdiction: str = Field(..., max_length=20)
    grade: RiskGrade
    category: RiskCategory = RiskCategory.OTHER
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    area: PolygonIn | None = None
    address: str = Field("", max_length=200)
    responsible_unit: str = Field("", max_length=120)
    responsible_person: str = Field("", max_length=50)
    responsible_phone: str = Field("", max_length=20)
    control_measures: str = Field("", max_length=2000)
    review_date: datetime.date | None = None
    reason: str = Field("", max_length=300, description="Why this grade (kept in the grading history).")


class RiskPointPatch(Schema):
    """The fields given change; only `area` and `review_date` can be emptied (null)."""

    name: str = Field(None, min_length=1, max_length=120)
    grade: RiskGrade = Field(None)
    category: RiskCategory = Field(None)
    lon: float = Field(None, ge=-180, le=180)
    lat: float = Field(None, ge=-90, le=90)
    area: PolygonIn | None = None
    address: str = Field(None, max_length=200)
    responsible_unit: str = Field(None, max_length=120)
    responsible_person: str = Field(None, max_length=50)
    responsible_phone: str = Field(None, max_length=20)
    control_measures: str = Field(None, max_length=2000)
    review_date: datetime.date | None = None
    is_active: bool = Field(None)
    reason: str = Field("", max_length=300, description="Why the grade changed (kept in the grading history).")


class GradingOut(Schema):
    at: datetime.datetime
    grade_from: str
    grade_to: str
    actor_name: str
    reason: str


class AreaCountOut(Schema):
    code: str
    name: str
    level: str
    red: int
    orange: int
    yellow: int
    blue: int
    total: int
    score: int


class HazardIn(Schema):
    title: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=4000)
    category: RiskCategory = RiskCategory.OTHER
    severity: HazardSeverity = HazardSeverity.GENERAL
    source: HazardSource = HazardSource.GRID_WORKER
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    jurisdiction: str | None = Field(None, max_length=20,
                                     description="Code of the grid or community; default: where the point lies "
                                                 "(when you may report there), else your own grid.")
    address: str = Field("", max_length=200)
    risk_point: str | None = Field(None, max_length=32, description="Code of the risk point, if at one.")
    idempotency_key: str = Field("", max_length=64, description="Resending with the same key makes no duplicate.")


class PhotoOut(Schema):
    id: int
    stage: str
    url: str
    thumbnail_url: str
    width: int
    height: int


class HazardOut(Schema):
    id: int
    reference: str
    title: str
    description: str
    category: str
    severity: str
    source: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    jurisdiction_name: str = Field(..., alias="jurisdiction.name")
    lon: float
    lat: float
    address: str
    reported_at: datetime.datetime
    reporter_name: str
    reporter_phone: str
    responsible_unit: str
    deadline: datetime.datetime | None
    closed_at: datetime.datetime | None
    escalation_level: int
    overdue: bool

    @staticmethod
    def resolve_reporter_phone(obj: Any, context: Any) -> str:
        return phone_for(_viewer(context), obj.reporter_phone, obj.jurisdiction.path)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return obj.is_overdue()


class CheckInIn(Schema):
    """A multipart form: a field left out is not given (a form has no null)."""

    risk_point: str = Field(..., min_length=1, max_length=32, description="Code of the risk point checked.")
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    accuracy_m: float = Field(None, ge=0, le=10_000)
    answers: list[dict[str, Any]] = Field([], description='The checklist as answered: [{"key": "wiring_safe", '
                                          '"ok": false, "note": ""}], by the items\' keys (unanswered: ok).')
    note: str = Field("", max_length=500)
    hazard: str = Field("", max_length=120, description="The title of a hazard found at the point (optional).")
    idempotency_key: str = Field("", max_length=64, description="The same key again answers the first check-in (200).")
    # The phone's queue (hazards/outbox.js) files a check-in under its plan and sends that along; check-ins
    # already queued on phones carry it, so it is taken and not read.
    plan: int | None = Field(None, ge=1, le=2**31 - 1, description="The plan's id as the phone's queue keeps it; "
                                                                     "not read (the path names the plan).")
    at: ClientDatetime = Field(None, description="When the phone checked in (a queued check-in sent "
                                                            "later); at most two days ago. Default: now.")

    @field_validator("answers", mode="before")
    @classmethod
    def _answers_as_json(cls, value: Any) -> Any:
        """A multipart form carries the answers as one JSON text (or one JSON object per `answers` field)."""
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            try:
                decoded = [json.loads(v) if isinstance(v, str) else v for v in value]
            except ValueError as exc:
                raise ValueError(gettext("The checklist answers are not valid JSON.")) from exc
            flat: list[Any] = []
            for item in decoded:
                flat.extend(item if isinstance(item, list) else [item])
            return flat
        return value


class CheckInOut(Schema):
    id: int
    risk_point: str
    at: datetime.datetime
    distance_m: float
    patrol_done: bool
    answers: list[dict[str, Any]] = []
    hazard: str | None = Field(None, description="Reference of the hazard reported at the point, if any.")


class PatrolPlanIn(Schema):
    """A grid's patrol plan, as the web form makes it (services/patrol.py create_plan)."""

    name: str = Field(..., min_length=1, max_length=120)
    grid: str = Field(..., max_length=20, description="Code of the grid.")
    route: list[str] = Field(..., min_length=1, max_length=200,
                             description="Codes of the risk points in walking order (in the grid's community).")
    worker: str | None = Field(None, max_length=150, description="Username of the grid worker who walks it.")
    frequency: PatrolFrequency = PatrolFrequency.DAILY
    tolerance_m: int = Field(100, ge=5, le=5000, description="A check-in farther than this is refused.")
    starts_on: datetime.date | None = Field(None, description="Default: today.")
    is_active: bool = True


class PatrolPlanPatch(Schema):
    """Change a plan: only the fields given (`worker` null: nobody named; `route`: the whole new route)."""

    name: str = Field(None, min_length=1, max_length=120)
    grid: str = Field(None, max_length=20)
    route: list[str] = Field(None, min_length=1, max_length=200)
    worker: str | None = Field(None, max_length=150)
    frequency: PatrolFrequency = Field(None)
    tolerance_m: int = Field(None, ge=5, le=5000)
    starts_on: datetime.date = Field(None)
    is_active: bool = Field(None)


class PatrolPlanOut(Schema):
    id: int
    name: str
    grid: str = Field(..., alias="jurisdiction.code")
    frequency: str
    tolerance_m: int
    starts_on: datetime.date
    is_active: bool
    worker: str | None = Field(None, description="Username of the grid worker who walks it.")
    stops: list[str]

    @staticmethod
    def resolve_worker(obj: Any) -> str | None:
        return obj.worker.username if obj.worker_id else None

    @staticmethod
    def resolve_stops(obj: Any) -> list[str]:
        return [s.risk_point.code for s in obj.stops.all()]


class MissedPatrolOut(Schema):
    plan: int
    name: str
    grid: str
    worker: str
    period_start: datetime.date
    checked: int
    stops: int


class InspectorOut(Schema):
    id: int
    staff_number: str
    name: str
    street: str = Field(..., alias="jurisdiction.code")
    certificate_number: str
    certificate_issuer: str
    certificate_valid_until: datetime.date | None
    is_active: bool


class InspectionFindingIn(Schema):
    title: str = Field(..., min_length=1, max_length=120)
    severity: HazardSeverity = HazardSeverity.GENERAL
    category: RiskCategory = RiskCategory.OTHER
    description: str = Field("", max_length=2000)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class InspectionIn(Schema):
    inspector: str = Field(..., max_length=32, description="Staff number of the inspector.")
    place: str = Field(..., min_length=1, max_length=120)
    inspected_on: datetime.date
    jurisdiction: str | None = Field(None, max_length=20)
    risk_point: str | None = Field(None, max_length=32)
    findings: str = Field("", max_length=4000)
    hazards: list[InspectionFindingIn] = Field([], max_length=20)


class InspectionOut(Schema):
    id: int
    inspector: str = Field(..., alias="inspector.staff_number")
    place: str
    inspected_on: datetime.date
    result: str
    findings: str
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    hazards: list[str]

    @staticmethod
    def resolve_hazards(obj: Any) -> list[str]:
        return [h.reference for h in obj.hazards.all()]


class HazardComplianceOut(Schema):
    street: str
    name: str
    inspectors: int
    certified: int
    certified_share: float | None
    inspections: int
    below_weekly: list[str]
    meets_certified: bool
    meets_weekly: bool


class AssignIn(Schema):
    responsible_unit: str = Field(..., min_length=1, max_length=120)
    assignee: str | None = Field(None, max_length=150, description="Username of the responsible person.")
    severity: HazardSeverity | None = None
    note: str = Field("", max_length=300)


class HazardNoteIn(Schema):
    note: str = Field("", max_length=300)


class HazardSubmitIn(Schema):
    rectification: str = Field(..., min_length=1, max_length=2000)


class RecheckIn(Schema):
    passed: bool
    note: str = Field("", max_length=300)


class HazardStepOut(Schema):
    name: str
    label: str


class HazardEventOut(Schema):
    transition: str
    from_state: str
    to_state: str
    at: datetime.datetime
    actor_name: str
    note: str
