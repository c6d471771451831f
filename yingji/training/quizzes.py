"""Question banks, quizzes and timed attempts (线上学习).

Scoring: a single-choice or true/false question scores its points when the one
right option is chosen; a multiple-choice question scores its points when
exactly the right options are chosen (all-or-nothing), or — when the quiz sets
`partial_credit` — its share of the points for a subset of the right options
with no wrong one.

Time: an attempt's deadline is its start plus the quiz's time limit (never
after the quiz closes), kept on the server. An answer saved after the deadline
is refused; a submission after the deadline ignores the answers it carries and
scores only those saved before the deadline, and the attempt is marked "time
ran out". Every function takes `now` so tests run on a clock, not by sleeping.

    quiz_participation(jurisdiction, start, end) -> list[dict]   per community: people, attempts, average, passed
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Member
from yingji.training.models import (
    Attempt,
    AttemptStatus,
    Audience,
    Question,
    QuestionBank,
    QuestionKind,
    Quiz,
    Topic,
)

TRUE_FALSE_OPTIONS = ["对", "错"]
LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(LETTERS)
MAX_QUESTIONS = 200


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------- banks and questions
def create_bank(*, actor: Any, jurisdiction: Jurisdiction, code: str, title: str, topic: str) -> QuestionBank:
    ensure_in(actor, "training.add_questionbank", jurisdiction.path)
    errors: dict[str, list[str]] = {}
    code, title = (code or "").strip().upper(), (title or "").strip()
    if not code:
        errors["code"] = [_("Give the bank a code.")]
    elif QuestionBank.objects.filter(code=code).exists():
        errors["code"] = [_("A bank with this code exists already.")]
    if not title:
        errors["title"] = [_("Give the bank a title.")]
    if topic not in Topic.values:
        errors["topic"] = [_("Choose a topic from the list.")]
    _raise(errors)
    return QuestionBank.objects.create(jurisdiction=jurisdiction, code=code, title=title, topic=topic)


def clean_question(kind: str, text: str, options: list[str] | None, answer: list[int]) -> dict[str, Any]:
    """The question's fields checked; every problem under its field's name."""
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write the question.")]
    if kind == QuestionKind.TRUE_FALSE:
        options = list(TRUE_FALSE_OPTIONS)
    else:
        options = [str(o).strip() for o in (options or []) if str(o).strip()]
    answer = sorted({int(a) for a in answer or []})
    if kind not in QuestionKind.values:
        errors["kind"] = [_("Choose single choice, multiple choice or true or false.")]
    elif kind != QuestionKind.TRUE_FALSE and not 2 <= len(options) <= MAX_OPTIONS:
        errors["options"] = [_("Give between 2 and %(n)s options.") % {"n": MAX_OPTIONS}]
    elif any(not 0 <= a < len(options) for a in answer):
        errors["answer"] = [_("The answer names an option the question does not have.")]
    elif not answer:
        errors["answer"] = [_("Say which option is right.")]
    elif kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and len(answer) != 1:
        errors["answer"] = [_("This kind of question has exactly one right option.")]
    elif kind == QuestionKind.MULTIPLE and len(answer) < 2:
        errors["answer"] = [_("A multiple-choice question has at least two right options.")]
    _raise(errors)
    return {"kind": kind, "text": text, "options": options, "answer": answer}


def add_question(*, actor: Any, bank: QuestionBank, kind: str, text: str, options: list[str] | None = None,
                 answer: list[int] | None = None, explanation: str = "") -> Question:
    ensure(actor, "change", bank)
    fields = clean_question(kind, text, options, answer or [])
    return Question.objects.create(bank=bank, explanation=(explanation or "").strip(), **fields)


# ---------------------------------------------------------------- quizzes
def create_quiz(*, actor: Any, jurisdiction: Jurisdiction, title: str, bank: QuestionBank, audience: str,
                time_limit_minutes: int, opens_at: datetime.datetime, closes_at: datetime.datetime,
                question_count: int | None = None, members: list[Member] | None = None,
                points_per_question: Any = 10, partial_credit: bool = False, pass_percent: int = 60,
                seed: int | None = None) -> Quiz:
    """A quiz of `question_count` questions drawn from `bank` (all of them by default)."""
    ensure_in(actor, "training.add_quiz", jurisdiction.path)
    ensure(actor, "view", bank)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the quiz a title.")]
    if audience not in Audience.values:
        errors["audience"] = [_("Choose assigned members or open to residents.")]
    if not isinstance(time_limit_minutes, int) or not 1 <= time_limit_minutes <= 240:
        errors["time_limit_minutes"] = [_("Enter between 1 and 240 minutes.")]
    if closes_at <= opens_at:
        errors["closes_at"] = [_("A quiz closes after it opens.")]
    pool = list(bank.questions.order_by("id"))
    count = len(pool) if question_count is None else question_count
    if not pool:
        errors["bank"] = [_("The bank has no questions yet.")]
    elif not 1 <= count <= min(len(pool), MAX_QUESTIONS):
        errors["question_count"] = [_("Choose between 1 and %(n)s questions.") % {"n": min(len(pool), MAX_QUESTIONS)}]
    try:
        points = Decimal(str(points_per_question)).quantize(Decimal("0.1"))
        if not Decimal("0.1") <= points <= Decimal(1000):
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["points_per_question"] = [_("Enter points between 0.1 and 1000.")]
    if not isinstance(pass_percent, int) or not 0 <= pass_percent <= 100:
        errors["pass_percent"] = [_("Enter a percentage between 0 and 100.")]
    members = list(members or [])
    if audience == Audience.MEMBERS:
        if not members:
            errors["members"] = [_("Assign the quiz to at least one member.")]
        outside = [m.name for m in members if not m.team.jurisdiction.path.startswith(jurisdiction.path)]
        if outside:
            errors["members"] = [_("Not in this jurisdiction: %(names)s.") % {"names": "、".join(outside[:5])}]
    _raise(errors)
    chosen = pool if count == len(pool) else sorted(random.Random(seed).sample(pool, count), key=lambda q: q.pk)
    with transaction.atomic():
        quiz = Quiz.objects.create(jurisdiction=jurisdiction, title=title, bank=bank, audience=audience,
                                   time_limit_minutes=time_limit_minutes, opens_at=opens_at, closes_at=closes_at,
                                   points_per_question=points, partial_credit=partial_credit,
                                   pass_percent=pass_percent)
        quiz.questions.set(chosen)
        if audience == Audience.MEMBERS:
            quiz.members.set(members)
    return quiz


def quiz_questions(quiz: Quiz) -> list[Question]:
    return list(quiz.questions.order_by("id"))


# ---------------------------------------------------------------- attempts
def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def start_attempt(quiz: Quiz, *, member: Member | None = None, resident_name: str = "",
                  community: Jurisdiction | None = None, now: datetime.datetime | None = None) -> Attempt:
    """Begin an attempt: a member assigned to the quiz, or a resident (name and community) of an open one."""
    now = _now(now)
    errors: dict[str, list[str]] = {}
    if now < quiz.opens_at:
        errors["quiz"] = [_("This quiz has not opened yet.")]
    elif now >= quiz.closes_at:
        errors["quiz"] = [_("This quiz has closed.")]
    _raise(errors)
    if quiz.audience == Audience.MEMBERS:
        if member is None or not quiz.members.filter(pk=member.pk).exists():
            raise PermissionDenied(_("This quiz is not assigned to you."))
        if Attempt.objects.filter(quiz=quiz, member=member).exists():
            raise ValidationError({"quiz": _("You have already taken this quiz.")})
        where = member.team.jurisdiction
        while where.level == Level.GRID and where.parent is not None:
            where = where.parent
        fields: dict[str, Any] = {"member": member, "jurisdiction": where}
    else:
        name = (resident_name or "").strip()
        if not name:
            errors["name"] = [_("Enter your name.")]
        elif len(name) > 50:
            errors["name"] = [_("At most 50 characters.")]
        if community is None or community.level != Level.COMMUNITY:
            errors["community"] = [_("Choose your community.")]
        elif not community.path.startswith(quiz.jurisdiction.path):
            errors["community"] = [_("This quiz is for communities of %(name)s.") % {"name": quiz.jurisdiction.name}]
        _raise(errors)
        fields = {"resident_name": name, "jurisdiction": community}
    deadline = min(now + datetime.timedelta(minutes=quiz.time_limit_minutes), quiz.closes_at)
    return Attempt.objects.create(quiz=quiz, started_at=now, deadline=deadline,
                                  max_score=quiz.points_per_question * quiz.questions.count(), **fields)


def _choices(question: Question, chosen: Any) -> list[int]:
    if chosen is None:
        return []
    if isinstance(chosen, int):
        chosen = [chosen]
    if not isinstance(chosen, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in chosen):
        raise ValidationError({"answer": _("An answer is a list of option numbers.")})
    picked = sorted(set(chosen))
    if any(not 0 <= c < len(question.options) for c in picked):
        raise ValidationError({"answer": _("The answer names an option the question does not have.")})
    if question.kind != QuestionKind.MULTIPLE and len(picked) > 1:
        raise ValidationError({"answer": _("Choose one option.")})
    return picked


def _open_for_answers(attempt: Attempt, now: datetime.datetime) -> None:
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise ValidationError({"attempt": _("This attempt is finished.")})
    if now > attempt.deadline:
        raise ValidationError({"attempt": _("Time is up: answers after the deadline are not accepted.")})


def save_answer(attempt: Attempt, question_id: int, chosen: Any, *, now: datetime.datetime | None = None) -> Attempt:
    """Keep one answer of an attempt in progress; refused after the deadline."""
    now = _now(now)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
        _open_for_answers(attempt, now)
        question = attempt.quiz.questions.filter(pk=question_id).first()
        if question is None:
            raise ValidationError({"question": _("This question is not part of the quiz.")})
        attempt.answers = {**attempt.answers, str(question.pk): _choices(question, chosen)}
        attempt.save(update_fields=["answers", "updated_at"])
    return attempt


def score_question(question: Question, chosen: list[int], points: Decimal, partial: bool) -> Decimal:
    right, picked = set(question.answer), set(chosen)
    if picked == right:
        return points
    if question.kind == QuestionKind.MULTIPLE and partial and picked and picked < right:
        return (points * len(picked) / len(right)).quantize(Decimal("0.1"))
    return Decimal(0)


def score(attempt: Attempt, questions: list[Question] | None = None) -> Decimal:
    quiz = attempt.quiz
    questions = quiz_questions(quiz) if questions is None else questions
    return sum((score_question(q, attempt.answers.get(str(q.pk), []), quiz.points_per_question, quiz.partial_credit)
                for q in questions), Decimal(0))


def submit(attempt: Attempt, answers: dict[str, Any] | None = None, *,
           now: datetime.datetime | None = None) -> Attempt:
    """Finish an attempt and score it.

    Before the deadline the answers given here join those saved; after it they
    are ignored, the saved ones are scored and the attempt is marked expired.
    """
    now = _now(now)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise ValidationError({"attempt": _("This attempt is finished.")})
        questions = quiz_questions(attempt.quiz)
        if now <= attempt.deadline:
            by_id = {str(q.pk): q for q in questions}
            merged = dict(attempt.answers)
            for key, chosen in (answers or {}).items():
                question = by_id.get(str(key))
                if question is None:
                    raise ValidationError({"answers": _("Question %(id)s is not part of the quiz.") % {"id": key}})
                merged[str(question.pk)] = _choices(question, chosen)
            attempt.answers = merged
            attempt.status = AttemptStatus.SUBMITTED
        else:
            attempt.status = AttemptStatus.EXPIRED
        attempt.submitted_at = now
        attempt.score = score(attempt, questions)
        attempt.save()
    return attempt


def close_expired(now: datetime.datetime | None = None) -> int:
    """Score the attempts whose deadline passed without a submission (the job training.close_attempts)."""
    now = _now(now)
    done = 0
    for attempt in Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=now).only("pk"):
        try:
            submit(attempt, now=now)
        except ValidationError:
            continue
        done += 1
    return done


def member_for(user: Any) -> Member | None:
    """The team member record of a logged-in person (who takes assigned quizzes)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user).select_related("team__jurisdiction").first()


def open_quizzes(now: datetime.datetime | None = None) -> QuerySet:
    """The quizzes residents may take now (the public page and API)."""
    now = _now(now)
    return (Quiz.objects.filter(audience=Audience.RESIDENTS, opens_at__lte=now, closes_at__gt=now)
            .select_related("jurisdiction").annotate(question_count=Count("questions", distinct=True))
            .order_by("closes_at"))


# ---------------------------------------------------------------- indicators
def quiz_participation(jurisdiction: Jurisdiction, start: datetime.date, end: datetime.date,
                       attempts: QuerySet | None = None) -> list[dict[str, Any]]:
    """Per community under `jurisdiction`, finished attempts started from `start` to `end` (inclusive):
    attempts, distinct people, average score in percent and how many passed."""
    base = Attempt.objects if attempts is None else attempts
    communities = list(Jurisdiction.objects.filter(path__startswith=jurisdiction.path, level=Level.COMMUNITY)
                       .order_by("path"))
    rows = (base.filter(jurisdiction__path__startswith=jurisdiction.path,
                        status__in=[AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED],
                        started_at__date__gte=start, started_at__date__lte=end)
            .select_related("quiz").only("jurisdiction_id", "member_id", "resident_name", "score", "max_score",
                                         "quiz__pass_percent"))
    stats: dict[int, dict[str, Any]] = defaultdict(lambda: {"attempts": 0, "people": set(), "percent": [],
                                                             "passed": 0})
    for attempt in rows:
        entry = stats[attempt.jurisdiction_id]
        entry["attempts"] += 1
        entry["people"].add(f"m{attempt.member_id}" if attempt.member_id else f"r{attempt.resident_name}")
        if attempt.max_score:
            entry["percent"].append(float(attempt.score or 0) * 100 / float(attempt.max_score))
        entry["passed"] += int(attempt.passed)
    out = []
    for community in communities:
        entry = stats.get(community.pk, {"attempts": 0, "people": set(), "percent": [], "passed": 0})
        percents = entry["percent"]
        out.append({"code": community.code, "name": community.name, "attempts": entry["attempts"],
                    "people": len(entry["people"]), "passed": entry["passed"],
                    "average_percent": round(sum(percents) / len(percents), 1) if percents else None})
    return out
