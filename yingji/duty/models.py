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

from yingji.core.models import LedgerModel


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
    CALL = "call", _("Call")  # 来电
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
    summary = models.TextField(_("what"))
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

    audit_exclude = ("created_at", "updated_at", "content")

    class Meta:
        verbose_name = _("daily duty report")
        verbose_name_plural = _("daily duty reports")
        ordering = ["-day", "jurisdiction__path"]
        permissions = [("export_dailyreport", "Can export daily reports"),
                       ("compile_report", "Can compile daily reports")]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "day"], name="daily_report_once_a_day")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.day}"
