"""Publicity (宣传): events and the standing publicity points of each community.

An event is a publicity activity held on a date at a place in a jurisdiction,
with the number of people reached and photos; it may be one of the "五进"
(into enterprises, villages, communities, schools and families) and/or on a
campaign day or month (5·12 防灾减灾日, 10·13 国际减灾日, 安全生产月 in June,
119 消防宣传月 in November). A publicity point (宣传点) is a standing place:
a bulletin board, an electronic screen, an experience hall…
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import LedgerModel


class Venue(models.TextChoices):
    """The "五进": where publicity goes."""

    ENTERPRISE = "enterprise", _("Into enterprises")
    VILLAGE = "village", _("Into villages")
    COMMUNITY = "community", _("Into communities")
    SCHOOL = "school", _("Into schools")
    FAMILY = "family", _("Into families")


class Campaign(models.TextChoices):
    DISASTER_DAY = "disaster_day", _("5·12 Disaster Prevention and Reduction Day")
    INTERNATIONAL_DAY = "international_day", _("10·13 International Day for Disaster Reduction")
    SAFETY_MONTH = "safety_month", _("Work Safety Month")
    FIRE_MONTH = "fire_month", _("119 Fire Safety Month")


# The month each campaign falls in; an event of a campaign is held in that month.
CAMPAIGN_MONTH = {Campaign.DISASTER_DAY: 5, Campaign.INTERNATIONAL_DAY: 10, Campaign.SAFETY_MONTH: 6,
                  Campaign.FIRE_MONTH: 11}


class PublicityEvent(LedgerModel):
    """A publicity activity: what, when, where, for how many people, with photos."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    title = models.CharField(pgettext_lazy("event", "title"), max_length=200)
    held_on = models.DateField(_("held on"), db_index=True)
    venue = models.CharField(_("five-into venue"), max_length=12, choices=Venue.choices, blank=True)
    campaign = models.CharField(_("campaign"), max_length=20, choices=Campaign.choices, blank=True)
    place = models.CharField(_("place"), max_length=200)
    audience = models.PositiveIntegerField(_("people reached"), default=0)
    organiser = models.CharField(_("organiser"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("publicity event")
        verbose_name_plural = _("publicity events")
        ordering = ["-held_on"]
        permissions = [("import_publicityevent", "Can import publicity events"),
                       ("export_publicityevent", "Can export publicity events")]

    def __str__(self) -> str:
        return self.title


class EventPhoto(LedgerModel):
    """A photo of a publicity event, checked and re-encoded (core/uploads.py)."""

    event = models.ForeignKey(PublicityEvent, verbose_name=_("publicity event"), on_delete=models.CASCADE,
                              related_name="photos")
    file = models.ImageField(_("photo"), upload_to="publicity/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="publicity/%Y/%m/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    scope_path = "event__jurisdiction__path"

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["event", "id"]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"


class PointCategory(models.TextChoices):
    BULLETIN_BOARD = "bulletin_board", _("Bulletin board")
    SCREEN = "screen", _("Electronic screen")
    EXPERIENCE_HALL = "experience_hall", _("Safety experience hall")
    EDUCATION_BASE = "education_base", _("Safety education base")
    READING_CORNER = "reading_corner", _("Reading corner")
    OTHER = "other", _("Other")


class PublicityPoint(LedgerModel):
    """A standing publicity point (宣传点) of a jurisdiction."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=PointCategory.choices, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("publicity point")
        verbose_name_plural = _("publicity points")
        ordering = ["jurisdiction__path", "name"]

    def __str__(self) -> str:
        return self.name
