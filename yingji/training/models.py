"""Training (培训) and online learning (题库、测验) of emergency teams and residents.

Training: a course (课程) is organised by the district, a street or a
community — the organiser's level is its jurisdiction's level; its sessions
(培训班次) are held on dates, at a place, in a jurisdiction, by a trainer,
for some days; attendance (签到) records which team members (resources.Member)
took part and for how many days. What each person must reach per year is data
(`TrainingRule`: district-run ≥ 5 days, street-run ≥ 3), so is how often every
rescue member must be trained (`CoverageRule`: every one or two years).
The monthly "应知应会" sessions are sessions of kind MUST_KNOW for one team,
given by one of its backbone members (a captain, vice captain, communicator or
safety officer). A course may grant a certificate of the resources app
(MemberCertificate): passing it issues or renews that certificate.

Online learning: question banks (题库) by topic hold single-choice,
multiple-choice and true/false questions; a quiz (测验) draws its questions
from a bank and is assigned to members or open to residents; an attempt
(答题) is timed on the server (services/quizzes.py).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel


class OrganiserLevel(models.TextChoices):
    DISTRICT = "district", _("District-run")
    STREET = "street", _("Street-run")
    COMMUNITY = "community", _("Community-run")


class Topic(models.TextChoices):
    FIRE_CLASSES = "fire_classes", _("Fire classes by burning material")
    THREE_TWO_ONE = "three_two_one", _("Three knows, two skills, one device")
    CPR_AED = "cpr_aed", _("CPR and AED")
    SAFE_TRAVEL = "safe_travel", _("Safe travel")
    FLOOD = "flood", _("Flood")
    TYPHOON = "typhoon", _("Typhoon")
    EARTHQUAKE = "earthquake", _("Earthquake")
    RESCUE_SKILLS = "rescue_skills", _("Rescue skills")
    GENERAL = "general", _("General emergency knowledge")


class TrainingRule(LedgerModel):
    """A required amount of training: each rescue member of the jurisdiction's
    subtree attends at least `min_days` days a year of training run at
    `organiser_level` (the district's rule: district-run ≥ 5, street-run ≥ 3).
    The rule nearest above a member's team wins."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    organiser_level = models.CharField(_("organiser level"), max_length=12, choices=OrganiserLevel.choices)
    min_days = models.DecimalField(_("required days a year"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("training rule")
        verbose_name_plural = _("training rules")
        ordering = ["jurisdiction__path", "organiser_level"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "organiser_level"], name="training_rule_one_per_level",
                                    violation_error_message=_("This jurisdiction already has a rule for this level.")),
            models.CheckConstraint(condition=models.Q(min_days__gte=0), name="training_rule_days_not_negative",
                                   violation_error_message=_("The required days cannot be negative.")),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} · {self.get_organiser_level_display()} ≥ {self.min_days}"


class CoverageRule(LedgerModel):
    """Every member of the named team types in the jurisdiction's subtree is
    trained at least once every `cycle_years` years (全员轮训); the nearest rule
    above a team wins."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    cycle_years = models.PositiveSmallIntegerField(_("every how many years"), default=1)
    team_kinds = models.JSONField(_("team types"), default=list, blank=True)

    class Meta:
        verbose_name = _("coverage rule")
        verbose_name_plural = _("coverage rules")
        ordering = ["jurisdiction__path"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction"], name="training_coverage_one_per_jurisdiction",
                                    violation_error_message=_("This jurisdiction already has a coverage rule.")),
            models.CheckConstraint(condition=models.Q(cycle_years__gte=1, cycle_years__lte=5),
                                   name="training_coverage_cycle_range",
                                   violation_error_message=_("The cycle is one to five years.")),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} · {self.cycle_years}"

    @property
    def team_kind_labels(self) -> list[str]:
        from yingji.resources.models import TeamKind

        return [str(TeamKind(k).label) if k in TeamKind.values else k for k in self.team_kinds]


class Course(LedgerModel):
    """A training course (培训课程) organised by the district, a street or a
    community, with the hours of one session and, optionally, the certificate
    that passing it grants."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("organiser"),
                                     on_delete=models.PROTECT, related_name="+")
    title = models.CharField(pgettext_lazy("course", "title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default=Topic.GENERAL)
    hours = models.DecimalField(pgettext_lazy("training", "hours"), max_digits=5, decimal_places=1, default=0)
    # A resources.CertificateKind; passing issues or renews the member's certificate (resources app).
    certificate_kind = models.CharField(_("certificate granted"), max_length=20, blank=True)
    certificate_years = models.PositiveSmallIntegerField(_("certificate valid for (years)"), null=True, blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["jurisdiction__path", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def organiser_level(self) -> str:
        return self.jurisdiction.level

    @property
    def certificate_kind_label(self) -> str:
        """The certificate's name (a resources.CertificateKind), or "" when the course grants none."""
        from yingji.resources.models import CertificateKind

        if not self.certificate_kind:
            return ""
        kind = self.certificate_kind
        return str(CertificateKind(kind).label) if kind in CertificateKind.values else kind

    def get_organiser_level_display(self) -> str:
        try:
            return str(OrganiserLevel(self.jurisdiction.level).label)
        except ValueError:
            return self.jurisdiction.level


class SessionKind(models.TextChoices):
    COURSE = "course", _("Course session")
    MUST_KNOW = "must_know", _("Monthly must-know training")


class TrainingSession(LedgerModel):
    """One holding of a course (培训班次): from a date for some days, at a place,
    in a jurisdiction, by a trainer. A monthly "应知应会" session names its team
    and the backbone member who gave it."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(pgettext_lazy("session", "kind"), max_length=12, choices=SessionKind.choices,
                            default=SessionKind.COURSE)
    starts_on = models.DateField(_("starts on"), db_index=True)
    days = models.DecimalField(pgettext_lazy("training", "days"), max_digits=4, decimal_places=1)
    place = models.CharField(_("place"), max_length=200, blank=True)
    trainer = models.CharField(_("trainer"), max_length=100, blank=True)
    team = models.ForeignKey("resources.Team", verbose_name=_("team"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    trainer_member = models.ForeignKey("resources.Member", verbose_name=_("backbone member"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(days__gt=0), name="training_session_days_positive",
                                   violation_error_message=_("A session lasts more than zero days.")),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.starts_on}"


class Attendance(LedgerModel):
    """A team member's attendance of a session (签到): how many of its days
    they attended and whether they passed its assessment."""

    session = models.ForeignKey(TrainingSession, verbose_name=pgettext_lazy("training", "session"), on_delete=models.CASCADE,
                                related_name="attendance")
    # Indexed by training_attend_member_days below (member first), not on its own.
    member = models.ForeignKey("resources.Member", verbose_name=_("team member"), on_delete=models.CASCADE,
                               related_name="training_attendance", db_index=False)
    days = models.DecimalField(_("days attended"), max_digits=4, decimal_places=1)
    passed = models.BooleanField(_("passed"), default=True)

    scope_path = "session__jurisdiction__path"

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "member"]
        indexes = [
            # services.year_sums sums each member's days of a year from the index alone (member, session, days):
            # SQLite otherwise read every attendance row of the district too (~90,000 at futian).
            models.Index(fields=["member", "session", "days"], name="training_attend_member_days"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="training_attendance_once",
                                    violation_error_message=_("This member is already recorded at this session.")),
            models.CheckConstraint(condition=models.Q(days__gt=0), name="training_attendance_days_positive",
                                   violation_error_message=_("Attended days must be more than zero.")),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.session}"


# ---------------------------------------------------------------- online learning
class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")


class QuestionBank(LedgerModel):
    """A question bank (题库) on one topic, kept by a jurisdiction."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(pgettext_lazy("bank", "title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class Question(LedgerModel):
    """One question of a bank: its text, the options, which are right (option
    indices from 0) and why. A true/false question has the options 对 / 错."""

    bank = models.ForeignKey(QuestionBank, verbose_name=_("question bank"), on_delete=models.CASCADE,
                             related_name="questions")
    kind = models.CharField(pgettext_lazy("question", "kind"), max_length=12, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list)
    answer = models.JSONField(_("answer"), default=list)
    explanation = models.TextField(_("explanation"), blank=True)

    scope_path = "bank__jurisdiction__path"

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["bank", "id"]
        permissions = [("import_question", "Can import questions"), ("export_question", "Can export questions")]

    def __str__(self) -> str:
        return self.text[:40]


class Audience(models.TextChoices):
    MEMBERS = "members", _("Assigned team members")
    RESIDENTS = "residents", _("Open to residents")


class Quiz(LedgerModel):
    """A quiz (测验) of a jurisdiction: questions from a bank, a time limit per
    attempt, the window it is open, assigned to members or open to residents."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    title = models.CharField(pgettext_lazy("quiz", "title"), max_length=200)
    bank = models.ForeignKey(QuestionBank, verbose_name=_("question bank"), on_delete=models.PROTECT,
                             related_name="quizzes")
    questions = models.ManyToManyField(Question, verbose_name=_("questions"), related_name="+")
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    members = models.ManyToManyField("resources.Member", verbose_name=_("assigned members"), blank=True,
                                     related_name="+")
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    points_per_question = models.DecimalField(_("points per question"), max_digits=5, decimal_places=1, default=10)
    # Multiple choice is all-or-nothing unless this is set: then a right subset with no wrong
    # option scores its share of the points.
    partial_credit = models.BooleanField(_("partial credit for multiple choice"), default=False)
    pass_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(time_limit_minutes__gte=1), name="training_quiz_time_limit",
                                   violation_error_message=_("The time limit is at least one minute.")),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="training_quiz_closes_after_opening",
                                   violation_error_message=_("A quiz closes after it opens.")),
        ]

    def __str__(self) -> str:
        return self.title


def new_token() -> str:
    return secrets.token_urlsafe(24)


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", pgettext_lazy("quiz attempt", "Submitted")
    EXPIRED = "expired", _("Time ran out")


class Attempt(LedgerModel):
    """One person's attempt at a quiz: a team member, or a resident who gave a
    name and a community. Timed on the server from `started_at` to
    `deadline`; answers given after the deadline are refused."""

    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="attempts")
    # The community the person belongs to (the member's team's, or the one the resident chose).
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("community"),
                                     on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("resources.Member", verbose_name=_("team member"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    resident_name = models.CharField(_("resident's name"), max_length=50, blank=True)
    # The secret a resident's browser holds to continue the attempt (no login).
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(pgettext_lazy("quiz", "deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=AttemptStatus.choices,
                              default=AttemptStatus.IN_PROGRESS, db_index=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=1, null=True, blank=True)
    max_score = models.DecimalField(_("full marks"), max_digits=7, decimal_places=1, default=0)

    audit_exclude = ("created_at", "updated_at", "token")

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["quiz", "status"], name="training_attempt_quiz_status")]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.person_name}"

    @property
    def person_name(self) -> str:
        return self.member.name if self.member_id and self.member else self.resident_name

    @property
    def passed(self) -> bool:
        if self.score is None or not self.max_score:
            return False
        return self.score * 100 >= self.max_score * self.quiz.pass_percent
