"""Builders for training tests: courses at each level, sessions, attendance, a quiz bank."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.models import Member
from yingji.training import quizzes, services
from yingji.training.models import Course, Question, QuestionBank, QuestionKind, Quiz, TrainingSession


def course(actor: Any, jurisdiction: Jurisdiction, **fields: Any) -> Course:
    values = {"title": f"{jurisdiction.name}应急救援培训", "topic": "rescue_skills", "hours": 8}
    values.update(fields)
    return services.create_course(actor=actor, jurisdiction=jurisdiction, **values)


def session(actor: Any, of: Course, starts_on: datetime.date, days: Any, **fields: Any) -> TrainingSession:
    values = {"jurisdiction": of.jurisdiction, "place": "街道应急服务站", "trainer": "李教官"}
    values.update(fields)
    return services.create_session(actor=actor, course=of, starts_on=starts_on, days=Decimal(str(days)), **values)


def attend(actor: Any, at: TrainingSession, member: Member, days: Any = None, **fields: Any) -> Any:
    return services.record_attendance(at, actor=actor, member=member,
                                      days=None if days is None else Decimal(str(days)), **fields)


def bank_with_questions(actor: Any, jurisdiction: Jurisdiction, code: str = "FIRE") -> tuple[QuestionBank,
                                                                                              list[Question]]:
    bank = quizzes.create_bank(actor=actor, jurisdiction=jurisdiction, code=code, title="火灾分类", topic="fire_classes")
    single = quizzes.add_question(actor=actor, bank=bank, kind=QuestionKind.SINGLE,
                                  text="木材、纸张燃烧引起的火灾属于哪一类？",
                                  options=["A类火灾", "B类火灾", "C类火灾", "E类火灾"], answer=[0])
    multiple = quizzes.add_question(actor=actor, bank=bank, kind=QuestionKind.MULTIPLE,
                                    text="下列哪些属于B类火灾（液体或可熔化固体）？",
                                    options=["汽油", "木材", "沥青", "石蜡"], answer=[0, 2, 3])
    true_false = quizzes.add_question(actor=actor, bank=bank, kind=QuestionKind.TRUE_FALSE,
                                      text="带电的电气设备起火可以直接用水扑救。", answer=[1])
    return bank, [single, multiple, true_false]


def open_quiz(actor: Any, jurisdiction: Jurisdiction, bank: QuestionBank, *, minutes: int = 10,
              opens_at: datetime.datetime | None = None, **fields: Any) -> Quiz:
    opens_at = opens_at or timezone.now() - datetime.timedelta(hours=1)
    values: dict[str, Any] = {"title": "消防知识测验", "audience": "residents", "time_limit_minutes": minutes,
                              "opens_at": opens_at, "closes_at": opens_at + datetime.timedelta(days=30)}
    values.update(fields)
    return quizzes.create_quiz(actor=actor, jurisdiction=jurisdiction, bank=bank, **values)
