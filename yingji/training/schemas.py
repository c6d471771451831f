"""Typed request and answer bodies of /api/v1/training/."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema

from yingji.core.api import ClientDatetime, decimal_number
from yingji.resources.models import CertificateKind, TeamKind
from yingji.training.models import Audience, OrganiserLevel, QuestionKind, SessionKind, Topic
from yingji.training.services import MAX_SESSION_DAYS

#: Days and hours as the models hold them (one decimal place) and the services check them.
MinDays = decimal_number(ge="0", le="365")
Hours = decimal_number(ge="0", le="1000")
SessionDays = decimal_number(ge="0.1", le=str(MAX_SESSION_DAYS))
Points = decimal_number(ge="0.1", le="1000")

# Messaging's topics are also called Topic: the training topic is named apart in the OpenAPI document.
TrainingTopic = Annotated[Topic, WithJsonSchema({"title": "TrainingTopic", "type": "string",
                                                 "enum": [choice.value for choice in Topic]})]


class RuleIn(Schema):
    jurisdiction: str
    organiser_level: OrganiserLevel
    min_days: MinDays


class RuleOut(Schema):
    id: int
    jurisdiction: str
    jurisdiction_name: str
    organiser_level: str
    min_days: float


class CoverageRuleIn(Schema):
    jurisdiction: str
    cycle_years: int = Field(..., ge=1, le=5)
    team_kinds: list[TeamKind] = Field([], description="Default: station and community rescue teams.")


class CoverageRuleOut(Schema):
    id: int
    jurisdiction: str
    cycle_years: int
    team_kinds: list[str]


class CourseIn(Schema):
    jurisdiction: str
    title: str = Field(..., min_length=1, max_length=200)
    topic: TrainingTopic = Topic.GENERAL
    hours: Hours = Decimal(0)
    certificate_kind: CertificateKind | Literal[""] = ""
    certificate_years: int | None = Field(None, ge=1, le=20)


class CoursePatch(Schema):
    """The fields given change (a title and a topic cannot be emptied; `certificate_kind` "" or null: none)."""

    title: str = Field(None, min_length=1, max_length=200)
    topic: TrainingTopic = Field(None)
    hours: Hours | None = None
    certificate_kind: CertificateKind | Literal[""] | None = None
    certificate_years: int | None = Field(None, ge=1, le=20)


class CourseOut(Schema):
    id: int
    jurisdiction: str
    jurisdiction_name: str
    organiser_level: str
    title: str
    topic: str
    hours: float
    certificate_kind: str
    certificate_years: int | None


class SessionIn(Schema):
    course: int
    jurisdiction: str
    starts_on: datetime.date
    days: SessionDays
    place: str = Field("", max_length=200)
    trainer: str = Field("", max_length=100)
    kind: SessionKind = SessionKind.COURSE
    team: str | None = Field(None, description="Code of the team (monthly must-know sessions).")
    trainer_member: int | None = Field(None, description="Id of the backbone member who gave it.")


class SessionPatch(Schema):
    """The fields given change (a course, a start and days cannot be emptied)."""

    course: int = Field(None)
    starts_on: datetime.date = Field(None)
    days: SessionDays = Field(None)
    place: str | None = Field(None, max_length=200)
    trainer: str | None = Field(None, max_length=100)
    team: str | None = Field(None, description="Code of the team; null for none.")
    trainer_member: int | None = Field(None, description="Id of the backbone member; null for none.")


class SessionOut(Schema):
    id: int
    course: int
    course_title: str
    organiser_level: str
    jurisdiction: str
    jurisdiction_name: str
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date
    days: float
    place: str
    trainer: str
    team: str | None
    attendees: int


class AttendanceIn(Schema):
    days: SessionDays | None = Field(None, description="Default: all of the session's days.")
    passed: bool = True


class AttendanceOut(Schema):
    member: int
    name: str
    team: str
    days: float
    passed: bool


class MemberYearOut(Schema):
    member: int
    name: str
    team: str
    year: int
    days: dict[str, float]
    total_days: float
    hours: float
    required: dict[str, float]
    short: dict[str, float]
    meets: bool


class CoverageOut(Schema):
    jurisdiction: str
    year: int
    members: int
    covered: int
    percent: float
    missing: list[dict[str, Any]]


class TeamMonthsOut(Schema):
    team: str
    team_name: str
    jurisdiction: str
    held: list[int]
    missed: list[int]


class BankIn(Schema):
    jurisdiction: str
    code: str = Field(..., max_length=32)
    title: str = Field(..., max_length=200)
    topic: TrainingTopic


class BankOut(Schema):
    id: int
    jurisdiction: str
    code: str
    title: str
    topic: str
    questions: int


class QuestionIn(Schema):
    kind: QuestionKind
    text: str = Field(..., max_length=1000)
    options: list[str] = Field([], max_length=8)
    answer: list[int] = Field(..., max_length=8)
    explanation: str = Field("", max_length=1000)


class QuestionOut(Schema):
    id: int
    kind: str
    text: str
    options: list[str]
    answer: list[int]
    explanation: str


class QuizIn(Schema):
    jurisdiction: str
    title: str = Field(..., min_length=1, max_length=200)
    bank: int
    audience: Audience
    time_limit_minutes: int = Field(..., ge=1, le=240)
    opens_at: ClientDatetime
    closes_at: ClientDatetime
    question_count: int | None = Field(None, ge=1, le=200)
    members: list[int] = Field([], max_length=2000)
    points_per_question: Points = Decimal(10)
    partial_credit: bool = False
    pass_percent: int = Field(60, ge=0, le=100)


class QuizOut(Schema):
    id: int
    jurisdiction: str
    title: str
    bank: int
    audience: str
    time_limit_minutes: int
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    questions: int
    points_per_question: float
    partial_credit: bool
    pass_percent: int


class PaperQuestionOut(Schema):
    """A question as the person taking the quiz sees it: no answer."""

    id: int
    kind: str
    text: str
    options: list[str]


class AttemptOut(Schema):
    id: int
    quiz: int
    quiz_title: str
    name: str
    community: str
    status: str
    started_at: datetime.datetime
    deadline: datetime.datetime
    submitted_at: datetime.datetime | None
    seconds_left: int
    answers: dict[str, list[int]]
    score: float | None
    max_score: float
    passed: bool | None
    questions: list[PaperQuestionOut]


class AttemptRowOut(Schema):
    id: int
    name: str
    community: str
    status: str
    started_at: datetime.datetime
    submitted_at: datetime.datetime | None
    score: float | None
    max_score: float


class ResidentStartIn(Schema):
    name: str = Field(..., max_length=50)
    community: str = Field(..., max_length=20, description="Code of the resident's community.")


class AnswerIn(Schema):
    question: int
    answer: list[int] = Field(..., max_length=8)


class SubmitIn(Schema):
    answers: dict[str, list[int]] = {}


class ParticipationOut(Schema):
    code: str
    name: str
    attempts: int
    people: int
    passed: int
    average_percent: float | None


class PublicQuizOut(Schema):
    id: int
    title: str
    jurisdiction_name: str
    time_limit_minutes: int
    questions: int
    closes_at: datetime.datetime
