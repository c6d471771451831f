"""API of training and online learning: /api/v1/training/.

    /rules · /coverage-rules                      required days per organiser level; the coverage cycle
    /courses[/{id}] · /sessions[/{id}]            courses and their sessions (PATCH changes one)
    /sessions/{id}/attendance[/{member}]          who attended (PUT records or corrects, DELETE removes)
    /days?year=&jurisdiction= · /days.xlsx        days and hours per member per year against the rules
    /coverage?year= · /must-know?year=            coverage of rescue members; months without 应知应会
    /banks[/{id}/questions] · /banks/{id}/questions.xlsx · /questions/import
    /quizzes[/{id}] · /quizzes/{id}/attempts · /participation?start=&end=
    /my/quizzes · /quizzes/{id}/start · /attempts/{id}[/answers|/submit]   a member takes an assigned quiz
    /public/quizzes · /public/quizzes/{id}/start · /public/attempts/{token}[/answers|/submit]   residents (no login)

Everything is read through the scope rule; out of scope answers 404.
"""


import datetime
import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.core import ratelimit
from yingji.core.api import (
    ErrorOut,
    ImportResultOut,
    ListFilters,
    Pagination,
    Year,
    apply_list_filters,
    refuses,
    request_user,
)
from yingji.core.files import xlsx_response
from yingji.core.scope import has_perm_somewhere
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Member, Team
from yingji.training import exports, quizzes, services
from yingji.training.areas import area_for
from yingji.training.imports import QuestionTable
from yingji.training.models import (
    Attempt,
    Attendance,
    Course,
    CoverageRule,
    QuestionBank,
    Quiz,
    TrainingRule,
    TrainingSession,
)
from yingji.training.schemas import (
    AnswerIn,
    AttemptOut,
    AttemptRowOut,
    AttendanceIn,
    AttendanceOut,
    BankIn,
    BankOut,
    CourseIn,
    CourseOut,
    CoursePatch,
    CoverageOut,
    CoverageRuleIn,
    CoverageRuleOut,
    MemberYearOut,
    ParticipationOut,
    PublicQuizOut,
    QuestionIn,
    QuestionOut,
    QuizIn,
    QuizOut,
    ResidentStartIn,
    RuleIn,
    RuleOut,
    SessionIn,
    SessionOut,
    SessionPatch,
    SubmitIn,
    TeamMonthsOut,
)

router = Router(tags=["training"])
READ = {200: Any, 404: ErrorOut}
WRITE_ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _jurisdiction(request: HttpRequest, code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)), code=code)


def _year(year: Year | None) -> int:
    return year or timezone.localdate().year


# ---------------------------------------------------------------- rules
@router.get("/rules", response=list[RuleOut])
def rules(request: HttpRequest) -> Any:
    rows = TrainingRule.objects.visible_to(request_user(request)).select_related("jurisdiction")
    return [{"id": r.pk, "jurisdiction": r.jurisdiction.code, "jurisdiction_name": r.jurisdiction.name,
             "organiser_level": r.organiser_level, "min_days": float(r.min_days)} for r in rows]


@router.post("/rules", response={200: RuleOut, **WRITE_ERRORS})
def set_rule(request: HttpRequest, payload: RuleIn) -> Any:
    rule = services.set_training_rule(actor=request_user(request), jurisdiction=_jurisdiction(request,
                                                                                              payload.jurisdiction),
                                      organiser_level=payload.organiser_level, min_days=payload.min_days)
    return {"id": rule.pk, "jurisdiction": rule.jurisdiction.code, "jurisdiction_name": rule.jurisdiction.name,
            "organiser_level": rule.organiser_level, "min_days": float(rule.min_days)}


@router.get("/coverage-rules", response=list[CoverageRuleOut])
def coverage_rules(request: HttpRequest) -> Any:
    rows = CoverageRule.objects.visible_to(request_user(request)).select_related("jurisdiction")
    return [{"id": r.pk, "jurisdiction": r.jurisdiction.code, "cycle_years": r.cycle_years,
             "team_kinds": r.team_kinds} for r in rows]


@router.post("/coverage-rules", response={200: CoverageRuleOut, **WRITE_ERRORS})
def set_coverage_rule(request: HttpRequest, payload: CoverageRuleIn) -> Any:
    rule = services.set_coverage_rule(actor=request_user(request),
                                      jurisdiction=_jurisdiction(request, payload.jurisdiction),
                                      cycle_years=payload.cycle_years, team_kinds=payload.team_kinds or None)
    return {"id": rule.pk, "jurisdiction": rule.jurisdiction.code, "cycle_years": rule.cycle_years,
            "team_kinds": rule.team_kinds}


# ---------------------------------------------------------------- courses and sessions
def _course_out(course: Course) -> dict[str, Any]:
    return {"id": course.pk, "jurisdiction": course.jurisdiction.code, "jurisdiction_name": course.jurisdiction.name,
            "organiser_level": course.organiser_level, "title": course.title, "topic": course.topic,
            "hours": float(course.hours), "certificate_kind": course.certificate_kind,
            "certificate_years": course.certificate_years}


@router.get("/courses", response=list[CourseOut])
@paginate(Pagination)
def courses(request: HttpRequest, filters: Query[ListFilters]) -> Any:  # type: ignore[no-untyped-def]
    queryset = Course.objects.visible_to(request_user(request)).select_related("jurisdiction")
    return [_course_out(c) for c in apply_list_filters(queryset, filters, search_fields=("title",))]


@router.post("/courses", response={201: CourseOut, **WRITE_ERRORS},
             openapi_extra=refuses(jurisdiction="a district, a street or a community (courses are organised there)",
                                  title="not only spaces",
                                  certificate_years="given with a certificate_kind"))
def create_course(request: HttpRequest, payload: CourseIn) -> Any:
    data = payload.dict()
    course = services.create_course(actor=request_user(request),
                                    jurisdiction=_jurisdiction(request, data.pop("jurisdiction")), **data)
    return Status(201, _course_out(course))


@router.get("/courses/{course_id}", response={200: CourseOut, 404: ErrorOut})
def course_detail(request: HttpRequest, course_id: int) -> Any:
    return _course_out(get_object_or_404(Course.objects.visible_to(request_user(request))
                                         .select_related("jurisdiction"), pk=course_id))


@router.patch("/courses/{course_id}", response={200: CourseOut, **WRITE_ERRORS},
              openapi_extra=refuses(title="not only spaces", certificate_years="given with a certificate_kind"))
def change_course(request: HttpRequest, course_id: int, payload: CoursePatch) -> Any:
    """Change a course (its organiser stays); the same checks as the course form (services.update_course)."""
    user = request_user(request)
    course = get_object_or_404(Course.objects.visible_to(user).select_related("jurisdiction"), pk=course_id)
    changes = payload.dict(exclude_unset=True)
    if "hours" in changes and changes["hours"] is None:
        changes["hours"] = 0
    if changes.get("certificate_kind") is None and "certificate_kind" in changes:
        changes["certificate_kind"] = ""
    return _course_out(services.update_course(course, actor=user, **changes))


def _session_out(session: TrainingSession, attendees: int | None = None) -> dict[str, Any]:
    return {"id": session.pk, "course": session.course_id, "course_title": session.course.title,
            "organiser_level": session.course.organiser_level, "jurisdiction": session.jurisdiction.code,
            "jurisdiction_name": session.jurisdiction.name, "kind": session.kind, "starts_on": session.starts_on,
            "ends_on": services.session_end(session), "days": float(session.days), "place": session.place,
            "trainer": session.trainer, "team": session.team.code if session.team else None,
            "attendees": attendees if attendees is not None else session.attendance.count()}


def _sessions(user: Any) -> Any:
    return (TrainingSession.objects.visible_to(user)
            .select_related("course__jurisdiction", "jurisdiction", "team").annotate(attendees=Count("attendance")))


@router.get("/sessions", response=list[SessionOut])
@paginate(Pagination)
def sessions(request: HttpRequest, filters: Query[ListFilters], year: Year | None = None,
             kind: str | None = None) -> Any:  # type: ignore[no-untyped-def]
    queryset = apply_list_filters(_sessions(request_user(request)), filters, search_fields=("course__title", "place"))
    if year is not None:
        queryset = queryset.filter(starts_on__year=_year(year))
    if kind:
        queryset = queryset.filter(kind=kind)
    return [_session_out(s, s.attendees) for s in queryset.order_by("-starts_on", "id")]


@router.post("/sessions", response={201: SessionOut, **WRITE_ERRORS},
             openapi_extra=refuses(jurisdiction="inside the area of the course's organiser",
                                  team="inside the session's jurisdiction; named for a must-know session",
                                  trainer_member="for a must-know session, a backbone member of its team; "
                                                 "else in the area of the course's organiser"))
def create_session(request: HttpRequest, payload: SessionIn) -> Any:
    user = request_user(request)
    course = get_object_or_404(Course.objects.visible_to(user).select_related("jurisdiction"), pk=payload.course)
    team = get_object_or_404(Team.objects.visible_to(user).select_related("jurisdiction"),
                             code=payload.team) if payload.team else None
    trainer = get_object_or_404(Member.objects.visible_to(user),
                                pk=payload.trainer_member) if payload.trainer_member else None
    session = services.create_session(actor=user, course=course, jurisdiction=_jurisdiction(request,
                                                                                            payload.jurisdiction),
                                      starts_on=payload.starts_on, days=payload.days, place=payload.place,
                                      trainer=payload.trainer, kind=payload.kind, team=team, trainer_member=trainer)
    return Status(201, _session_out(session, 0))


def _session(request: HttpRequest, session_id: int) -> TrainingSession:
    return get_object_or_404(_sessions(request_user(request)), pk=session_id)


@router.get("/sessions/{session_id}", response={200: SessionOut, 404: ErrorOut})
def session_detail(request: HttpRequest, session_id: int) -> Any:
    session = _session(request, session_id)
    return _session_out(session, session.attendees)  # type: ignore[attr-defined]


@router.patch("/sessions/{session_id}", response={200: SessionOut, **WRITE_ERRORS},
              openapi_extra=refuses(days="not fewer than the most anyone attended",
                                    team="inside the session's jurisdiction; for a must-know session, the team of "
                                         "everyone who attended",
                                    trainer_member="for a must-know session, a backbone member of its team; "
                                                   "else in the area of the course's organiser"))
def change_session(request: HttpRequest, session_id: int, payload: SessionPatch) -> Any:
    """Change a session (where it is held and its kind stay); the same checks as the session form."""
    user = request_user(request)
    session = _session(request, session_id)
    changes = payload.dict(exclude_unset=True)
    if "course" in changes:
        changes["course"] = get_object_or_404(Course.objects.visible_to(user).select_related("jurisdiction"),
                                              pk=changes["course"])
    if changes.get("team"):
        changes["team"] = get_object_or_404(Team.objects.visible_to(user).select_related("jurisdiction"),
                                            code=changes["team"])
    if changes.get("trainer_member"):
        changes["trainer_member"] = get_object_or_404(Member.objects.visible_to(user).select_related(
            "team__jurisdiction"), pk=changes["trainer_member"])
    for name in ("place", "trainer"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    services.update_session(session, actor=user, **changes)
    return _session_out(_session(request, session_id), None)


def _attendance_out(item: Attendance) -> dict[str, Any]:
    return {"member": item.member_id, "name": item.member.name, "team": item.member.team.name,
            "days": float(item.days), "passed": item.passed}


@router.get("/sessions/{session_id}/attendance", response={200: list[AttendanceOut], 404: ErrorOut})
def attendance(request: HttpRequest, session_id: int) -> Any:
    session = _session(request, session_id)
    return [_attendance_out(a) for a in session.attendance.select_related("member__team").order_by("member__name")]


@router.put("/sessions/{session_id}/attendance/{member_id}", response={200: AttendanceOut, **WRITE_ERRORS},
            openapi_extra=refuses(days="at most the session's days",
                                  member="in the area of the course's organiser; of the session's team for a "
                                         "must-know session"))
def record_attendance(request: HttpRequest, session_id: int, member_id: int, payload: AttendanceIn) -> Any:
    user = request_user(request)
    session = _session(request, session_id)
    member = get_object_or_404(Member.objects.visible_to(user).select_related("team__jurisdiction"), pk=member_id)
    item = services.record_attendance(session, actor=user, member=member, days=payload.days, passed=payload.passed)
    return _attendance_out(item)


@router.delete("/sessions/{session_id}/attendance/{member_id}", response={204: None, **WRITE_ERRORS})
def delete_attendance(request: HttpRequest, session_id: int, member_id: int) -> Any:
    session = _session(request, session_id)
    item = get_object_or_404(Attendance.objects.visible_to(request_user(request)), session=session,
                             member_id=member_id)
    services.delete_attendance(item, actor=request_user(request))
    return Status(204, None)


# ---------------------------------------------------------------- figures
@router.get("/days", response={200: list[MemberYearOut], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def days(request: HttpRequest, year: Year | None = None, jurisdiction: str | None = None,
         short_only: bool = False) -> Any:
    """Every member's training days and hours in the year per organiser level, against the rules."""
    user = request_user(request)
    area = area_for(user, jurisdiction)
    rows = services.days_table(services.members_of(user, area), _year(year))
    return [r.as_dict() for r in rows if not short_only or not r.meets]


@router.get("/days.xlsx", response={200: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def days_export(request: HttpRequest, year: Year | None = None, jurisdiction: str | None = None) -> HttpResponse:
    user = request_user(request)
    if not has_perm_somewhere(user, "training.export_course"):
        raise PermissionDenied
    area = area_for(user, jurisdiction, "training.export_course")
    the_year = _year(year)
    content = exports.training_workbook(area, the_year, services.days_table(services.members_of(user, area), the_year))
    return xlsx_response(content, f"{_('training')}-{area.name}-{the_year}")


@router.get("/coverage", response={200: CoverageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def coverage(request: HttpRequest, year: Year | None = None, jurisdiction: str | None = None) -> Any:
    area = area_for(request_user(request), jurisdiction)
    return {"jurisdiction": area.code, **services.coverage(area, _year(year)).as_dict()}


@router.get("/must-know", response={200: list[TeamMonthsOut], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def must_know(request: HttpRequest, year: Year | None = None, jurisdiction: str | None = None) -> Any:
    area = area_for(request_user(request), jurisdiction)
    return [{"team": g.team.code, "team_name": g.team.name, "jurisdiction": g.team.jurisdiction.code,
             "held": g.held, "missed": g.missed}
            for g in services.must_know_gaps(area, _year(year), timezone.localdate())]


# ---------------------------------------------------------------- banks and questions
def _bank_out(bank: QuestionBank) -> dict[str, Any]:
    count = getattr(bank, "question_count", None)
    return {"id": bank.pk, "jurisdiction": bank.jurisdiction.code, "code": bank.code, "title": bank.title,
            "topic": bank.topic, "questions": bank.questions.count() if count is None else count}


def _banks(user: Any) -> Any:
    return (QuestionBank.objects.visible_to(user).select_related("jurisdiction")
            .annotate(question_count=Count("questions")))


@router.get("/banks", response=list[BankOut])
def banks(request: HttpRequest) -> Any:
    return [_bank_out(b) for b in _banks(request_user(request))]


@router.post("/banks", response={201: BankOut, **WRITE_ERRORS})
def create_bank(request: HttpRequest, payload: BankIn) -> Any:
    bank = quizzes.create_bank(actor=request_user(request), jurisdiction=_jurisdiction(request, payload.jurisdiction),
                               code=payload.code, title=payload.title, topic=payload.topic)
    return Status(201, _bank_out(bank))


def _bank(request: HttpRequest, bank_id: int) -> QuestionBank:
    return get_object_or_404(_banks(request_user(request)), pk=bank_id)


def _question_out(q: Any) -> dict[str, Any]:
    return {"id": q.pk, "kind": q.kind, "text": q.text, "options": q.options, "answer": q.answer,
            "explanation": q.explanation}


@router.get("/banks/{bank_id}/questions", response={200: list[QuestionOut], 404: ErrorOut})
def questions(request: HttpRequest, bank_id: int) -> Any:
    return [_question_out(q) for q in _bank(request, bank_id).questions.order_by("id")]


@router.post("/banks/{bank_id}/questions", response={201: QuestionOut, **WRITE_ERRORS})
def add_question(request: HttpRequest, bank_id: int, payload: QuestionIn) -> Any:
    question = quizzes.add_question(actor=request_user(request), bank=_bank(request, bank_id), **payload.dict())
    return Status(201, _question_out(question))


@router.get("/banks/{bank_id}/questions.xlsx", response={200: None, 403: ErrorOut, 404: ErrorOut})
def export_questions(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = _bank(request, bank_id)
    if not has_perm_somewhere(request_user(request), "training.export_question"):
        raise PermissionDenied
    table = QuestionTable(request_user(request))
    return xlsx_response(table.stream_xlsx(table.export_queryset().filter(bank=bank)), f"{_('questions')}-{bank.code}")


@router.get("/questions/template.xlsx", response={200: None, 403: ErrorOut})
def question_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(QuestionTable(request_user(request)).to_xlsx([]), _("questions"))


@router.post("/questions/import", response={200: ImportResultOut, 403: ErrorOut, 422: ImportResultOut})
def import_questions(request: HttpRequest, file: File[UploadedFile]) -> Any:
    result = QuestionTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


# ---------------------------------------------------------------- quizzes
def _quiz_out(quiz: Quiz) -> dict[str, Any]:
    count = getattr(quiz, "question_count", None)
    return {"id": quiz.pk, "jurisdiction": quiz.jurisdiction.code, "title": quiz.title, "bank": quiz.bank_id,
            "audience": quiz.audience, "time_limit_minutes": quiz.time_limit_minutes, "opens_at": quiz.opens_at,
            "closes_at": quiz.closes_at, "questions": quiz.questions.count() if count is None else count,
            "points_per_question": float(quiz.points_per_question), "partial_credit": quiz.partial_credit,
            "pass_percent": quiz.pass_percent}


def _quizzes(user: Any) -> Any:
    return (Quiz.objects.visible_to(user).select_related("jurisdiction")
            .annotate(question_count=Count("questions", distinct=True)))


@router.get("/quizzes", response=list[QuizOut])
def quiz_list(request: HttpRequest) -> Any:
    return [_quiz_out(q) for q in _quizzes(request_user(request))]


@router.post("/quizzes", response={201: QuizOut, **WRITE_ERRORS},
             openapi_extra=refuses(title="not only spaces", closes_at="after opens_at",
                                   bank="a bank with questions",
                                   question_count="at most the bank's questions (and 200)",
                                   members="for a members' quiz, at least one, each in the jurisdiction"))
def create_quiz(request: HttpRequest, payload: QuizIn) -> Any:
    user = request_user(request)
    data = payload.dict()
    bank = get_object_or_404(QuestionBank.objects.visible_to(user), pk=data.pop("bank"))
    wanted = data.pop("members")
    members = list(Member.objects.visible_to(user).filter(pk__in=wanted).select_related("team__jurisdiction"))
    if len(members) != len(set(wanted)):
        raise HttpError(404, _("Not found."))
    quiz = quizzes.create_quiz(actor=user, jurisdiction=_jurisdiction(request, data.pop("jurisdiction")), bank=bank,
                               members=members, **data)
    return Status(201, _quiz_out(quiz))


@router.get("/quizzes/{quiz_id}", response={200: QuizOut, 404: ErrorOut})
def quiz_detail(request: HttpRequest, quiz_id: int) -> Any:
    return _quiz_out(get_object_or_404(_quizzes(request_user(request)), pk=quiz_id))


def _row(attempt: Attempt) -> dict[str, Any]:
    return {"id": attempt.pk, "name": attempt.person_name, "community": attempt.jurisdiction.name,
            "status": attempt.status, "started_at": attempt.started_at, "submitted_at": attempt.submitted_at,
            "score": float(attempt.score) if attempt.score is not None else None,
            "max_score": float(attempt.max_score)}


@router.get("/quizzes/{quiz_id}/attempts", response={200: list[AttemptRowOut], 404: ErrorOut})
def quiz_attempts(request: HttpRequest, quiz_id: int) -> Any:
    """The attempts at a quiz of the caller's area (a community sees its own people's)."""
    user = request_user(request)
    quiz = get_object_or_404(Quiz.objects.filter(Q(pk__in=Quiz.objects.visible_to(user).values("pk"))
                                                 | Q(pk__in=Attempt.objects.visible_to(user).values("quiz_id"))),
                             pk=quiz_id)
    rows = Attempt.objects.visible_to(user).filter(quiz=quiz).select_related("jurisdiction", "member")
    return [_row(a) for a in rows.order_by("-started_at")[:1000]]


@router.get("/participation", response={200: list[ParticipationOut], 403: ErrorOut, 404: ErrorOut})
def participation(request: HttpRequest, start: datetime.date, end: datetime.date,
                  jurisdiction: str | None = None) -> Any:
    """Finished attempts per community from `start` to `end`: attempts, people, average score, passed."""
    user = request_user(request)
    area = area_for(user, jurisdiction, "training.view_attempt")
    return quizzes.quiz_participation(area, start, end, Attempt.objects.visible_to(user))


# ---------------------------------------------------------------- taking a quiz
def _paper(attempt: Attempt, now: datetime.datetime) -> dict[str, Any]:
    finished = attempt.status != "in_progress"
    return {"id": attempt.pk, "quiz": attempt.quiz_id, "quiz_title": attempt.quiz.title, "name": attempt.person_name,
            "community": attempt.jurisdiction.name, "status": attempt.status, "started_at": attempt.started_at,
            "deadline": attempt.deadline, "submitted_at": attempt.submitted_at,
            "seconds_left": 0 if finished else max(0, int((attempt.deadline - now).total_seconds())),
            "answers": attempt.answers, "score": float(attempt.score) if attempt.score is not None else None,
            "max_score": float(attempt.max_score), "passed": attempt.passed if finished else None,
            "questions": [{"id": q.pk, "kind": q.kind, "text": q.text, "options": q.options}
                          for q in quizzes.quiz_questions(attempt.quiz)]}


def _member(request: HttpRequest) -> Member:
    member = quizzes.member_for(request_user(request))
    if member is None:
        raise HttpError(404, _("Your account is not a team member's."))
    return member


@router.get("/my/quizzes", response={200: list[QuizOut], 404: ErrorOut})
def my_quizzes(request: HttpRequest) -> Any:
    member = _member(request)
    return [_quiz_out(q) for q in Quiz.objects.filter(members=member).select_related("jurisdiction")
            .annotate(question_count=Count("questions", distinct=True))]


@router.post("/quizzes/{quiz_id}/start", response={201: AttemptOut, **WRITE_ERRORS})
def start(request: HttpRequest, quiz_id: int) -> Any:
    member = _member(request)
    quiz = get_object_or_404(Quiz.objects.filter(members=member), pk=quiz_id)
    attempt = quizzes.start_attempt(quiz, member=member)
    return Status(201, _paper(attempt, timezone.now()))


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    return get_object_or_404(Attempt.objects.select_related("quiz", "jurisdiction", "member"),
                             pk=attempt_id, member=_member(request))


@router.get("/attempts/{attempt_id}", response={200: AttemptOut, 404: ErrorOut})
def attempt_detail(request: HttpRequest, attempt_id: int) -> Any:
    return _paper(_own_attempt(request, attempt_id), timezone.now())


@router.put("/attempts/{attempt_id}/answers", response={200: AttemptOut, **WRITE_ERRORS})
def answer(request: HttpRequest, attempt_id: int, payload: AnswerIn) -> Any:
    attempt = quizzes.save_answer(_own_attempt(request, attempt_id), payload.question, payload.answer)
    return _paper(Attempt.objects.select_related("quiz", "jurisdiction", "member").get(pk=attempt.pk), timezone.now())


@router.post("/attempts/{attempt_id}/submit", response={200: AttemptOut, **WRITE_ERRORS})
def submit(request: HttpRequest, attempt_id: int, payload: SubmitIn) -> Any:
    attempt = quizzes.submit(_own_attempt(request, attempt_id), payload.answers)
    return _paper(Attempt.objects.select_related("quiz", "jurisdiction", "member").get(pk=attempt.pk), timezone.now())


# ---------------------------------------------------------------- residents (no login, rate-limited)
ANSWERS_PER_MINUTE = 120  # per attempt: a quick resident answers a question every few seconds


def _limit(request: HttpRequest, bucket: str) -> None:
    """Starting an attempt counts against the address (the public forms' limit)."""
    if not ratelimit.allow_public(request, bucket):
        raise HttpError(429, _("Too many requests from this address; try again in a minute."))


def _limit_token(token: str) -> None:
    """Answers count against their attempt: a class behind one address answers at once."""
    key = hashlib.sha256(token.encode()).hexdigest()[:32]
    if not ratelimit.allow(f"public:quiz-attempt:{key}", ANSWERS_PER_MINUTE):
        raise HttpError(429, _("Too many requests; try again in a minute."))


@router.get("/public/quizzes", auth=None, response={200: list[PublicQuizOut], 429: ErrorOut})
def public_quizzes(request: HttpRequest) -> Any:
    _limit(request, "quiz-list")
    return [{"id": q.pk, "title": q.title, "jurisdiction_name": q.jurisdiction.name,
             "time_limit_minutes": q.time_limit_minutes, "questions": q.question_count, "closes_at": q.closes_at}
            for q in quizzes.open_quizzes()[:100]]


@router.post("/public/quizzes/{quiz_id}/start", auth=None,
             response={201: dict, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def public_start(request: HttpRequest, quiz_id: int, payload: ResidentStartIn) -> Any:
    """A resident starts an open quiz with a name and a community; answers the attempt and its token."""
    _limit(request, "quiz")
    quiz = get_object_or_404(quizzes.open_quizzes(), pk=quiz_id)
    community = Jurisdiction.objects.filter(code=payload.community.strip(), level=Level.COMMUNITY).first()
    attempt = quizzes.start_attempt(quiz, resident_name=payload.name, community=community)
    return Status(201, {"token": attempt.token, **_paper(attempt, timezone.now())})


def _by_token(token: str) -> Attempt:
    return get_object_or_404(Attempt.objects.select_related("quiz", "jurisdiction"), token=token,
                             member__isnull=True)


@router.get("/public/attempts/{token}", auth=None, response={200: AttemptOut, 404: ErrorOut, 429: ErrorOut})
def public_attempt(request: HttpRequest, token: str) -> Any:
    _limit_token(token)
    return _paper(_by_token(token), timezone.now())


@router.put("/public/attempts/{token}/answers", auth=None,
            response={200: AttemptOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def public_answer(request: HttpRequest, token: str, payload: AnswerIn) -> Any:
    _limit_token(token)
    attempt = quizzes.save_answer(_by_token(token), payload.question, payload.answer)
    return _paper(_by_token(attempt.token), timezone.now())


@router.post("/public/attempts/{token}/submit", auth=None,
             response={200: AttemptOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def public_submit(request: HttpRequest, token: str, payload: SubmitIn) -> Any:
    _limit_token(token)
    attempt = quizzes.submit(_by_token(token), payload.answers)
    return _paper(_by_token(attempt.token), timezone.now())
