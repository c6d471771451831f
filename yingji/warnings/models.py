"""Early warnings (预警信息) in the structure of CAP 1.2, and the CAP feeds the centre polls.

An `EarlyWarning` is one CAP message (alert, update or cancel): who sent it,
when, to whom (scope), what it references; its `WarningInfo` blocks say what
is happening, how urgent, severe and certain, from when to when, what to do;
each block's `WarningArea`s say where (polygons, circles, geocodes). The
Chinese level (blue … red) and hazard type sit on the warning itself, as the
centre works with them; the CAP export writes them into every info block.

Warnings the centre composes start as drafts; imported ones too (from a file
or a polled `CapFeed`), for the centre to review and release. A released
warning keeps its CAP XML as released (`cap_xml`, signed when signing is
configured), which is what the public feed serves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel
from yingji.core.scope import ScopedQuerySet
from yingji.warnings.catalogue import LEVEL_COLOUR, Hazard, Level


class CapStatus(models.TextChoices):
    ACTUAL = "Actual", _("Actual")
    EXERCISE = "Exercise", _("Exercise")
    SYSTEM = "System", _("System")
    TEST = "Test", _("Test")
    DRAFT = "Draft", _("Draft (CAP)")


class MsgType(models.TextChoices):
    ALERT = "Alert", pgettext_lazy("CAP message type", "Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", pgettext_lazy("CAP message type", "Cancel")
    ACK = "Ack", _("Acknowledgement")
    ERROR = "Error", _("Error")


class CapScope(models.TextChoices):
    PUBLIC = "Public", _("Public")
    RESTRICTED = "Restricted", _("Restricted")
    PRIVATE = "Private", _("Private")


class State(models.TextChoices):
    """Where a warning stands in the centre's work (not a CAP field)."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", pgettext_lazy("warning state", "Approved")
    RELEASED = "released", pgettext_lazy("warning state", "Released")
    SUPERSEDED = "superseded", _("Replaced by an update")
    CANCELLED = "cancelled", pgettext_lazy("warning state", "Cancelled")
    EXPIRED = "expired", _("Expired")


class Origin(models.TextChoices):
    COMPOSED = "composed", _("Composed here")
    FILE = "file", _("Imported file")
    FEED = "feed", _("CAP feed")


class TargetGroup(models.TextChoices):
    """Who in the target areas a warning goes to, besides the contact lists chosen one by one."""

    GRID_WORKERS = "grid_workers", _("All grid workers")
    STATION_TEAMS = "station_teams", _("Station teams")
    ALL_TEAMS = "all_teams", _("All response teams")
    COMMUNITY_STAFF = "community_staff", _("Community and street staff")


class EarlyWarning(LedgerModel):
    """One warning message: a warning the centre issues (or an update or cancellation of one),
    or one received from the weather service or another authority in CAP."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("issued for"),
                                     on_delete=models.PROTECT, related_name="early_warnings")
    # CAP <alert>
    identifier = models.CharField(_("identifier"), max_length=200)
    sender = models.CharField(_("sender"), max_length=200)
    sent = models.DateTimeField(pgettext_lazy("CAP", "sent"), null=True, blank=True,
                                help_text=_("Set when the warning is released (imported: as received)."))
    cap_status = models.CharField(_("CAP status"), max_length=10, choices=CapStatus.choices,
                                  default=CapStatus.ACTUAL)
    msg_type = models.CharField(_("message type"), max_length=8, choices=MsgType.choices, default=MsgType.ALERT)
    scope = models.CharField(_("scope"), max_length=10, choices=CapScope.choices, default=CapScope.PUBLIC)
    source = models.CharField(_("source"), max_length=200, blank=True)
    restriction = models.CharField(_("restriction"), max_length=300, blank=True)
    addresses = models.TextField(_("addresses"), blank=True)
    codes = models.JSONField(_("codes"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    references = models.TextField(_("references"), blank=True,
                                  help_text=_("CAP references: sender,identifier,sent of earlier messages."))
    incidents = models.CharField(pgettext_lazy("CAP", "incidents"), max_length=300, blank=True)
    # The centre's own fields
    level = models.CharField(pgettext_lazy("warning", "level"), max_length=8, choices=Level.choices, db_index=True)
    hazard = models.CharField(_("hazard type"), max_length=20, choices=Hazard.choices, db_index=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.COMPOSED)
    previous = models.ForeignKey("self", verbose_name=_("updates or cancels"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="followers")
    feed = models.ForeignKey("warnings.CapFeed", verbose_name=_("feed"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="warnings")
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    target_jurisdictions = models.ManyToManyField("jurisdictions.Jurisdiction", verbose_name=_("target areas"),
                                                  blank=True, related_name="+")
    contact_lists = models.ManyToManyField("messaging.ContactList", verbose_name=_("key groups (contact lists)"),
                                           blank=True, related_name="+")
    channels = models.JSONField(_("channels"), default=list, blank=True)
    ask_ack = models.BooleanField(_("ask for acknowledgement"), default=True)
    remind_after_minutes = models.PositiveIntegerField(_("remind after (minutes)"), null=True, blank=True,
                                                       help_text=_("Remind those who have not acknowledged."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("composed by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("released by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(pgettext_lazy("warning", "released at"), null=True, blank=True)
    # The message that took it to its recipients (messaging), written at release.
    message = models.ForeignKey("messaging.Message", verbose_name=_("release message"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    # The CAP message as released (signed when configured) or as received; the public feed serves it.
    cap_xml = models.TextField(_("CAP XML"), blank=True)

    audit_exclude = ("created_at", "updated_at", "cap_xml")

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["-created_at", "-id"]
        permissions = [("publish", "Can release warnings"), ("approve", "Can approve warnings"),
                       ("import_earlywarning", "Can import CAP messages"),
                       ("export_earlywarning", "Can export warnings")]
        constraints = [
            models.UniqueConstraint(fields=["sender", "identifier"], name="warning_unique_cap_identifier",
                                    violation_error_message=_("A message with this identifier was already received.")),
            models.CheckConstraint(condition=Q(state__in=["draft", "pending", "approved"]) | Q(sent__isnull=False),
                                   name="warning_sent_once_released"),
        ]
        indexes = [models.Index(fields=["state", "scope"], name="warning_public_feed")]

    def __str__(self) -> str:
        return self.headline or self.identifier

    @property
    def headline(self) -> str:
        info = self.first_info
        return info.headline if info is not None else ""

    @property
    def first_info(self) -> WarningInfo | None:
        infos = getattr(self, "_prefetched_objects_cache", {}).get("infos")
        if infos is not None:
            return infos[0] if infos else None
        return self.infos.order_by("position").first()

    @property
    def colour(self) -> str:
        return LEVEL_COLOUR.get(self.level, "#888888")

    @property
    def is_final(self) -> bool:
        return self.state in (State.SUPERSEDED, State.CANCELLED, State.EXPIRED)


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate")
    EXPECTED = "Expected", _("Expected")
    FUTURE = "Future", _("Future")
    PAST = "Past", _("Past")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme")
    SEVERE = "Severe", _("Severe")
    MODERATE = "Moderate", _("Moderate")
    MINOR = "Minor", _("Minor")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed")
    LIKELY = "Likely", _("Likely")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class WarningInfo(models.Model):
    """One CAP <info> block of a warning: the event, how urgent, severe and certain, when, what to do,
    in one language (the centre writes one in Chinese; received messages may carry several)."""

    warning = models.ForeignKey(EarlyWarning, verbose_name=_("warning"), on_delete=models.CASCADE,
                                related_name="infos")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    language = models.CharField(_("language"), max_length=35, default="zh-CN")
    categories = models.JSONField(_("categories"), default=list)
    event = models.CharField(_("event"), max_length=200)
    response_types = models.JSONField(_("response types"), default=list, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.EXPECTED)
    severity = models.CharField(pgettext_lazy("CAP", "severity"), max_length=10, choices=Severity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices, default=Certainty.LIKELY)
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    event_codes = models.JSONField(_("event codes"), default=list, blank=True)
    effective = models.DateTimeField(_("effective"), null=True, blank=True)
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(pgettext_lazy("CAP", "expires"), null=True, blank=True, db_index=True)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    headline = models.CharField(_("headline"), max_length=200, blank=True)
    description = models.TextField(pgettext_lazy("CAP", "description"), blank=True)
    instruction = models.TextField(_("instruction"), blank=True)
    web = models.CharField(_("web page"), max_length=500, blank=True)
    contact = models.CharField(pgettext_lazy("CAP", "contact"), max_length=200, blank=True)
    parameters = models.JSONField(_("parameters"), default=list, blank=True)
    resources = models.JSONField(_("resources"), default=list, blank=True)

    class Meta:
        verbose_name = _("warning information")
        verbose_name_plural = _("warning information blocks")
        ordering = ["warning", "position"]

    def __str__(self) -> str:
        return self.headline or self.event


class WarningArea(models.Model):
    """One CAP <area> of an info block: a description and polygons, circles and geocodes.

    Geometry is WGS-84 as in the rest of the platform: polygons are rings of
    [lon, lat] (closed), circles [lon, lat, radius in km]; the CAP export
    writes them as CAP wants ("lat,lon" pairs). An area picked as a
    jurisdiction remembers it, and its boundary is the polygon.
    """

    info = models.ForeignKey(WarningInfo, verbose_name=_("information"), on_delete=models.CASCADE,
                             related_name="areas")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    area_desc = models.CharField(_("area description"), max_length=300)
    polygons = models.JSONField(_("polygons"), default=list, blank=True)
    circles = models.JSONField(_("circles"), default=list, blank=True)
    geocodes = models.JSONField(_("geocodes"), default=list, blank=True)
    altitude = models.DecimalField(_("altitude"), max_digits=12, decimal_places=3, null=True, blank=True)
    ceiling = models.DecimalField(_("ceiling"), max_digits=12, decimal_places=3, null=True, blank=True)
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("warning area")
        verbose_name_plural = _("warning areas")
        ordering = ["info", "position"]

    def __str__(self) -> str:
        return self.area_desc


class CapFeed(LedgerModel):
    """A CAP source the centre polls (the meteorological bureau's feed, a neighbouring district's):
    each new message in it becomes a draft warning of the feed's jurisdiction."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="cap_feeds")
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500,
                          help_text=_("A CAP message, or an Atom or RSS feed whose entries link to CAP messages."))
    every_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=5)
    is_active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    imported = models.PositiveIntegerField(_("messages imported"), default=0)
    # Entry links already fetched (the last few hundred), so that a poll fetches only new entries.
    seen = models.JSONField(_("entries seen"), default=list, blank=True)

    audit_exclude = ("created_at", "updated_at", "last_polled_at", "last_error", "imported", "seen")

    class Meta:
        verbose_name = _("CAP feed")
        verbose_name_plural = _("CAP feeds")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(every_minutes__gte=1), name="cap_feed_interval_positive",
                                   violation_error_message=_("Poll at least every minute.")),
        ]

    def __str__(self) -> str:
        return self.name


class WarningRecipient(models.Model):
    """One person a released warning went to — a grid worker, a team member, a contact of a key
    group — with the street and community they belong to, and when they acknowledged it.

    Their copies per channel are messaging's Delivery rows (sent, delivered,
    read); `key` is how those rows name the person (the account, the contact,
    or the phone number). What the copies say of the person (sent, delivered,
    read, undelivered) is kept here, refreshed from them on messaging's
    `progressed` signal (progress.record), so that the progress page is a
    count over these rows. `acknowledged_at` is set from messaging's
    `acknowledged` signal; the reminders job reads it.
    """

    warning = models.ForeignKey(EarlyWarning, verbose_name=_("warning"), on_delete=models.CASCADE,
                                related_name="recipients")
    key = models.CharField(_("recipient key"), max_length=120)
    group = models.CharField(_("target group"), max_length=20)
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    member = models.ForeignKey("resources.Member", verbose_name=_("team member"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    contact = models.ForeignKey("messaging.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    street = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("street"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    community = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("community"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    reachable = models.BooleanField(_("reachable"), default=True)
    acknowledged_at = models.DateTimeField(pgettext_lazy("message", "acknowledged at"), null=True, blank=True)
    # Where the person's copies stand, as their deliveries say (any copy sent / delivered / read; some
    # given up and none sent), kept by progress.record from messaging's `progressed` signal so that the
    # progress page counts these rows instead of aggregating every delivery on each request.
    sent = models.BooleanField(pgettext_lazy("warning recipient", "sent"), default=False)
    delivered = models.BooleanField(pgettext_lazy("warning recipient", "delivered"), default=False)
    read = models.BooleanField(pgettext_lazy("warning recipient", "read"), default=False)
    undelivered = models.BooleanField(pgettext_lazy("warning recipient", "undelivered"), default=False)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_path = "warning__jurisdiction__path"

    class Meta:
        verbose_name = _("warning recipient")
        verbose_name_plural = _("warning recipients")
        ordering = ["warning", "id"]
        constraints = [models.UniqueConstraint(fields=["warning", "key"], name="warning_recipient_once")]
        indexes = [models.Index(fields=["warning", "id"], name="warning_recipient_unacked",
                                condition=Q(acknowledged_at=None)),
                   # The progress page's grouped count reads only this index (PostgreSQL: index-only scan).
                   models.Index(fields=["warning", "street", "community"], name="warning_recipient_progress",
                                include=["user", "sent", "delivered", "read", "undelivered", "acknowledged_at"]),
                   # Who can acknowledge and has not yet, in the progress page's order (not_acknowledged):
                   # its first page is 50 entries of this index, not a sort of thousands of rows.
                   models.Index(fields=["warning", "street", "community", "id"], name="warning_recipient_waiting",
                                condition=Q(acknowledged_at=None, user__isnull=False))]

    def __str__(self) -> str:
        return self.name or self.key
