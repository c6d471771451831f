"""24-hour duty (值班值守): rosters, who is on duty, the duty log, handovers and daily reports.

A jurisdiction's command centre (district, street, community) keeps duty round
the clock in shifts. A `Shift` is one stretch of duty with a leader (带班) and
members (值班员); a month of shifts is generated from a `RosterPattern`, public
holidays and reinforced duty (typhoon and flood season, major events) add extra
shifts beside the regular ones. Officers on duty write the `LogEntry` rows of
the duty log; the outgoing shift leaves a `Handover` that the next shift's
leader acknowledges when taking over. A `DailyReport` (值班日报) is compiled
from a day's log, incidents, warnings and hazards of a jurisdiction's subtree.

Times are stored in UTC and shown in the platform's zone (Asia/Shanghai, no
daylight saving); a shift's times are exact instants, so a night shift
crosses midnight and month ends like any other.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet


class ShiftKind(models.TextChoices):
    REGULAR = "regular", _("Regular shift")
    HOLIDAY = "holiday", _("Public holiday duty")
    REINFORCED = "reinforced", _("Reinforced duty")  # 加强值守: typhoon and flood season, major events


EXTRA_KINDS = (ShiftKind.HOLIDAY, ShiftKind.REINFORCED)


class RosterPattern(LedgerModel):
    """How a command centre organises its duty: the shifts of a day (e.g. day 08:00–20:00 and
    night 20:00–08:00) and the crews that take them in turn; a month's roster is generated from it.

    `slots` is a list of {"label", "start", "end"} with times "HH:MM" in the platform's zone (an
    end at or before the start ends the next day); `crews` a list of {"leader": user id,
    "members": [user ids]}; `holiday_slots`/`holiday_crews` the same for the extra duty of public
    holidays (empty: none).
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="roster_patterns")
    name = models.CharField(_("name"), max_length=60)
    slots = models.JSONField(_("shifts of a day"), default=list)
    crews = models.JSONField(_("crews"), default=list)
    holiday_slots = models.JSONField(_("extra shifts on public holidays"), default=list, blank=True)
    holiday_crews = models.JSONField(_("crews of the holiday shifts"), default=list, blank=True)

    class Meta:
        verbose_name = _("roster pattern")
        verbose_name_plural = _("roster patterns")
        ordering = ["jurisdiction__path", "name"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "name"], name="roster_pattern_unique_name")]

    def __str__(self) -> str:
        return self.name


class Holiday(LedgerModel):
    """A public holiday (法定节假日) declared for a district or city and its whole subtree: the days
    when generated rosters add the holiday duty shifts."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="holidays")
    day = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "day"], name="holiday_unique_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class Shift(LedgerModel):
    """One stretch of duty at a command centre: from `starts_at` to `ends_at`, led by `leader`
    (带班领导/值班长) with the `members` on duty (值班员). Regular shifts of a jurisdiction do not
    overlap; holiday and reinforced shifts are extra ones beside them."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="shifts")
    kind = models.CharField(_("kind"), max_length=12, choices=ShiftKind.choices, default=ShiftKind.REGULAR)
    label = models.CharField(_("shift"), max_length=40)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("leader"), on_delete=models.PROTECT,
                               related_name="led_shifts")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("members"), through="ShiftMember",
                                     related_name="duty_shifts", blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    pattern = models.ForeignKey(RosterPattern, verbose_name=_("generated from"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="shifts")
    taken_over_at = models.DateTimeField(_("taken over at"), null=True, blank=True)
    taken_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("taken over by"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "id"]
        permissions = [("import_shift", "Can import rosters"), ("export_shift", "Can export rosters")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="shift_ends_after_it_starts"),
        ]
        indexes = [
            # "Who is on duty now": the shifts of some jurisdictions that started before a time.
            models.Index(fields=["jurisdiction", "starts_at"], name="shift_jurisdiction_start"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_extra(self) -> bool:
        return self.kind in EXTRA_KINDS


class ShiftMember(models.Model):
    """A person on duty in a shift besides its leader. Changes are logged on the shift's history."""

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = _("shift member")
        verbose_name_plural = _("shift members")
        constraints = [models.UniqueConstraint(fields=["shift", "user"], name="shift_member_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.shift}"


class Handover(LedgerModel):
    """The handover notes (交接班记录) an outgoing shift leaves for the next one: what happened,
    what is pending. The next shift's leader acknowledges them when taking over."""

    shift = models.OneToOneField(Shift, verbose_name=_("outgoing shift"), on_delete=models.CASCADE,
                                 related_name="handover")
    notes = models.TextField(_("handover notes"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField(_("written at"))
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    acknowledged_in = models.ForeignKey(Shift, verbose_name=_("taken over by the shift"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="handovers_received")

    scope_path = "shift__jurisdiction__path"

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return f"{self.shift} → {self.acknowledged_in or '…'}"


class EntryKind(models.TextChoices):
    CALL = "call", pgettext_lazy("duty log", "Call")  # 来电
    INSTRUCTION = "instruction", _("Instruction")  # 上级指示、领导批示
    VISIT = "visit", _("Visit or check")  # 来访、检查
    EVENT = "event", _("Event")  # 突发情况、重要事件
    OTHER = "other", _("Other")


class LogEntry(LedgerModel):
    """One line of the duty log (值班记录): a call received, an instruction passed on, a visit,
    an event — written by an officer on duty, possibly about an incident, a warning or a hazard."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="duty_log")
    shift = models.ForeignKey(Shift, verbose_name=_("shift"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="log_entries")
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    summary = models.TextField(pgettext_lazy("duty log", "what"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(_("recorded by (name)"), max_length=100)
    # What the entry is about (an incident, a warning, a hazard): any scoped ledger row, so that duty
    # links to the apps before it without those apps knowing about duty.
    subject_type = models.ForeignKey(ContentType, verbose_name=_("about (kind)"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    subject_label = models.CharField(_("about"), max_length=200, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "at"], name="duty_log_jurisdiction_time"),
            models.Index(fields=["subject_type", "subject_id"], name="duty_log_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%m-%d %H:%M} {self.get_kind_display()}"


class ReportStatus(models.TextChoices):
    """Where a report stands on its way up (daily reports and incident reports)."""

    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received")


class DailyReport(LedgerModel):
    """The daily duty report (值班日报) of one jurisdiction for one day: compiled from the duty log,
    the shifts, the incidents, warnings and hazards of its subtree, and the reports of the units
    below; `content` keeps what was compiled, so the report reads the same after the ledgers move on."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="daily_reports")
    day = models.DateField(_("day"))
    content = models.JSONField(_("content"), default=dict)
    summary = models.TextField(_("summary"), blank=True)
    compiled_at = models.DateTimeField(_("compiled at"))
    compiled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("compiled by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    # Compiled and reviewed at the command centre, submitted to the one above, received there (workflows.py).
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)

    audit_exclude = ("created_at", "updated_at", "content")

    class Meta:
        verbose_name = _("daily duty report")
        verbose_name_plural = _("daily duty reports")
        ordering = ["-day", "jurisdiction__path"]
        permissions = [("export_dailyreport", "Can export daily reports"),
                       ("compile_report", "Can compile daily reports"),
                       ("review_report", "Can review reports of their command centre"),
                       ("submit_report", "Can submit reports to the level above"),
                       ("receive_report", "Can receive the reports of the units below")]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "day"], name="daily_report_once_a_day")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.day}"


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    AGREED = "agreed", _("Agreed by the replacement")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class SwapRequest(LedgerModel):
    """A request to change shifts (换班): someone on a shift asks a colleague to stand it instead (替班), or to
    exchange it for one of the colleague's shifts (`counterpart`); the colleague agrees, the roster's
    manager approves, and the roster changes."""

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="swaps")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                  on_delete=models.PROTECT, related_name="+")
    replacement = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("replacement"),
                                    on_delete=models.PROTECT, related_name="+")
    counterpart = models.ForeignKey(Shift, verbose_name=_("in exchange for"), null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="+",
                                    help_text=_("The replacement's shift the requester takes in exchange."))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=SwapStatus.choices, default=SwapStatus.REQUESTED)

    scope_path = "shift__jurisdiction__path"

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-created_at"]
        permissions = [("approve_swap", "Can approve shift swaps")]

    def __str__(self) -> str:
        return f"{self.requester} → {self.replacement} · {self.shift}"


class ReportKind(models.TextChoices):
    FIRST = "first", _("First report")  # 首报
    FOLLOW_UP = "follow_up", _("Follow-up report")  # 续报
    FINAL = "final", _("Final report")  # 终报


class IncidentReport(LedgerModel):
    """A report of an incident up the chain (突发事件信息报送): the first report (首报) within minutes of
    intake, follow-ups (续报) as it develops, the final report (终报) at close-out — drafted from the
    incident by the street it happened in, submitted to the level above, which receives it."""

    incident = models.ForeignKey("incidents.Incident", verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="duty_reports")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction",
                                     verbose_name=pgettext_lazy("incident report", "reported by"),
                                     on_delete=models.PROTECT, related_name="incident_reports")
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("report"))
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    drafted_at = models.DateTimeField(_("drafted at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")
        ordering = ["incident", "drafted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "number"], name="incident_report_once"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="incident_report_due")]

    def __str__(self) -> str:
        return self.title


class IncidentAssignment(models.Model):
    """The officer on duty in the incident's street when it came in, assigned after intake and alerted
    (or none on duty: then the street's duty room is alerted as a whole and the gap shows)."""

    incident = models.OneToOneField("incidents.Incident", verbose_name=_("incident"), on_delete=models.CASCADE,
                                    related_name="duty_assignment")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("street"),
                                     on_delete=models.PROTECT, related_name="+")
    shift = models.ForeignKey(Shift, verbose_name=_("shift"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("officer on duty"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(pgettext_lazy("duty", "assigned at"))
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("incident duty assignment")
        verbose_name_plural = _("incident duty assignments")

    def __str__(self) -> str:
        return f"{self.incident} → {self.officer or '—'}"
