"""Every write of training, and the indicators other apps read.

Writes (one transaction each, scope checked through core.scope, audit rows from
LedgerModel's signals): rules, courses, sessions, attendance. A passed
attendance of a course that grants a certificate issues or renews the member's
certificate through resources.services (the one place certificates change).

Indicators (read by pages, the API, exports and the assessments app):

    training_days(member, year) -> MemberYear        days per organiser level against the rules
    training_days_table(members, year) -> list[MemberYear]
    days_table(members queryset, year) -> Iterator[MemberYear]   the same for any number of members, no model each
    year_tenths(members, year) -> {member id: [days per level, hours] in tenths}   the sums in SQL, any number of members
    year_sums(members, year) -> {member id: (days per level, hours)}   the same as Decimals
    short_of_rules(members, year) -> ShortList       who falls short, without a Member model each
    counted_members(jurisdiction) -> CountedMembers  the rescue members a coverage rule counts, with their place
    coverage(jurisdiction, year) -> Coverage         rescue members trained within the rule's cycle
    must_know_gaps(jurisdiction, year, today) -> list[TeamMonths]   teams without a monthly 应知应会 session

Days are counted on calendar dates: a session of D days from S puts one day on
each of S, S+1, … (the last one the fraction left), and an attendance of d days
takes the first d of them, so a session over New Year counts in both years.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, Case, ExpressionWrapper, F, Func, Q, QuerySet, Sum, When
from django.db.models.lookups import Exact, GreaterThan
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.core.services import refuse_unknown_fields
from yingji.core.tabular import records
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources import services as resources_services
from yingji.resources.models import CertificateKind, Member, MemberCertificate, Team, TeamKind, TeamRole
from yingji.training.models import (
    Attendance,
    Course,
    CoverageRule,
    OrganiserLevel,
    SessionKind,
    Topic,
    TrainingRule,
    TrainingSession,
)

ORGANISER_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
MAX_SESSION_DAYS = Decimal(30)
# Who gives a team's monthly 应知应会 session: its backbone (骨干), every role but the plain member.
BACKBONE_ROLES = (TeamRole.CAPTAIN, TeamRole.VICE_CAPTAIN, TeamRole.COMMUNICATOR, TeamRole.SAFETY_OFFICER)
# Without a CoverageRule above them, station and community rescue teams are covered yearly.
DEFAULT_COVERAGE = (1, [TeamKind.STATION_TEAM.value, TeamKind.COMMUNITY_RESCUE.value])
# Teams that hold the monthly 应知应会 session.
MUST_KNOW_TEAM_KINDS = (TeamKind.STATION_TEAM, TeamKind.COMMUNITY_RESCUE)


def _decimal(value: Any, field_name: str, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        errors[field_name] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[field_name] = [_("Enter a number.")]
        return None
    return number.quantize(Decimal("0.1"))


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------- rules
def set_training_rule(*, actor: Any, jurisdiction: Jurisdiction, organiser_level: str, min_days: Any) -> TrainingRule:
    """The days a year each member of `jurisdiction`'s subtree must attend of training run at that level."""
    ensure_in(actor, "training.add_trainingrule", jurisdiction.path)
    errors: dict[str, list[str]] = {}
    if organiser_level not in OrganiserLevel.values:
        errors["organiser_level"] = [_("Choose district-run, street-run or community-run.")]
    days = _decimal(min_days, "min_days", errors)
    if days is not None and not Decimal(0) <= days <= Decimal(365):
        errors["min_days"] = [_("Enter between 0 and 365 days.")]
    _raise(errors)
    with transaction.atomic():
        rule, created = TrainingRule.objects.get_or_create(jurisdiction=jurisdiction, organiser_level=organiser_level,
                                                           defaults={"min_days": days})
        if not created and rule.min_days != days:
            rule.min_days = days  # type: ignore[assignment]
            rule.save()
    return rule


def set_coverage_rule(*, actor: Any, jurisdiction: Jurisdiction, cycle_years: int,
                      team_kinds: Iterable[str] | None = None) -> CoverageRule:
    """Every member of these team types in the subtree is trained once every `cycle_years` years."""
    ensure_in(actor, "training.add_coveragerule", jurisdiction.path)
    errors: dict[str, list[str]] = {}
    if not isinstance(cycle_years, int) or not 1 <= cycle_years <= 5:
        errors["cycle_years"] = [_("The cycle is one to five years.")]
    kinds = list(dict.fromkeys(team_kinds or DEFAULT_COVERAGE[1]))
    unknown = [k for k in kinds if k not in TeamKind.values]
    if unknown:
        errors["team_kinds"] = [_("Unknown team types: %(kinds)s.") % {"kinds": ", ".join(map(str, unknown))}]
    _raise(errors)
    with transaction.atomic():
        rule, created = CoverageRule.objects.get_or_create(jurisdiction=jurisdiction, defaults={
            "cycle_years": cycle_years, "team_kinds": kinds})
        if not created and (rule.cycle_years, rule.team_kinds) != (cycle_years, kinds):
            rule.cycle_years, rule.team_kinds = cycle_years, kinds
            rule.save()
    return rule


# ---------------------------------------------------------------- courses, sessions, attendance
def _clean_course(jurisdiction: Jurisdiction, data: dict[str, Any]) -> dict[str, Any]:
    """A course's fields checked (create_course and update_course, hence the API and the pages): the
    fields to store, or ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    if jurisdiction.level not in ORGANISER_LEVELS:
        errors["jurisdiction"] = [_("Courses are organised by the district, a street or a community.")]
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the course a title.")]
    elif len(title) > 200:
        errors["title"] = [_("At most %(n)s characters.") % {"n": 200}]
    topic = data.get("topic")
    if topic not in Topic.values:
        errors["topic"] = [_("Choose a topic from the list.")]
    number = _decimal(data.get("hours") or 0, "hours", errors)
    if number is not None and not Decimal(0) <= number <= Decimal(1000):
        errors["hours"] = [_("Enter between 0 and 1000 hours.")]
    certificate_kind = data.get("certificate_kind") or ""
    certificate_years = data.get("certificate_years")
    if certificate_kind and certificate_kind not in CertificateKind.values:
        errors["certificate_kind"] = [_("Choose a certificate from the list.")]
    if certificate_kind and not certificate_years:
        errors["certificate_years"] = [_("Say for how many years the certificate is valid.")]
    elif certificate_kind and (not isinstance(certificate_years, int) or not 1 <= certificate_years <= 20):
        errors["certificate_years"] = [_("Between 1 and 20 years.")]
    _raise(errors)
    return {"title": title, "topic": topic, "hours": number, "certificate_kind": certificate_kind,
            "certificate_years": certificate_years if certificate_kind else None}


COURSE_FIELDS = ("title", "topic", "hours", "certificate_kind", "certificate_years")


def create_course(*, actor: Any, jurisdiction: Jurisdiction, title: str, topic: str = Topic.GENERAL,
                  hours: Any = 0, certificate_kind: str = "", certificate_years: int | None = None) -> Course:
    """A course organised by `jurisdiction` (the district, a street or a community)."""
    ensure_in(actor, "training.add_course", jurisdiction.path)
    fields = _clean_course(jurisdiction, {"title": title, "topic": topic, "hours": hours,
                                          "certificate_kind": certificate_kind,
                                          "certificate_years": certificate_years})
    return Course.objects.create(jurisdiction=jurisdiction, **fields)


def update_course(course: Course, *, actor: Any, **changes: Any) -> Course:
    """Change a course's title, topic, hours or certificate (its organiser stays). Hours credited to
    attendance follow the course, so a change of hours changes every attendee's hours."""
    ensure(actor, "change", course)
    refuse_unknown_fields(changes, COURSE_FIELDS)
    current = {name: getattr(course, name) for name in COURSE_FIELDS}
    fields = _clean_course(course.jurisdiction, {**current, **changes})
    with transaction.atomic():
        for name, value in fields.items():
            setattr(course, name, value)
        course.save()
    return course


def _clean_session(course: Course, jurisdiction: Jurisdiction, data: dict[str, Any]) -> dict[str, Any]:
    """A session's fields checked (create_session and update_session)."""
    errors: dict[str, list[str]] = {}
    if not jurisdiction.path.startswith(course.jurisdiction.path):
        errors["jurisdiction"] = [_("A session is held inside the area of the course's organiser.")]
    starts_on = data.get("starts_on")
    if not isinstance(starts_on, datetime.date):
        errors["starts_on"] = [_("Enter a date.")]
    number = _decimal(data.get("days"), "days", errors)
    if number is not None and not Decimal(0) < number <= MAX_SESSION_DAYS:
        errors["days"] = [_("A session lasts more than 0 and at most %(n)s days.") % {"n": MAX_SESSION_DAYS}]
    kind = data.get("kind")
    team: Team | None = data.get("team")
    trainer_member: Member | None = data.get("trainer_member")
    if kind not in SessionKind.values:
        errors["kind"] = [_("Choose a course session or a monthly must-know session.")]
    if team is not None and not team.jurisdiction.path.startswith(jurisdiction.path):
        errors["team"] = [_("The team is not in this session's jurisdiction.")]
    if kind == SessionKind.MUST_KNOW:
        if team is None:
            errors["team"] = [_("A monthly must-know session names its team.")]
        if trainer_member is None:
            errors["trainer_member"] = [_("Name the backbone member who gave the session.")]
        elif team is not None and (trainer_member.team_id != team.pk or trainer_member.team_role not in BACKBONE_ROLES):
            errors["trainer_member"] = [_("The trainer must be a captain, vice captain, communicator or safety "
                                          "officer of the team.")]
    elif trainer_member is not None and not trainer_member.team.jurisdiction.path.startswith(
            course.jurisdiction.path):
        errors["trainer_member"] = [_("%(name)s is not in the area of the course's organiser.")
                                    % {"name": trainer_member.name}]
    _raise(errors)
    return {"course": course, "jurisdiction": jurisdiction, "kind": kind, "starts_on": starts_on, "days": number,
            "place": (data.get("place") or "").strip()[:200],
            "trainer": (data.get("trainer") or (trainer_member.name if trainer_member else "")).strip()[:100],
            "team": team, "trainer_member": trainer_member}


SESSION_FIELDS = ("course", "starts_on", "days", "place", "trainer", "team", "trainer_member")


def create_session(*, actor: Any, course: Course, jurisdiction: Jurisdiction, starts_on: datetime.date,
                   days: Any, place: str = "", trainer: str = "", kind: str = SessionKind.COURSE,
                   team: Team | None = None, trainer_member: Member | None = None) -> TrainingSession:
    """A session of `course` held in `jurisdiction` (inside the organiser's area).

    A monthly 应知应会 session names its team (inside the jurisdiction) and the
    backbone member of that team who gave it; a course session may name a team too.
    """
    ensure(actor, "view", course)
    ensure_in(actor, "training.add_trainingsession", jurisdiction.path)
    fields = _clean_session(course, jurisdiction, {
        "starts_on": starts_on, "days": days, "place": place, "trainer": trainer, "kind": kind, "team": team,
        "trainer_member": trainer_member})
    return TrainingSession.objects.create(**fields)


def update_session(session: TrainingSession, *, actor: Any, **changes: Any) -> TrainingSession:
    """Change a session's course, dates, place, trainer or team (where it is held and its kind stay).

    Attendance recorded stays valid: the days cannot drop below the most anyone attended, and a
    monthly 应知应会 session cannot move to a team its attendees are not in.
    """
    ensure(actor, "change", session)
    refuse_unknown_fields(changes, SESSION_FIELDS)
    if "course" in changes and changes["course"] != session.course:
        ensure(actor, "view", changes["course"])
    current = {name: getattr(session, name) for name in SESSION_FIELDS}
    data = {**current, **changes, "kind": session.kind}
    fields = _clean_session(data.pop("course"), session.jurisdiction, data)
    errors: dict[str, list[str]] = {}
    attended = list(session.attendance.select_related("member"))
    most = max((a.days for a in attended), default=Decimal(0))
    if fields["days"] < most:
        errors["days"] = [_("Someone attended %(n)s days of this session; it cannot be shorter.") % {"n": most}]
    if session.kind == SessionKind.MUST_KNOW:
        outside = [a.member.name for a in attended if a.member.team_id != getattr(fields["team"], "pk", None)]
        if outside:
            errors["team"] = [_("Attendance is recorded for members of another team: %(names)s.")
                              % {"names": "、".join(outside[:5])}]
    _raise(errors)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(session, name, value)
        session.save()
    return session


def record_attendance(session: TrainingSession, *, actor: Any, member: Member, days: Any = None,
                      passed: bool = True) -> Attendance:
    """Record (or correct) that `member` attended `days` of the session (all of it by default).

    A passed attendance of a course that grants a certificate issues or renews
    the member's certificate, valid from the session's last day.
    """
    ensure(actor, "change", session)
    errors: dict[str, list[str]] = {}
    if not member.team.jurisdiction.path.startswith(session.course.jurisdiction.path):
        errors["member"] = [_("%(name)s is not in the area of the course's organiser.") % {"name": member.name}]
    if session.kind == SessionKind.MUST_KNOW and member.team_id != session.team_id:
        errors["member"] = [_("%(name)s is not a member of the session's team.") % {"name": member.name}]
    number = session.days if days in (None, "") else _decimal(days, "days", errors)
    if number is not None and not Decimal(0) < number <= session.days:
        errors["days"] = [_("Between more than 0 and the session's %(n)s days.") % {"n": session.days}]
    _raise(errors)
    with transaction.atomic():
        attendance, created = Attendance.objects.get_or_create(session=session, member=member,
                                                               defaults={"days": number, "passed": passed})
        if not created and (attendance.days, attendance.passed) != (number, passed):
            attendance.days, attendance.passed = number, passed  # type: ignore[assignment]
            attendance.save()
        course = session.course
        if passed and course.certificate_kind and course.certificate_years:
            _renew_certificate(member, course, session_end(session), actor=actor)
    return attendance


def _renew_certificate(member: Member, course: Course, on: datetime.date, *, actor: Any) -> None:
    try:
        expires = on.replace(year=on.year + int(course.certificate_years or 0))
    except ValueError:  # 29 February
        expires = on.replace(year=on.year + int(course.certificate_years or 0), day=28)
    existing = MemberCertificate.objects.filter(member=member, kind=course.certificate_kind).first()
    if existing is None:
        resources_services.add_certificate(actor=actor, member=member, kind=course.certificate_kind, issued_on=on,
                                           expires_on=expires, number="")
    elif existing.expires_on is None or existing.expires_on < expires:
        resources_services.update_certificate(existing, actor=actor, issued_on=on, expires_on=expires)


def delete_attendance(attendance: Attendance, *, actor: Any) -> None:
    ensure(actor, "delete", attendance)
    attendance.delete()


def set_attendance(session: TrainingSession, *, actor: Any, present: Iterable[tuple[Member, Any, bool]],
                   absent: Iterable[Member] = ()) -> list[Attendance]:
    """The session's register ticked at once (签到表): each (member, days or None for all of it, passed)
    recorded through record_attendance, each absent member's attendance removed; all or nothing.

    A refusal names the field and the member: "days: 李四: …" — the whole register is left as it was.
    """
    ensure(actor, "change", session)
    errors: dict[str, list[str]] = defaultdict(list)
    recorded = []
    with transaction.atomic():
        for member, days, passed in present:
            try:
                recorded.append(record_attendance(session, actor=actor, member=member, days=days, passed=passed))
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors[name].extend(f"{member.name}: {m}" if member.name not in m else m for m in messages)
        if errors:
            raise ValidationError(dict(errors))
        for item in Attendance.objects.filter(session=session, member__in=list(absent)):
            delete_attendance(item, actor=actor)
    return recorded


# ---------------------------------------------------------------- counting days
def day_slices(starts_on: datetime.date, days: Decimal) -> list[tuple[datetime.date, Decimal]]:
    """(date, share of a day) for a stretch of `days` days from `starts_on`: whole days, then the fraction."""
    out = []
    left, offset = Decimal(days), 0
    while left > 0:
        share = min(Decimal(1), left)
        out.append((starts_on + datetime.timedelta(days=offset), share))
        left -= share
        offset += 1
    return out


def hours_for(session: TrainingSession, days: Decimal) -> Decimal:
    """The hours (学时) credited for `days` of the session: the course's hours in proportion."""
    return credited_hours(session.course.hours, days, session.days)


def credited_hours(course_hours: Decimal, days: Decimal, session_days: Decimal) -> Decimal:
    """`days` of a session of `session_days` days of a course of `course_hours` hours, in hours."""
    return (course_hours * Decimal(days) / session_days).quantize(Decimal("0.1"))


def session_end(session: TrainingSession) -> datetime.date:
    return session_end_of(session.starts_on, session.days)


def session_end_of(starts_on: datetime.date, days: Decimal) -> datetime.date:
    """The date of the last (maybe partial) day of a stretch of `days` days from `starts_on`."""
    return day_slices(starts_on, days)[-1][0]


def days_in_year(starts_on: datetime.date, days: Decimal, year: int) -> Decimal:
    return sum((share for on, share in day_slices(starts_on, days) if on.year == year), Decimal(0))


def _year_window(year: int, years: int = 1) -> tuple[datetime.date, datetime.date]:
    """Sessions that can put a day into [1 Jan of year-years+1, 31 Dec of year]."""
    return (datetime.date(year - years + 1, 1, 1) - datetime.timedelta(days=int(MAX_SESSION_DAYS)),
            datetime.date(year, 12, 31))


def _nearest_rules(path: str, rules: list[TrainingRule]) -> dict[str, Decimal]:
    """Per organiser level, the rule of the deepest jurisdiction at or above `path`."""
    chosen: dict[str, tuple[int, Decimal]] = {}
    for rule in rules:
        rule_path = rule.jurisdiction.path
        if path.startswith(rule_path):
            depth = len(rule_path)
            if rule.organiser_level not in chosen or chosen[rule.organiser_level][0] < depth:
                chosen[rule.organiser_level] = (depth, rule.min_days)
    return {level: days for level, (_depth, days) in chosen.items()}


@dataclass
class MemberYear:
    """A member's training in one calendar year, by organiser level, against the rules."""

    member: Member | Any  # a model, or a record of MEMBER_FIELDS (days_table)
    year: int
    days: dict[str, Decimal] = field(default_factory=dict)
    hours: Decimal = Decimal(0)
    required: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total_days(self) -> Decimal:
        return sum(self.days.values(), Decimal(0))

    @property
    def short(self) -> dict[str, Decimal]:
        """Per level, the days still missing (only levels below their rule)."""
        return {level: need - self.days.get(level, Decimal(0)) for level, need in self.required.items()
                if self.days.get(level, Decimal(0)) < need}

    @property
    def meets(self) -> bool:
        return not self.short

    def as_dict(self) -> dict[str, Any]:
        return {"member": self.member.pk, "name": self.member.name, "team": self.member.team.name, "year": self.year,
                "days": {k: float(v) for k, v in self.days.items()}, "total_days": float(self.total_days),
                "hours": float(self.hours), "required": {k: float(v) for k, v in self.required.items()},
                "short": {k: float(v) for k, v in self.short.items()}, "meets": self.meets}


class _Tenths(Func):
    """A one-decimal number in SQL as a whole number of tenths (exact on SQLite's floats too)."""

    template = "CAST(ROUND(%(expressions)s * 10) AS bigint)"
    output_field = BigIntegerField()


def _credited_tenths() -> Any:
    """credited_hours() of an attendance in SQL, in tenths of an hour: course hours × days attended ÷ the
    session's days, to the tenth, a half to even (as Decimal.quantize does), in whole-number arithmetic.
    Most attend a whole session: then it is the course's hours."""
    hours, days, divisor = _Tenths(F("session__course__hours")), _Tenths(F("days")), _Tenths(F("session__days"))
    product = ExpressionWrapper(hours * days, output_field=BigIntegerField())
    quotient = ExpressionWrapper(product / divisor, output_field=BigIntegerField())
    twice_rest = ExpressionWrapper((product - quotient * divisor) * 2, output_field=BigIntegerField())
    odd = ExpressionWrapper(quotient - (quotient / 2) * 2, output_field=BigIntegerField())
    return Case(When(Exact(F("days"), F("session__days")), then=hours),
                When(GreaterThan(twice_rest, divisor), then=quotient + 1),
                When(Exact(twice_rest, divisor), then=quotient + odd),
                default=quotient, output_field=BigIntegerField())


def _member_ids(members: Any) -> Any:
    """What `member_id__in` takes: a subquery for a queryset (no 8,400 parameters), else the ids."""
    if isinstance(members, QuerySet):
        return members.order_by().values("pk")
    return [m if isinstance(m, int) else m.pk for m in members]


LEVELS = [level.value for level in OrganiserLevel]  # the order of year_tenths' columns


def year_tenths(members: Any, year: int, *, hours: bool = True) -> dict[int, list[int]]:
    """Per member (of a queryset or a list of members or ids) with training in `year`: [days run by the district,
    by a street, by a community, hours], each in whole tenths — the sums in SQL, 3 queries. `hours=False` leaves
    the hours at 0 (who falls short needs only the days; the hours' arithmetic is a third of the query).

    A session inside the year counts whole; only the few sessions over a New Year (a day in each year)
    are read row by row and cut on calendar dates (day_slices), as MemberYear's rule says.
    """
    ids = _member_ids(members)
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    edge_start, _end = _year_window(year)
    # A session of at most MAX_SESSION_DAYS days crosses a New Year only if it starts in these weeks.
    spanning = {pk: (starts_on, days, hours, level) for pk, starts_on, days, hours, level in
                TrainingSession.objects.filter(Q(starts_on__gte=edge_start, starts_on__lt=first)
                                               | Q(starts_on__gt=last - datetime.timedelta(days=int(MAX_SESSION_DAYS)),
                                                   starts_on__lte=last), course__isnull=False)
                .order_by().values_list("pk", "starts_on", "days", "course__hours", "course__jurisdiction__level")
                if session_end_of(starts_on, days).year != starts_on.year}
    # One row per member, a column per organiser level: grouped by member alone, SQLite walks the
    # (member, session, days) index in member order, reads no attendance row and needs no sort.
    columns: dict[str, Any] = {level: Sum(_Tenths(F("days")), filter=Q(session__course__jurisdiction__level=level))
                               for level in LEVELS}
    if hours:
        columns["hours"] = Sum(_credited_tenths())
    sums: dict[int, list[int]] = {}
    for member_id, *figures in (
            Attendance.objects.filter(member_id__in=ids, session__starts_on__gte=first, session__starts_on__lte=last,
                                      session__course__isnull=False).exclude(session_id__in=list(spanning))
            .order_by().values("member_id").annotate(**columns).values_list("member_id", *columns)):
        sums[member_id] = [value or 0 for value in figures] + ([] if hours else [0])
    if spanning:
        for member_id, session_id, days in (Attendance.objects.filter(member_id__in=ids, session_id__in=list(spanning))
                                            .order_by().values_list("member_id", "session_id", "days")):
            starts_on, session_days, course_hours, level = spanning[session_id]
            share = days_in_year(starts_on, days, year)
            if not share:
                continue
            row = sums.setdefault(member_id, [0] * (len(LEVELS) + 1))
            row[LEVELS.index(level)] += int(share * 10)
            if hours:
                row[-1] += int(credited_hours(course_hours, share, session_days) * 10)
    return sums


def year_sums(members: Any, year: int) -> dict[int, tuple[dict[str, Decimal], Decimal]]:
    """Per member with training in `year`: (days per organiser level attended, hours), as year_tenths sums them."""
    tenth = Decimal("0.1")
    return {member_id: ({level: Decimal(value) * tenth for level, value in zip(LEVELS, row, strict=False) if value},
                        Decimal(row[-1]) * tenth) for member_id, row in year_tenths(members, year).items()}


def training_days_table(members: Iterable[Member], year: int) -> list[MemberYear]:
    """Each member's days and hours in `year` per organiser level, and the days the rules require
    (year_sums: 3-4 queries, whatever the number of members)."""
    members = list(members)
    if not members:
        return []
    sums = year_sums(members, year)
    required = RequiredDays()
    rows = []
    for member in members:
        days, hours = sums.get(member.pk, ({}, Decimal(0)))
        rows.append(MemberYear(member=member, year=year, days=dict(days), hours=hours,
                               required=required.at(member.team.jurisdiction.path)))
    return rows


MEMBER_FIELDS = ("pk", "name", "team__name", "team__jurisdiction__name", "team__jurisdiction__path")


def days_table(members: QuerySet, year: int) -> Iterator[MemberYear]:
    """training_days_table for every member of a queryset (the API's days, the export), on plain rows: each
    member a record of MEMBER_FIELDS (`row.member.team.name` reads as on a model; core.tabular.records), the
    sums in SQL — a fixed number of queries and no Member model, whatever the number of members. Lazy: the
    rows are read as they are drawn (a streamed export writes them as they come)."""
    sums = year_sums(members, year)
    required = RequiredDays()
    for member in records(members, MEMBER_FIELDS):
        days, hours = sums.get(member.pk, ({}, Decimal(0)))
        yield MemberYear(member=member, year=year, days=dict(days), hours=hours,
                         required=required.at(member.team.jurisdiction.path))


class RequiredDays:
    """The days the nearest rules require per organiser level, for a jurisdiction's path (1 query, cached by path)."""

    def __init__(self) -> None:
        self.rules = list(TrainingRule.objects.select_related("jurisdiction").defer("jurisdiction__boundary"))
        self.by_path: dict[str, dict[str, Decimal]] = {}

    def at(self, path: str) -> dict[str, Decimal]:
        if path not in self.by_path:
            self.by_path[path] = _nearest_rules(path, self.rules)
        return dict(self.by_path[path])


@dataclass
class ShortList:
    """Who of the members falls short of the rules in a year, without a Member model per member."""

    member_ids: list[int]  # every member, in the queryset's order
    short_ids: list[int]

    @property
    def members(self) -> int:
        return len(self.member_ids)


def short_of_rules(members: Any, year: int) -> ShortList:
    """The members (a queryset, in its order) that fall short of their rules in `year`: the sums in SQL
    (year_sums, days only), one row of (id, path) per member, the comparison per member on plain numbers."""
    sums = year_tenths(members, year, hours=False)
    required = RequiredDays()
    needs: dict[str, list[tuple[int, int]]] = {}  # path -> (column, tenths required), per level with a rule
    ids_paths = list(members.values_list("pk", "team__jurisdiction__path"))
    nothing = [0] * (len(LEVELS) + 1)
    short = []
    for pk, path in ids_paths:
        need = needs.get(path)
        if need is None:
            need = needs[path] = [(LEVELS.index(level), int(days * 10)) for level, days in required.at(path).items()
                                  if level in LEVELS]
        tenths = sums.get(pk, nothing)
        if any(tenths[column] < wanted for column, wanted in need):
            short.append(pk)
    return ShortList(member_ids=[pk for pk, _path in ids_paths], short_ids=short)


def members_of(user: Any, area: Jurisdiction) -> Any:
    """The team members under `area` that `user` sees, in the order of the tables."""
    return (Member.objects.visible_to(user).filter(team__jurisdiction__path__startswith=area.path)
            .select_related("team__jurisdiction").defer("team__jurisdiction__boundary")
            .order_by("team__jurisdiction__path", "team__code", "name"))


def training_days(member: Member, year: int) -> MemberYear:
    """One member's training days in `year` (see training_days_table)."""
    return training_days_table([member], year)[0]


@dataclass
class Coverage:
    """How many rescue members of a jurisdiction were trained within their rule's cycle ending in `year`."""

    year: int
    members: int
    covered: int
    missing_ids: list[int]  # in the order of the teams, then names
    # (team's jurisdiction id, member id) of every member counted, in the same order: the place each
    # member is counted in, so a grouped form splits the one selection by subject (training.indicators).
    counted: list[tuple[int, int]] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return round(100.0 * self.covered / self.members, 1) if self.members else 100.0

    @cached_property
    def missing(self) -> list[Member]:
        """The members missing, as models (1 query; the page and the export read `missing_people`)."""
        by_pk = Member.objects.select_related("team").in_bulk(self.missing_ids)
        return [by_pk[pk] for pk in self.missing_ids]

    def missing_people(self, limit: int | None = None) -> list[tuple[int, str, str]]:
        """(id, name, team's name) of the first `limit` members missing (all by default), plain rows."""
        ids = self.missing_ids[:limit]
        found = {pk: (pk, name, team) for pk, name, team in
                 Member.objects.filter(pk__in=ids).values_list("pk", "name", "team__name")}
        return [found[pk] for pk in ids]

    @cached_property
    def first_missing(self) -> list[tuple[int, str, str]]:
        """The 30 the page names."""
        return self.missing_people(30)

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "members": self.members, "covered": self.covered, "percent": self.percent,
                "missing": [{"member": pk, "name": name, "team": team} for pk, name, team in self.missing_people()]}


def _coverage_rule(path: str, rules: list[CoverageRule]) -> tuple[int, list[str]]:
    best: CoverageRule | None = None
    for rule in rules:
        if path.startswith(rule.jurisdiction.path) and (best is None or
                                                        len(rule.jurisdiction.path) > len(best.jurisdiction.path)):
            best = rule
    return (best.cycle_years, list(best.team_kinds)) if best else DEFAULT_COVERAGE


@dataclass
class CountedMembers:
    """The rescue members a coverage rule counts under a jurisdiction (coverage's one selection)."""

    cycles: dict[int, int]  # team id -> its nearest rule's cycle years, for teams of the types that rule names
    members: list[tuple[int, int, int]]  # (member id, team id, team's jurisdiction id), by team then name


def counted_members(jurisdiction: Jurisdiction) -> CountedMembers:
    """The members of the teams under `jurisdiction` whose kind their nearest CoverageRule (or
    DEFAULT_COVERAGE) names, with their team's cycle and place: 3 queries, no model each."""
    rules = list(CoverageRule.objects.select_related("jurisdiction").defer("jurisdiction__boundary"))
    by_path: dict[str, tuple[int, list[str]]] = {}
    cycles: dict[int, int] = {}
    places: dict[int, int] = {}  # team id -> its jurisdiction id
    for team_id, kind, path, place in (Team.objects.filter(jurisdiction__path__startswith=jurisdiction.path)
                                       .order_by().values_list("pk", "kind", "jurisdiction__path",
                                                               "jurisdiction_id")):
        if path not in by_path:
            by_path[path] = _coverage_rule(path, rules)
        cycle, kinds = by_path[path]
        if kind in kinds:
            cycles[team_id], places[team_id] = cycle, place
    ids_teams = Member.objects.filter(team_id__in=list(cycles)).order_by("team", "name").values_list("pk", "team_id")
    return CountedMembers(cycles, [(pk, team_id, places[team_id]) for pk, team_id in ids_teams])


def coverage(jurisdiction: Jurisdiction, year: int) -> Coverage:
    """Members of the rule's team types under `jurisdiction` with a day of training in the cycle ending in `year`.

    The cycle of a team is its nearest CoverageRule's (one year: this year; two
    years: this year or the last), counted on the dates training took place. Course sessions count,
    a team's own monthly 应知应会 does not. The members counted are counted_members'.
    """
    selection = counted_members(jurisdiction)
    counted = selection.cycles
    longest = max(counted.values(), default=1)
    start, end = _year_window(year, longest)
    # Courses count; a team's own monthly 应知应会 does not (轮训 is training by the district, a street or a community).
    # Not filtered by member: SQLite then walks every attendance of every member counted (0.4 s at futian);
    # by the sessions' dates it reads the cycle's only, and members not counted are never looked up.
    attended = Attendance.objects.filter(session__starts_on__gte=start, session__starts_on__lte=end,
                                         session__kind=SessionKind.COURSE).order_by()
    trained: dict[int, set[int]] = defaultdict(set)  # member -> years with a day of training
    # Who trained in each year of the cycle, by the date a session starts, in SQL (distinct members); a
    # session into a New Year (it can only start in December) also puts days into the next year: those
    # few are cut on calendar dates.
    for counted_year in range(year - longest + 1, year + 1):
        for member_id in (attended.filter(session__starts_on__gte=datetime.date(counted_year, 1, 1),
                                          session__starts_on__lte=datetime.date(counted_year, 12, 31))
                          .values_list("member_id", flat=True).distinct()):
            trained[member_id].add(counted_year)
    decembers = Q()
    for december_year in range(year - longest, year):  # a date range, not __month (a Python function on SQLite)
        decembers |= Q(session__starts_on__gte=datetime.date(december_year, 12, 2),
                       session__starts_on__lte=datetime.date(december_year, 12, 31))
    for member_id, starts_on, days in attended.filter(decembers).values_list("member_id", "session__starts_on", "days"):
        trained[member_id].update(on.year for on, _share in day_slices(starts_on, days))
    missing_ids = [pk for pk, team_id, _place in selection.members
                   if not any(year - counted[team_id] < y <= year for y in trained.get(pk, ()))]
    # No Member model: the page names the first 30 (missing_people), the API and the export read plain rows.
    return Coverage(year=year, members=len(selection.members), covered=len(selection.members) - len(missing_ids),
                    missing_ids=missing_ids, counted=[(place, pk) for pk, _team, place in selection.members])


@dataclass
class TeamMonths:
    team: Team
    held: list[int]
    missed: list[int]

    @property
    def marks(self) -> list[str]:
        """Per month of the year: "held", "missed" or "" (not due yet) — the page's grid, one lookup a cell."""
        held, missed = set(self.held), set(self.missed)
        return ["held" if m in held else "missed" if m in missed else "" for m in range(1, 13)]


def must_know_gaps(jurisdiction: Jurisdiction, year: int, today: datetime.date | None = None) -> list[TeamMonths]:
    """For each station and community rescue team under `jurisdiction`, the months of `year` (up to the
    current one when `year` is this year) with and without a monthly 应知应会 session."""
    today = today or datetime.date.today()
    if year > today.year:
        last_month = 0
    elif year == today.year:
        last_month = today.month
    else:
        last_month = 12
    teams = list(Team.objects.filter(jurisdiction__path__startswith=jurisdiction.path, kind__in=MUST_KNOW_TEAM_KINDS)
                 .select_related("jurisdiction").only("name", "code", "jurisdiction__code")  # what the page and API name
                 .order_by("jurisdiction__path", "code"))
    held: dict[int, set[int]] = defaultdict(set)
    for team_id, starts_on in (TrainingSession.objects.filter(kind=SessionKind.MUST_KNOW, team__in=teams,
                                                              starts_on__year=year)
                               .values_list("team_id", "starts_on")):
        held[team_id].add(starts_on.month)
    return [TeamMonths(team=t, held=sorted(held[t.pk]),
                       missed=[m for m in range(1, last_month + 1) if m not in held[t.pk]]) for t in teams]
