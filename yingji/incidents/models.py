"""Incidents (接警), their dispatches (处警) and timelines (their messages: yingji.messaging).

An incident is scoped by the grid or community whose boundary contains it.
A dispatch is one team called out to one incident; its responders see it
through their team even when the incident lies in a neighbouring community.
The timeline (IncidentEvent) is append-only and is what the 1-3-5 clock is
measured from; the `*_at` fields on Incident are derived from it for fast
statistics.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.prepared import CompiledInsert
from yingji.core.scope import ScopedQuerySet
from yingji.incidents import catalogue


class Channel(models.TextChoices):
    PLATFORM_119 = "119", _("119 fire platform")
    POLICE_110 = "110", _("110 police")
    HOTLINE_12345 = "12345", _("12345 hotline")
    STREET_OFFICE = "street_office", _("Street office")
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in at a station")
    GRID_WORKER = "grid", _("Grid worker report")
    IOT = "iot", _("IoT alarm")
    PUBLIC = "public", _("Public web form")
    API = "api", _("External platform (API)")


class Severity(models.TextChoices):
    # The four national grades, from the least to the most serious.
    IV = "iv", _("Ordinary (IV)")
    III = "iii", _("Larger (III)")
    II = "ii", _("Major (II)")
    I = "i", _("Especially major (I)")  # noqa: E741  (the grade's official name)


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    DISPATCHED = "dispatched", _("Dispatched")
    ON_SCENE = "on_scene", _("On scene")
    HANDLED = "handled", _("Initially handled")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.REPORTED, Status.DISPATCHED, Status.ON_SCENE, Status.HANDLED)


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    FALSE_ALARM = "false_alarm", _("False alarm")
    TRANSFERRED = "transferred", _("Handed over to a professional force")
    DUPLICATE = "duplicate", _("Duplicate of another incident")


def new_reference() -> str:
    return secrets.token_urlsafe(9)


class IncidentNumberCounter(models.Model):
    """The last incident number given out in a year (Beijing time): 2026-000123 is the 123rd of 2026."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("incident number counter")
        verbose_name_plural = _("incident number counters")


def format_number(year: int, n: int) -> str:
    return f"{year}-{n:06d}"


def take_numbers(year: int, count: int) -> range:
    """`count` consecutive numbers of `year`, never given out before (a failed intake leaves a gap).

    The counter row is locked only for this short transaction when called outside one; inside an
    intake's transaction it is held until that commits, so two intakes cannot take the same numbers."""
    with transaction.atomic():
        if not IncidentNumberCounter.objects.filter(year=year).update(last=models.F("last") + count):
            try:
                with transaction.atomic():
                    IncidentNumberCounter.objects.create(year=year, last=count)
            except IntegrityError:  # another intake created the year's row first
                IncidentNumberCounter.objects.filter(year=year).update(last=models.F("last") + count)
        last = IncidentNumberCounter.objects.filter(year=year).values_list("last", flat=True).get()
    return range(last - count + 1, last + 1)


def assign_numbers(incidents: Iterable[Incident]) -> None:
    """Give each incident without a number the next of its year (by its time of receipt, Beijing time)."""
    by_year: dict[int, list[Incident]] = {}
    for incident in incidents:
        if not incident.number:
            year = timezone.localtime(incident.received_at or timezone.now()).year
            by_year.setdefault(year, []).append(incident)
    for year, rows in sorted(by_year.items()):
        rows.sort(key=lambda i: i.received_at or timezone.now())
        for incident, n in zip(rows, take_numbers(year, len(rows)), strict=True):
            incident.number = format_number(year, n)


class IncidentQuerySet(ScopedQuerySet):
    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        assign_numbers(objs)
        return super().bulk_create(objs, *args, **kwargs)


class Incident(CompiledInsert, LedgerModel):
    """An emergency or a service call reported to the platform: a fire, an
    elevator entrapment, a flooded underpass — whatever someone asked help for."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="incidents")
    reference = models.CharField(_("reference"), max_length=16, default=new_reference, editable=False)
    # What people read aloud and write down: the year and its sequence (2026-000123), given at intake.
    number = models.CharField(_("incident number"), max_length=16, blank=True, editable=False)
    type_code = models.CharField(_("type"), max_length=8, choices=catalogue.flat_choices())
    severity = models.CharField(_("severity"), max_length=4, choices=Severity.choices, default=Severity.IV)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    # External platforms send their own id; (source, key) is unique so a push repeated is one incident.
    external_source = models.CharField(_("external source"), max_length=40, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    possible_duplicate_of = models.ForeignKey("self", verbose_name=_("possible duplicate of"), null=True,
                                              blank=True, on_delete=models.SET_NULL, related_name="+")
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="merged")
    # The clock. received_at starts it; the rest are derived from the timeline.
    received_at = models.DateTimeField(_("received at"), db_index=True)
    dispatched_at = models.DateTimeField(_("first dispatch at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("first arrival at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("initially handled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Close-out.
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    injuries = models.PositiveIntegerField(_("injuries"), default=0)
    rescued = models.PositiveIntegerField(_("people rescued"), default=0)
    loss_yuan = models.DecimalField(_("direct loss (yuan)"), max_digits=14, decimal_places=2, default=0)
    materials_used = models.JSONField(_("materials used"), default=list, blank=True)
    evaluation = models.TextField(_("evaluation notes"), blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-received_at"]
        permissions = [("dispatch", "Can dispatch teams"), ("respond", "Can respond to call-outs"),
                       ("report", "Can report incidents"), ("export_incident", "Can export incidents")]
        # Intake writes a row per call, hundreds a second at peak: only the indexes reads need
        # (no pattern-ops twins of type, status and reference, no type index beside type_time).
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="incident_unique_reference"),
            models.UniqueConstraint(fields=["number"], condition=~models.Q(number=""), name="incident_unique_number"),
            models.UniqueConstraint(fields=["external_source", "idempotency_key"],
                                    condition=~models.Q(idempotency_key=""), name="incident_unique_idempotency_key"),
            models.CheckConstraint(condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                                   name="incident_coordinates_in_range"),
        ]
        indexes = [
            models.Index(fields=["status"], name="incident_status"),
            models.Index(fields=["type_code", "received_at"], name="incident_type_time"),
            # The duplicate check at intake: open incidents of a type in a band of latitude (a burst of
            # calls puts thousands of the same type in the last half hour, but few within 300 m).
            models.Index(fields=["type_code", "lat", "lon"], name="incident_open_nearby",
                         condition=models.Q(status__in=["reported", "dispatched", "on_scene", "handled"],
                                            merged_into=None)),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.type_label} · {self.address or self.jurisdiction}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.number:
            assign_numbers([self])
        super().save(*args, **kwargs)

    @property
    def type(self) -> catalogue.IncidentType:
        return catalogue.get(self.type_code)

    @property
    def type_label(self) -> str:
        return str(self.type.label)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class DispatchStatus(models.TextChoices):
    CALLED = "called", _("Called")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DEPARTED = "departed", _("Departed")
    ON_SCENE = "on_scene", _("On scene")
    HANDLED = "handled", _("Handled")
    RELEASED = "released", _("Released")
    TIMED_OUT = "timed_out", _("No answer")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_DISPATCH = (DispatchStatus.CALLED, DispatchStatus.ACKNOWLEDGED, DispatchStatus.DEPARTED,
                   DispatchStatus.ON_SCENE, DispatchStatus.HANDLED)


class Dispatch(models.Model):
    """One team called out to one incident (a 出警 order), from the call to its release.

    Not a LedgerModel: its history is the incident's timeline (every change of
    a dispatch writes an IncidentEvent with who and when), and one-click
    activation of a whole district creates hundreds at once with bulk_create.
    """

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="dispatches")
    team = models.ForeignKey("resources.Team", verbose_name=_("team"), on_delete=models.PROTECT,
                             related_name="dispatches")
    status = models.CharField(_("status"), max_length=12, choices=DispatchStatus.choices,
                              default=DispatchStatus.CALLED, db_index=True)
    called_at = models.DateTimeField(_("called at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("called by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    travel_seconds = models.FloatField(_("expected travel time (s)"), null=True, blank=True)
    travel_estimated = models.BooleanField(_("travel time is a straight-line estimate"), default=False)
    people_sent = models.PositiveIntegerField(_("people sent"), default=0)
    vehicles_sent = models.PositiveIntegerField(_("vehicles sent"), default=0)
    equipment_sent = models.CharField(_("equipment sent"), max_length=300, blank=True)
    escalated_from = models.ForeignKey("self", verbose_name=_("replaces"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "incident__jurisdiction__path"

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["called_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "team"], condition=models.Q(
                status__in=["called", "acknowledged", "departed", "on_scene", "handled"]),
                name="dispatch_one_active_per_team_and_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.team} → {self.incident}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_DISPATCH


class EventKind(models.TextChoices):
    REPORTED = "reported", _("Reported")
    DUPLICATE_FLAGGED = "duplicate_flagged", _("Possible duplicate flagged")
    MERGED = "merged", _("Merged")
    DISPATCHED = "dispatched", _("Team called")
    ACKNOWLEDGED = "acknowledged", _("Call-out acknowledged")
    DEPARTED = "departed", _("Team departed")
    ARRIVED = "arrived", _("Team on scene")
    HANDLED = "handled", _("Initial handling done")
    RELEASED = "released", _("Team released")
    ESCALATED = "escalated", _("No answer, escalated")
    ESCALATION_STOPPED = "escalation_stopped", _("No answer, escalation stopped")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Note")
    PHOTO = "photo", _("Photo")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed")


class IncidentEvent(CompiledInsert, models.Model):
    """One line of an incident's timeline: who did what, when. Append-only;
    the 1-3-5 clock is measured from these rows."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=100, blank=True)
    dispatch = models.ForeignKey(Dispatch, verbose_name=_("dispatch"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="events")
    text = models.TextField(_("text"), blank=True)
    photo = models.FileField(_("photo"), upload_to="incidents/%Y/%m/", blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "incident__jurisdiction__path"

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.get_kind_display()}"
