"""Demo step: a year of training, the question banks, quiz attempts across communities.

The district's rules (district-run ≥ 5 days, street-run ≥ 3; rescue members
trained every two years); district and street courses with sessions over the
past year, attended by most members — some fall short of the required days;
the monthly 应知应会 of every station and community rescue team by its captain,
with some months missed; five banks of real questions, a quiz open to
residents with attempts from every community and one assigned to the demo
responder's team. Courses, sessions, banks and quizzes go through the
services; attendance and attempts are bulk-created from the seed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from yingji.audit.context import acting_as
from yingji.core.demo import DemoContext, demo_step
from yingji.resources.models import Member, Team, TeamKind, TeamRole
from yingji.training import quizzes, services
from yingji.training.models import Attempt, AttemptStatus, Attendance, SessionKind, TrainingSession
from yingji.training.questions_demo import BANKS

MUST_KNOW_TEAMS = (TeamKind.STATION_TEAM, TeamKind.COMMUNITY_RESCUE)


def _dates(today: datetime.date, months_ago: list[int], day: int) -> list[datetime.date]:
    out = []
    for back in months_ago:
        year, month = today.year, today.month - back
        while month < 1:
            year, month = year - 1, month + 12
        out.append(datetime.date(year, month, min(day, 28)))
    return out


@demo_step(70, "training and quizzes")
def generate_training(context: DemoContext) -> None:
    commander = context.users.get("district")
    if commander is None or not context.streets:
        context.say("  no accounts: no training")
        return
    rng = context.sub_rng("training")
    today = timezone.localdate()
    district = context.districts[0]
    with acting_as(commander, source="command"), transaction.atomic():
        services.set_training_rule(actor=commander, jurisdiction=district, organiser_level="district", min_days=5)
        services.set_training_rule(actor=commander, jurisdiction=district, organiser_level="street", min_days=3)
        services.set_coverage_rule(actor=commander, jurisdiction=district, cycle_years=2)
        sessions: list[tuple[TrainingSession, float]] = []  # (session, share of its members attending)
        rescue = services.create_course(actor=commander, jurisdiction=district, title="区级应急救援骨干培训",
                                        topic="rescue_skills", hours=Decimal(8))
        cpr = services.create_course(actor=commander, jurisdiction=district, title="心肺复苏与AED使用培训",
                                     topic="cpr_aed", hours=Decimal(8), certificate_kind="cpr_aed",
                                     certificate_years=2)
        # Six district-run days a year against the five required, four and a half street-run against three:
        # a member who misses more than one session falls short.
        for on, days, course, place in ((_dates(today, [10], 15)[0], 2, rescue, "区应急管理局培训中心"),
                                        (_dates(today, [6], 10)[0], 2, rescue, "区消防救援大队训练基地"),
                                        (_dates(today, [3], 20)[0], 1, cpr, "区红十字会培训室"),
                                        (_dates(today, [1], 8)[0], 1, rescue, "区应急管理局培训中心")):
            sessions.append((services.create_session(actor=commander, course=course, jurisdiction=district,
                                                     starts_on=on, days=Decimal(days), place=place,
                                                     trainer="区应急管理局教官"), 0.92))
        for street in context.streets:
            course = services.create_course(actor=commander, jurisdiction=street, title=f"{street.name}应急队伍技能培训",
                                            topic="fire_classes", hours=Decimal(6))
            for on in _dates(today, [9, 5, 2], rng.randint(5, 25)):
                sessions.append((services.create_session(actor=commander, course=course, jurisdiction=street,
                                                         starts_on=on, days=Decimal("1.5"),
                                                         place=f"{street.name}应急管理服务中心站",
                                                         trainer=f"{street.name}安全员"), 0.9))
        members = list(Member.objects.filter(team__jurisdiction__path__startswith=district.path)
                       .values_list("pk", "team_id", "team__jurisdiction__path"))
        # About one member in twenty (new, on leave) came to no course this year: coverage has gaps to show.
        absent = {member_id for member_id, _team, _path in members if rng.random() < 0.05}
        rows = []
        for session, share in sessions:
            for member_id, _team, path in members:
                if member_id not in absent and path.startswith(session.jurisdiction.path) and rng.random() < share:
                    partial = session.days > 1 and rng.random() < 0.1
                    rows.append(Attendance(session=session, member_id=member_id, passed=rng.random() < 0.95,
                                           days=session.days - Decimal("0.5") if partial else session.days))
        rows += _must_know(context, rng, today, commander)
        Attendance.objects.bulk_create(rows, batch_size=2000)
        banks = _banks(commander, district)
        attempts = _quizzes(context, rng, commander, district, banks)
    short = sum(1 for r in services.training_days_table(
        Member.objects.filter(team__jurisdiction__path__startswith=district.path).select_related(
            "team__jurisdiction")[:2000], today.year) if not r.meets)
    context.say(f"  {TrainingSession.objects.count()} sessions, {len(rows)} attendance rows ({short} of the first 2000 members short "
                f"of the required days), {sum(len(b[3]) for b in BANKS)} questions in {len(BANKS)} banks, "
                f"{attempts} quiz attempts")


def _must_know(context: DemoContext, rng: Any, today: datetime.date, commander: Any) -> list[Attendance]:
    """Each station and community rescue team's monthly 应知应会 by its captain; about one month in eight missed."""
    rows: list[Attendance] = []
    teams = list(Team.objects.filter(kind__in=MUST_KNOW_TEAMS, jurisdiction__path__startswith=context.districts[0].path)
                 .select_related("jurisdiction"))
    captains = {m.team_id: m for m in Member.objects.filter(team__in=teams, team_role=TeamRole.CAPTAIN)}
    others: dict[int, list[int]] = {}
    for member_id, team_id in Member.objects.filter(team__in=teams).values_list("pk", "team_id"):
        others.setdefault(team_id, []).append(member_id)
    courses: dict[int, Any] = {}
    lagging = {t.pk for t in teams if rng.random() < 0.2}  # these teams skip more often
    for team in teams:
        captain = captains.get(team.pk)
        community = team.jurisdiction
        if captain is None or community.level != "community":
            continue
        if community.pk not in courses:
            courses[community.pk] = services.create_course(actor=commander, jurisdiction=community,
                                                           title=f"{community.name}每月应知应会", topic="general",
                                                           hours=Decimal(2))
        for month in range(1, today.month + 1):
            if rng.random() < (0.35 if team.pk in lagging else 0.08):
                continue
            on = datetime.date(today.year, month, min(rng.randint(5, 25), today.day if month == today.month else 28))
            session = services.create_session(actor=commander, course=courses[community.pk], jurisdiction=community,
                                               starts_on=on, days=Decimal("0.5"), place=f"{team.name}值班室",
                                               kind=SessionKind.MUST_KNOW, team=team, trainer_member=captain)
            for member_id in others.get(team.pk, []):
                if rng.random() < 0.7:
                    rows.append(Attendance(session=session, member_id=member_id, days=Decimal("0.5")))
    return rows


def _banks(commander: Any, district: Any) -> dict[str, Any]:
    banks = {}
    for code, title, topic, questions in BANKS:
        bank = quizzes.create_bank(actor=commander, jurisdiction=district, code=code, title=title, topic=topic)
        for kind, text, options, answer, explanation in questions:
            quizzes.add_question(actor=commander, bank=bank, kind=kind, text=text, options=options, answer=answer,
                                 explanation=explanation)
        banks[code] = bank
    return banks


def _quizzes(context: DemoContext, rng: Any, commander: Any, district: Any, banks: dict[str, Any]) -> int:
    """A residents' fire quiz open for two months with attempts from every community; a CPR quiz for a team."""
    now = timezone.now()
    opened = now - datetime.timedelta(days=45)
    fire = quizzes.create_quiz(actor=commander, jurisdiction=district, title="全民消防安全知识竞答", bank=banks["FIRE"],
                               audience="residents", time_limit_minutes=10, opens_at=opened,
                               closes_at=now + datetime.timedelta(days=30), pass_percent=60)
    quizzes.create_quiz(actor=commander, jurisdiction=district, title="居民安全出行小测验", bank=banks["TRAVEL"],
                        audience="residents", time_limit_minutes=5, opens_at=opened,
                        closes_at=now + datetime.timedelta(days=60))
    responder = Member.objects.filter(user__username="responder").select_related("team").first()
    if responder is not None:
        team = list(Member.objects.filter(team=responder.team))
        quizzes.create_quiz(actor=commander, jurisdiction=district, title="队员心肺复苏与AED考核", bank=banks["CPR"],
                            audience="members", members=team, time_limit_minutes=15, opens_at=opened,
                            closes_at=now + datetime.timedelta(days=30), partial_credit=True)
    questions = quizzes.quiz_questions(fire)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
    attempts = []
    for community in context.communities:
        keen = rng.random()
        for _n in range(rng.randint(0, 3) if keen < 0.2 else rng.randint(4, 14)):
            started = opened + datetime.timedelta(minutes=rng.randint(10, 45 * 24 * 60 - 60))
            answers = {}
            for q in questions:
                if rng.random() < 0.78:
                    answers[str(q.pk)] = list(q.answer)
                else:
                    answers[str(q.pk)] = [rng.randrange(len(q.options))]
            attempt = Attempt(quiz=fire, jurisdiction=community, resident_name=f"{rng.choice(surnames)}{rng.choice('先生女士')}"
                              if rng.random() < 0.9 else "居民", started_at=started,
                              deadline=started + datetime.timedelta(minutes=fire.time_limit_minutes),
                              submitted_at=started + datetime.timedelta(minutes=rng.randint(2, 9)),
                              status=AttemptStatus.SUBMITTED, answers=answers,
                              max_score=fire.points_per_question * len(questions))
            attempt.quiz = fire
            attempt.score = quizzes.score(attempt, questions)
            attempts.append(attempt)
    Attempt.objects.bulk_create(attempts, batch_size=1000)
    return len(attempts)
