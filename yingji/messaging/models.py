"""Messages to people and groups, and the delivery of each to each recipient over each channel.

A Message is about a subject of any app (an incident, a warning, a hazard, a
duty shift; none for a test) and belongs to a jurisdiction, which scopes who
sees it and which robots hear it. Each recipient gets a Delivery per channel,
whose row is the whole story of that copy: queued, claimed by a worker
(sending), sent, failed and waiting for its next attempt, or dead after the
last one; then delivered, read and acknowledged. The in-app inbox is the
in-app deliveries of a user.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet


class Topic(models.TextChoices):
    """What a message is about, as robots subscribe to it. A new capability adds its topic here."""

    INCIDENTS = "incidents", _("Incidents and dispatch")
    WARNINGS = "warnings", _("Early warnings")
    HAZARDS = "hazards", _("Hazards and risks")
    DUTY = "duty", _("Duty")
    PLANS = "plans", _("Plans, drills and training")
    IOT = "iot", _("IoT alarms")
    SYSTEM = "system", _("System and test messages")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app inbox")
    PUSH = "push", _("Phone notification (Web Push)")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    ROBOT = "robot", _("Group robot / webhook")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Gave up")


class Message(models.Model):
    """One message of the platform to people and groups: a call-out, a warning,
    an overdue-hazard reminder, a robot's post about a new incident."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="messages")
    subject_type = models.ForeignKey(ContentType, verbose_name=_("subject type"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    event = models.CharField(_("event"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    ask_ack = models.BooleanField(_("asks for acknowledgement"), default=False)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sender"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="message_subject")]
        permissions = [("retry_delivery", "Can retry deliveries that gave up")]

    def __str__(self) -> str:
        return self.title


def redacted_url(url: str, fingerprint: bool = False) -> str:
    """The address without its query, where robot URLs carry their access key."""
    parts = urlsplit(url or "")
    if not parts.query:
        return url
    mark = "?…" + (f"({hashlib.sha256(parts.query.encode()).hexdigest()[:8]})" if fingerprint else "")
    return f"{parts.scheme}://{parts.netloc}{parts.path}{mark}"


class RobotFormat(models.TextChoices):
    GENERIC = "generic", _("Generic JSON")
    WECHAT_WORK = "wechat_work", _("WeChat Work group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class RobotTarget(LedgerModel):
    """A group robot or another system that hears the messages of some topics about a
    jurisdiction's subtree (a street duty group on WeChat Work, for example)."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="robot_targets")
    name = models.CharField(_("name"), max_length=100)
    format = models.CharField(_("format"), max_length=16, choices=RobotFormat.choices, default=RobotFormat.GENERIC)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True,
                              help_text=_("DingTalk robots: the SEC… secret; generic: HMAC-SHA256 key."))
    topics = models.JSONField(_("topics"), default=list, blank=True,
                              help_text=_("What the group hears about; nothing chosen: nothing."))
    is_active = models.BooleanField(_("active"), default=True)

    audit_exclude = ("created_at", "updated_at", "secret")
    # Robot URLs carry their access key in the query: the history shows only a fingerprint of it.
    audit_redact = {"url": lambda url: redacted_url(url, fingerprint=True)}

    class Meta:
        verbose_name = _("robot target")
        verbose_name_plural = _("robot targets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactList(LedgerModel):
    """A list of people to reach who may have no account: a community's key groups for
    warnings (building managers, the elderly living alone, school principals)."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="contact_lists")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(pgettext_lazy("message", "description"), blank=True)

    class Meta:
        verbose_name = _("contact list")
        verbose_name_plural = _("contact lists")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "name"], name="contact_list_unique_name",
                                               violation_error_message=_("This area already has a list of this name."))]

    def __str__(self) -> str:
        return self.name


class Contact(LedgerModel):
    """One person on a contact list, reached by SMS or email."""

    contact_list = models.ForeignKey(ContactList, verbose_name=_("contact list"), on_delete=models.CASCADE,
                                     related_name="contacts")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    unit = models.CharField(_("unit"), max_length=100, blank=True)

    scope_path = "contact_list__jurisdiction__path"

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["contact_list", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["contact_list", "name", "phone"], name="contact_unique_person",
                                               violation_error_message=_("This person is already on the list."))]

    def __str__(self) -> str:
        return self.name


class PushSubscription(models.Model):
    """A browser (the installed phone app) that agreed to show this user's notifications:
    where its push service takes messages for it, and the keys to encrypt them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="push_subscriptions")
    endpoint = models.CharField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=200)
    auth = models.CharField(_("authentication secret"), max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user} · {self.user_agent[:40]}"


class Delivery(models.Model):
    """One copy of a message to one recipient over one channel, and what became of it."""

    message = models.ForeignKey(Message, verbose_name=_("message"), on_delete=models.CASCADE,
                                related_name="deliveries")
    channel = models.CharField(pgettext_lazy("message", "channel"), max_length=8, choices=Channel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="deliveries")
    robot = models.ForeignKey(RobotTarget, verbose_name=_("robot"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="deliveries")
    name = models.CharField(_("recipient name"), max_length=100, blank=True)
    # The phone number, email address or redacted robot URL it goes to (empty in-app and for push).
    address = models.CharField(_("address"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # The worker holding the row while it sends (see claims.py), and until when.
    claim = models.CharField(_("claimed by"), max_length=32, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    queued_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(pgettext_lazy("message", "acknowledged at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "message__jurisdiction__path"

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-queued_at", "-id"]
        # A warning writes thousands at once: besides the foreign keys, only the small partial
        # indexes that the workers and the header's unread count read.
        indexes = [
            models.Index(fields=["message", "id"], name="delivery_queued", condition=Q(status="queued")),
            models.Index(fields=["next_attempt_at"], name="delivery_retry_due", condition=Q(status="failed")),
            models.Index(fields=["claimed_until"], name="delivery_claimed", condition=Q(status="sending")),
            models.Index(fields=["user"], name="delivery_unread", condition=Q(channel="in_app", read_at=None)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "sending", "sent", "failed", "dead"]),
                                   name="delivery_known_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.name or self.address or self.user_id}"
