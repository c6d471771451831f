"""IoT devices (物联感知设备), what they send, and the alarms (告警) made of it.

A device is registered in the jurisdiction it stands in; every message it
sends (over MQTT or signed HTTP) is kept as a DeviceMessage, accepted or
refused with the reason; alarms of one device repeated within the rule's
window are one Alarm, which the rules (iot/rules.py) turn into an incident
(through incidents' intake) or a hazard (through hazards' reporting).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet


class DeviceKind(models.TextChoices):
    ELEVATOR = "elevator", _("Elevator monitor")
    HYDRANT = "hydrant", _("Hydrant pressure sensor")
    SMOKE = "smoke", _("Smoke detector")
    FIRE_LANE = "fire_lane", _("Fire-lane sensor")


class DeviceState(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("device state", "Normal")
    ALARM = "alarm", pgettext_lazy("device state", "Alarm")
    FAULT = "fault", pgettext_lazy("device state", "Fault")
    SILENT = "silent", pgettext_lazy("device state", "Silent")
    DISABLED = "disabled", pgettext_lazy("device state", "Out of service")


# Device codes appear in MQTT topics: no "/", "+" or "#", nothing a topic filter would read.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class Device(LedgerModel):
    """A sensor installed somewhere in the district that reports over the network: an elevator's
    remote monitor, an outdoor hydrant's pressure sensor, a smoke detector, a fire-lane magnetic sensor.

    Registered (often imported from the vendor's Excel list) in the community or grid
    it stands in; its owner unit is who keeps it (a property company, the water
    company). `last_seen` and `state` are derived from what it sends; a device
    that says nothing for longer than `heartbeat_s` is reported silent.
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="iot_devices")
    code = models.CharField(_("device code"), max_length=64, unique=True,
                            help_text=_("The vendor's device id; it appears in the MQTT topic."))
    kind = models.CharField(_("device type"), max_length=12, choices=DeviceKind.choices)
    model = models.CharField(_("model"), max_length=80, blank=True)
    vendor = models.CharField(_("vendor"), max_length=80, blank=True)
    building = models.CharField(_("building"), max_length=120, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True,
                                help_text=_("Where in the building or street (address, floor, car number)."))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    owner_unit = models.CharField(_("owner unit"), max_length=120, blank=True)
    install_date = models.DateField(_("install date"), null=True, blank=True)
    heartbeat_s = models.PositiveIntegerField(_("heartbeat (seconds)"), default=600,
                                              help_text=_("Reported silent after this long without a message."))
    # Readings below it raise a low-pressure alarm (hydrants; MPa). GB 50974 asks ≥ 0.10 MPa outdoors.
    low_threshold = models.FloatField(_("low reading threshold"), null=True, blank=True)
    # The key of the device's HTTP signature (HMAC-SHA256); never shown again, never in the audit log.
    secret = models.CharField(_("signing key"), max_length=64, blank=True)
    # Derived from what the device sends (written with update(), no audit record per message).
    state = models.CharField(_("state"), max_length=10, choices=DeviceState.choices, default=DeviceState.NORMAL)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_value = models.FloatField(_("last reading"), null=True, blank=True)
    rejected = models.PositiveIntegerField(_("messages refused"), default=0)
    silent_since = models.DateTimeField(_("silent since"), null=True, blank=True)
    # last_seen + heartbeat, kept with last_seen: the silence job reads one index, not every device.
    silent_after = models.DateTimeField(_("silent after"), null=True, blank=True, db_index=True)

    audit_exclude = ("created_at", "updated_at", "secret", "state", "last_seen", "last_value", "rejected",
                     "silent_since", "silent_after")

    class Meta:
        verbose_name = _("IoT device")
        verbose_name_plural = _("IoT devices")
        ordering = ["code"]
        permissions = [("export_device", "Can export IoT devices"), ("import_device", "Can import IoT devices")]
        constraints = [
            models.CheckConstraint(condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                                   name="iot_device_coordinates_in_range"),
            models.CheckConstraint(condition=models.Q(heartbeat_s__gte=10), name="iot_device_heartbeat_at_least_10s"),
        ]
        indexes = [models.Index(fields=["state"], name="iot_device_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class MessageKind(models.TextChoices):
    ALARM = "alarm", _("Alarm")
    CANCEL = "cancel", _("Alarm cancelled")
    READING = "reading", _("Reading")
    HEARTBEAT = "heartbeat", _("Heartbeat")
    FAULT = "fault", _("Fault")


class Transport(models.TextChoices):
    MQTT = "mqtt", "MQTT"
    HTTP = "http", "HTTP"


class DeviceMessage(models.Model):
    """One message a device sent, as received: accepted, or refused with the field at fault.

    Not a LedgerModel: written hundreds a second by the listener, never edited.
    A message redelivered by the broker (QoS 1 delivers at least once) has the
    same (device, message id) and is stored once.
    """

    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="messages")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"), null=True,
                                     blank=True, on_delete=models.CASCADE, related_name="+")
    device_code = models.CharField(_("device code"), max_length=64, blank=True)
    message_id = models.CharField(_("message id"), max_length=64, blank=True)
    transport = models.CharField(_("received via"), max_length=4, choices=Transport.choices)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    received_at = models.DateTimeField(pgettext_lazy("device message", "received at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices, blank=True)
    alarm_type = models.CharField(_("alarm type"), max_length=20, blank=True)
    value = models.FloatField(_("reading"), null=True, blank=True)
    accepted = models.BooleanField(_("accepted"))
    error_field = models.CharField(_("field at fault"), max_length=40, blank=True)
    error = models.CharField(_("reason refused"), max_length=300, blank=True)
    raw = models.TextField(pgettext_lazy("device message", "payload"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("device message")
        verbose_name_plural = _("device messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "message_id"], condition=models.Q(accepted=True),
                                    name="iot_message_once_per_device"),
        ]
        indexes = [models.Index(fields=["device", "-received_at"], name="iot_message_device_recent")]

    def __str__(self) -> str:
        return f"{self.device_code} {self.message_id}"


class AlarmStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    RAISED = "raised", _("Raised")
    CANCELLED = "cancelled", pgettext_lazy("alarm status", "Cancelled")
    CLEARED = "cleared", _("Cleared")


class Alarm(models.Model):
    """An alarm event of one device (an entrapment, a low pressure, smoke, a blocked fire lane):
    the first message and every repeat within the rule's window, and what it became.

    Not a LedgerModel: created by the listener, not by a person; its history is
    its messages and the incident or hazard it raised (which are audited).
    """

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="alarms")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    alarm_type = models.CharField(_("alarm type"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=AlarmStatus.choices)
    first_at = models.DateTimeField(_("first at"), db_index=True)
    last_at = models.DateTimeField(_("last at"))
    repeats = models.PositiveIntegerField(_("repeats"), default=0)
    value = models.FloatField(_("reading"), null=True, blank=True)
    confirm_at = models.DateTimeField(_("confirmed at the latest"), null=True, blank=True)
    incident = models.ForeignKey("incidents.Incident", verbose_name=_("incident"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    hazard = models.ForeignKey("hazards.Hazard", verbose_name=_("hazard"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    recommended_team = models.ForeignKey("resources.Team", verbose_name=_("recommended team"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-first_at", "-id"]
        indexes = [
            models.Index(fields=["device", "alarm_type", "-last_at"], name="iot_alarm_device_recent"),
            models.Index(fields=["status", "confirm_at"], name="iot_alarm_pending",
                         condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.device.code} {self.alarm_type} {self.first_at:%Y-%m-%d %H:%M:%S}"
