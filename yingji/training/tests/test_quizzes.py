"""Quiz scoring for each question type, and the time limit enforced on the server (on a clock, no sleeping)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.resources.tests.builders import make_member, make_team
from yingji.training import quizzes
from yingji.training.models import AttemptStatus, QuestionKind
from yingji.training.tests.builders import bank_with_questions, open_quiz

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 5, 12, 9, 0, tzinfo=datetime.UTC)


def _quiz(cast, **fields):
    bank, questions = bank_with_questions(cast.commander, cast.district)
    return open_quiz(cast.commander, cast.district, bank, opens_at=T0, **fields), questions


def test_each_question_type_scores_all_or_nothing(cast):
    quiz, (single, multiple, true_false) = _quiz(cast)
    cases = [
        ({single.pk: [0], multiple.pk: [0, 2, 3], true_false.pk: [1]}, Decimal(30)),
        ({single.pk: [1], multiple.pk: [0, 2, 3], true_false.pk: [1]}, Decimal(20)),  # wrong single
        ({single.pk: [0], multiple.pk: [0, 2], true_false.pk: [1]}, Decimal(20)),  # a right subset: nothing
        ({single.pk: [0], multiple.pk: [0, 1, 2, 3], true_false.pk: [1]}, Decimal(20)),  # one too many
        ({single.pk: [0], multiple.pk: [0, 2, 3], true_false.pk: [0]}, Decimal(20)),  # wrong true/false
        ({}, Decimal(0)),
    ]
    for n, (answers, expected) in enumerate(cases):
        attempt = quizzes.start_attempt(quiz, resident_name=f"居民{n}", community=cast.community_a,
                                        now=T0 + datetime.timedelta(minutes=n))
        done = quizzes.submit(attempt, {str(k): v for k, v in answers.items()}, now=attempt.started_at)
        assert (done.score, done.max_score, done.status) == (expected, Decimal(30), AttemptStatus.SUBMITTED), answers
    assert done.passed is False


def test_partial_credit_scores_a_right_subset_and_nothing_with_a_wrong_option(cast):
    quiz, (_single, multiple, _tf) = _quiz(cast, partial_credit=True, points_per_question=9)
    for chosen, expected in (([0, 2], Decimal(6)), ([3], Decimal(3)), ([0, 1], Decimal(0)), ([0, 2, 3], Decimal(9))):
        attempt = quizzes.start_attempt(quiz, resident_name="张三", community=cast.community_b, now=T0)
        assert quizzes.submit(attempt, {str(multiple.pk): chosen}, now=T0).score == expected, chosen


def test_the_deadline_refuses_late_answers_and_scores_what_was_saved_in_time(cast):
    quiz, (single, multiple, true_false) = _quiz(cast, minutes=10)
    started = T0 + datetime.timedelta(hours=1)
    attempt = quizzes.start_attempt(quiz, resident_name="赵六", community=cast.community_a, now=started)
    assert attempt.deadline == started + datetime.timedelta(minutes=10)
    quizzes.save_answer(attempt, single.pk, [0], now=started + datetime.timedelta(minutes=9, seconds=59))
    at_deadline = attempt.deadline
    quizzes.save_answer(attempt, true_false.pk, [1], now=at_deadline)  # the deadline itself is still in time
    with pytest.raises(ValidationError) as late:
        quizzes.save_answer(attempt, multiple.pk, [0, 2, 3], now=at_deadline + datetime.timedelta(seconds=1))
    assert "attempt" in late.value.message_dict
    done = quizzes.submit(attempt, {str(multiple.pk): [0, 2, 3]}, now=at_deadline + datetime.timedelta(minutes=5))
    assert done.status == AttemptStatus.EXPIRED and done.score == Decimal(20)  # the late multiple ignored
    assert str(multiple.pk) not in done.answers
    with pytest.raises(ValidationError):
        quizzes.submit(done, now=at_deadline)


def test_an_attempt_ends_when_the_quiz_closes_and_unsubmitted_ones_are_closed_by_the_job(cast):
    quiz, (single, *_rest) = _quiz(cast, minutes=30)
    near_close = quiz.closes_at - datetime.timedelta(minutes=5)
    attempt = quizzes.start_attempt(quiz, resident_name="钱七", community=cast.community_c, now=near_close)
    assert attempt.deadline == quiz.closes_at
    quizzes.save_answer(attempt, single.pk, 0, now=near_close)
    assert quizzes.close_expired(now=quiz.closes_at) == 0
    assert quizzes.close_expired(now=quiz.closes_at + datetime.timedelta(seconds=1)) == 1
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score) == (AttemptStatus.EXPIRED, Decimal(10))
    with pytest.raises(ValidationError) as closed:
        quizzes.start_attempt(quiz, resident_name="孙八", community=cast.community_c, now=quiz.closes_at)
    assert "quiz" in closed.value.message_dict


def test_members_take_only_quizzes_assigned_to_them_and_only_once(cast):
    team = make_team(cast.community_a)
    assigned, other = make_member(team, name="甲"), make_member(team, name="乙")
    bank, _questions = bank_with_questions(cast.officer_a, cast.community_a)
    quiz = open_quiz(cast.officer_a, cast.community_a, bank, audience="members", members=[assigned], opens_at=T0)
    attempt = quizzes.start_attempt(quiz, member=assigned, now=T0)
    assert attempt.jurisdiction == cast.community_a and attempt.person_name == "甲"
    with pytest.raises(ValidationError):
        quizzes.start_attempt(quiz, member=assigned, now=T0)
    with pytest.raises(PermissionDenied):
        quizzes.start_attempt(quiz, member=other, now=T0)


def test_bad_questions_and_residents_are_refused_by_field(cast):
    bank, _questions = bank_with_questions(cast.commander, cast.district)
    for kind, options, answer, field in [
        (QuestionKind.SINGLE, ["A", "B"], [0, 1], "answer"),
        (QuestionKind.MULTIPLE, ["A", "B", "C"], [2], "answer"),
        (QuestionKind.SINGLE, ["only one"], [0], "options"),
        (QuestionKind.SINGLE, ["A", "B"], [5], "answer"),
        (QuestionKind.TRUE_FALSE, [], [0, 1], "answer"),
    ]:
        with pytest.raises(ValidationError) as refused:
            quizzes.add_question(actor=cast.commander, bank=bank, kind=kind, text="题目", options=options,
                                 answer=answer)
        assert field in refused.value.message_dict, (kind, options, answer)
    assert bank.questions.count() == 3
    quiz = open_quiz(cast.commander, cast.street_1, bank, opens_at=T0)
    with pytest.raises(ValidationError) as refused:
        quizzes.start_attempt(quiz, resident_name="", community=cast.community_c, now=T0)
    assert set(refused.value.message_dict) == {"name", "community"}


def test_participation_per_community_counts_finished_attempts_in_the_period(cast):
    quiz, (single, *_rest) = _quiz(cast)
    for name, community, answer in (("甲", cast.community_a, 0), ("乙", cast.community_a, 1),
                                    ("甲", cast.community_a, 0), ("丙", cast.community_b, 0)):
        attempt = quizzes.start_attempt(quiz, resident_name=name, community=community, now=T0)
        quizzes.submit(attempt, {str(single.pk): [answer]}, now=T0)
    quizzes.start_attempt(quiz, resident_name="未交卷", community=cast.community_c, now=T0)
    rows = {r["name"]: r for r in quizzes.quiz_participation(cast.district, T0.date(), T0.date())}
    assert (rows["A社区"]["attempts"], rows["A社区"]["people"], rows["A社区"]["passed"]) == (3, 2, 0)
    assert rows["A社区"]["average_percent"] == pytest.approx(22.2, abs=0.05)  # (10 + 0 + 10) / 90
    assert rows["B社区"]["attempts"] == 1 and rows["C社区"]["attempts"] == 0
    assert quizzes.quiz_participation(cast.district, T0.date() + datetime.timedelta(days=1),
                                      T0.date() + datetime.timedelta(days=2))[0]["attempts"] == 0
