"""The ledgers of who and what can respond: stations, teams, members.

(The resources registry issue extends this module with experts, vehicles,
equipment and facilities.)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.models import LedgerModel


class StationKind(models.TextChoices):
    STREET_CENTRE = "street_centre", _("Street centre station")
    COMMUNITY = "community", _("Community station")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park station")
    STREET_FRONT = "street_front", _("Street-front station")
    MALL = "mall", _("Shopping mall station")
    HOSPITAL = "hospital", _("Hospital station")
    SMALL = "small", _("Small station")
    FOREST = "forest", _("Forest station")
    MICRO_FIRE = "micro_fire", _("Micro fire station")
    OTHER = "other", _("Other station")


class Service(models.TextChoices):
    RESCUE = "rescue", _("Rescue")
    DOOR_OPENING = "door_opening", _("Door opening")
    ELEVATOR_ENTRAPMENT = "elevator_entrapment", _("Elevator entrapment")
    DRAINAGE = "drainage", _("Drainage")
    FALLEN_TREE = "fallen_tree", _("Fallen trees")
    WATER_DELIVERY = "water_delivery", _("Water delivery")
    PEST_REMOVAL = "pest_removal", _("Wasp and pest removal")
    FIRST_AID_KIT = "first_aid_kit", _("First-aid kits")
    PHONE_CHARGING = "phone_charging", _("Phone charging")


class Station(LedgerModel):
    """An emergency management service station (应急管理服务站) or micro fire station:
    a staffed place with a team and equipment, promising help within five minutes."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="stations")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=32, choices=StationKind.choices, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    open_24h = models.BooleanField(_("open 24/7"), default=True)
    hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    services = models.JSONField(_("services offered"), default=list, blank=True)
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")
        ordering = ["code"]
        permissions = [("import_station", "Can import stations"), ("export_station", "Can export stations")]
        constraints = [
            models.CheckConstraint(condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                                   name="station_coordinates_in_range"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamKind(models.TextChoices):
    STATION_TEAM = "station_team", _("Station team")
    COMMUNITY_RESCUE = "community_rescue", _("Community rescue team")
    PROFESSIONAL = "professional", _("Professional team")
    SOCIAL_FORCE = "social_force", _("Social emergency force")
    VOLUNTEER = "volunteer", _("Volunteer team")
    ENTERPRISE = "enterprise", _("Enterprise team")


class Specialty(models.TextChoices):
    FIRE = "fire", _("Firefighting")
    WATER_RESCUE = "water_rescue", _("Water rescue")
    SEARCH_RESCUE = "search_rescue", _("Search and rescue")
    FOREST_FIRE = "forest_fire", _("Forest fire")
    FLOOD_TYPHOON = "flood_typhoon", _("Flood and typhoon")
    EARTHQUAKE = "earthquake", _("Earthquake")
    MEDICAL = "medical", _("Medical")
    HAZMAT = "hazmat", _("Hazardous chemicals")
    ELEVATOR = "elevator", _("Elevator rescue")
    GENERAL = "general", _("General service")


class TeamStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_CALL = "on_call", _("On a call")
    OFF_DUTY = "off_duty", _("Off duty")


class Team(LedgerModel):
    """A response team: a station's team, a community rescue team, a professional
    team, a social force, volunteers or an enterprise team."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="teams")
    station = models.ForeignKey(Station, verbose_name=_("home station"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="teams")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=32, choices=TeamKind.choices, db_index=True)
    specialties = models.JSONField(_("specialties"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TeamStatus.choices,
                              default=TeamStatus.AVAILABLE, db_index=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # Where the team stands by; defaults to its station's location.
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["code"]
        permissions = [("import_team", "Can import teams"), ("export_team", "Can export teams")]

    def __str__(self) -> str:
        return self.name

    @property
    def location(self) -> tuple[float, float] | None:
        if self.lon is not None and self.lat is not None:
            return (self.lon, self.lat)
        if self.station is not None:
            return (self.station.lon, self.station.lat)
        return None


class TeamRole(models.TextChoices):
    CAPTAIN = "captain", _("Captain")
    VICE_CAPTAIN = "vice_captain", _("Vice captain")
    COMMUNICATOR = "communicator", _("Communicator")
    SAFETY_OFFICER = "safety_officer", _("Safety officer")
    MEMBER = "member", _("Member")


class Member(LedgerModel):
    """A person in a team, with the role they hold in it and the account that
    receives their call-outs."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    team_role = models.CharField(_("team role"), max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    training_hours = models.PositiveIntegerField(_("training hours this year"), default=0)
    on_duty = models.BooleanField(_("on duty"), default=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="team_memberships")

    scope_path = "team__jurisdiction__path"
    audit_exclude = ("created_at", "updated_at")

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "name"]
        permissions = [("import_member", "Can import members"), ("export_member", "Can export members")]

    def __str__(self) -> str:
        return self.name
