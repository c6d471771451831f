"""The ledgers of who and what can respond: stations, teams, members and
their certificates, experts, vehicles and equipment, facilities.

Supplies (station stores), incidents (dispatching teams, notifying
`Member.user`) and coverage (station locations) hold foreign keys to Station,
Team and Member: fields are only ever added here, never renamed or removed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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

    # Its phone is the station's published duty number, not a person's (core/masking.py).
    personal_fields: dict[str, str] = {}

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
    photo = models.FileField(_("photo"), upload_to="stations/%Y/", blank=True,
                             validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])])

    # The photo stays out of the change log: audit.signals._plain raises on an
    # empty FileField (hasattr(value, "url") raises ValueError, not AttributeError).
    audit_exclude = ("created_at", "updated_at", "photo")

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
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
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
        constraints = [
            # Dispatch calls "the captain" of a team; there must never be two.
            models.UniqueConstraint(fields=["team"], condition=models.Q(team_role="captain"),
                                    name="member_one_captain_per_team",
                                    violation_error_message=_("This team already has a captain.")),
        ]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- certificates
class CertificateKind(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    CPR_AED = "cpr_aed", _("CPR/AED")
    FIREFIGHTING = "firefighting", _("Firefighting")
    WATER_RESCUE = "water_rescue", _("Water rescue")
    ROPE_RESCUE = "rope_rescue", _("Rope rescue")
    ELEVATOR = "elevator", _("Elevator rescue")
    ELECTRICIAN = "electrician", _("Electrician")
    DRONE_PILOT = "drone_pilot", _("Drone pilot")
    DRIVER = "driver", _("Emergency vehicle driver")
    OTHER = "other", _("Other certificate")


class MemberCertificate(LedgerModel):
    """A qualification a team member holds (first-aid card, CPR/AED, water
    rescue…), with the date it lapses; expiring ones are listed for renewal."""

    member = models.ForeignKey(Member, verbose_name=_("team member"), on_delete=models.CASCADE,
                               related_name="certificates")
    kind = models.CharField(_("certificate"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=40, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True,
                                  help_text=_("Leave empty for certificates that do not lapse."))

    scope_path = "member__team__jurisdiction__path"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["member", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="certificate_one_per_kind_per_member",
                                    violation_error_message=_("This member already holds this certificate.")),
            models.CheckConstraint(condition=models.Q(expires_on__isnull=True) | models.Q(issued_on__isnull=True)
                                   | models.Q(expires_on__gte=models.F("issued_on")),
                                   name="certificate_expires_after_issue",
                                   violation_error_message=_("A certificate cannot expire before it is issued.")),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_kind_display()}"


# ---------------------------------------------------------------- experts
class ExpertField(models.TextChoices):
    """The fields of a district emergency expert group (区应急专家组)."""

    WORK_SAFETY = "work_safety", _("Work safety")
    HAZMAT = "hazmat", _("Hazardous chemicals")
    FIRE = "fire", _("Fire protection")
    CONSTRUCTION = "construction", _("Construction and structures")
    GEOLOGY = "geology", _("Geological hazards")
    METEOROLOGY = "meteorology", _("Meteorology")
    FLOOD = "flood", _("Flood control and water")
    MEDICAL = "medical", _("Emergency medicine")
    PUBLIC_HEALTH = "public_health", _("Public health")
    TRANSPORT = "transport", _("Transport")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment and elevators")
    POWER = "power", _("Electric power")
    GAS = "gas", _("Gas")
    ENVIRONMENT = "environment", _("Environmental emergencies")
    COMMUNICATIONS = "communications", _("Communications")
    PSYCHOLOGY = "psychology", _("Psychological support")


class Expert(LedgerModel):
    """A member of an emergency expert group, consulted by field during an
    incident, an assessment or a plan review."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="experts")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    field = models.CharField(_("field"), max_length=24, choices=ExpertField.choices, db_index=True)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    available = models.BooleanField(_("available"), default=True,
                                    help_text=_("Whether the expert can be consulted now."))
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["code"]
        permissions = [("import_expert", "Can import experts"), ("export_expert", "Can export experts")]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- vehicles and equipment
class EquipmentKind(models.TextChoices):
    PATROL_VEHICLE = "patrol_vehicle", _("Patrol vehicle")
    FIRE_ENGINE = "fire_engine", _("Fire engine")
    RESCUE_VEHICLE = "rescue_vehicle", _("Rescue vehicle")
    ELECTRIC_BIKE = "electric_bike", _("Electric patrol bike")
    FIRE_PUMP = "fire_pump", _("Fire pump")
    BREAKING_TOOLS = "breaking_tools", _("Breaking and entry tools")
    WATER_RESCUE = "water_rescue", _("Water rescue equipment")
    PPE = "ppe", _("Personal protective equipment")
    COMMUNICATIONS = "communications", _("Communications equipment")
    DRONE = "drone", _("Drone")
    GENERATOR = "generator", _("Generator")
    DRAINAGE_PUMP = "drainage_pump", _("Drainage pump")
    LIGHTING = "lighting", _("Lighting")
    CHAINSAW = "chainsaw", _("Chainsaw")
    FIRST_AID = "first_aid", _("First-aid kit")
    OTHER = "other", _("Other equipment")


# The kinds that count as vehicles for the station standard (≥ 2 vehicles).
VEHICLE_KINDS = (EquipmentKind.PATROL_VEHICLE, EquipmentKind.FIRE_ENGINE, EquipmentKind.RESCUE_VEHICLE,
                 EquipmentKind.ELECTRIC_BIKE)


class EquipmentStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    MAINTENANCE = "maintenance", _("Under maintenance")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Equipment(LedgerModel):
    """Vehicles and equipment of a station or team (patrol vehicles, fire
    pumps, breaking tools, drones…), counted per kind, with maintenance dates."""

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="equipment")
    station = models.ForeignKey(Station, verbose_name=_("home station"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="equipment")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="equipment")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=24, choices=EquipmentKind.choices, db_index=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=EquipmentStatus.choices,
                              default=EquipmentStatus.IN_SERVICE, db_index=True)
    plate_number = models.CharField(_("plate number"), max_length=20, blank=True)
    last_maintained_on = models.DateField(_("last maintenance"), null=True, blank=True)
    next_maintenance_on = models.DateField(_("next maintenance"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("vehicle or equipment")
        verbose_name_plural = _("vehicles and equipment")
        ordering = ["code"]
        permissions = [("import_equipment", "Can import equipment"), ("export_equipment", "Can export equipment")]
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=1), name="equipment_count_positive",
                                   violation_error_message=_("The count must be at least 1.")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_vehicle(self) -> bool:
        return self.kind in VEHICLE_KINDS

    def maintenance_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.next_maintenance_on is not None and self.next_maintenance_on < today


# ---------------------------------------------------------------- facilities
class FacilityKind(models.TextChoices):
    SHELTER = "shelter", _("Emergency shelter")
    HELIPAD = "helipad", _("Helicopter landing point")
    WATER_INTAKE = "water_intake", _("Water intake point")
    HYDRANT = "hydrant", _("Fire hydrant")
    AED = "aed", _("AED")


class FacilityStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    UNDER_REPAIR = "under_repair", _("Under repair")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Facility(LedgerModel):
    """A fixed place used in emergencies: a shelter (避难场所), a helicopter
    landing point, a water intake point, a fire hydrant or a public AED."""

    # Its contact phone is the facility's published number, not a person's (core/masking.py).
    personal_fields: dict[str, str] = {}

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="facilities")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=16, choices=FacilityKind.choices, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=FacilityStatus.choices,
                              default=FacilityStatus.IN_SERVICE, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # Shelters only.
    capacity = models.PositiveIntegerField(_("capacity (people)"), null=True, blank=True)
    area_m2 = models.PositiveIntegerField(_("area (m²)"), null=True, blank=True)
    supplies_on_site = models.CharField(_("supplies on site"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["code"]
        permissions = [("import_facility", "Can import facilities"), ("export_facility", "Can export facilities")]
        constraints = [
            models.CheckConstraint(condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                                   name="facility_coordinates_in_range"),
        ]

    def __str__(self) -> str:
        return self.name


class GazetteerEntry(models.Model):
    """A named place a typed address can find (issue 11): a road, a crossing or a named place of the
    road network in use, or a ledger place (station, facility, warehouse, risk point, jurisdiction).

    Built by ``yingji.resources.gazetteer`` from its sources and rebuilt per source when that source
    changes (see that module); never edited by hand. Not a ledger: place names are landmarks anyone
    may type, and what an entry points at is a point, not a record.
    """

    source = models.CharField(_("place source"), max_length=32, db_index=True)
    kind = models.CharField(_("place kind"), max_length=20)
    ref = models.BigIntegerField(_("ledger record"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    #: A road's name without its kind (深南大道 → 深南); a crossing's two road names joined by "|".
    stem = models.CharField(_("name stem"), max_length=200, blank=True)
    #: Pinyin initials of the name (景华社区 → jhsq), and of the stem for a road.
    initials = models.CharField(_("pinyin initials"), max_length=80, db_index=True, blank=True)
    stem_initials = models.CharField(_("pinyin initials of the stem"), max_length=80, blank=True)
    pinyin = models.CharField(_("pinyin"), max_length=400, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))

    class Meta:
        verbose_name = _("gazetteer entry")
        verbose_name_plural = _("gazetteer")


class GazetteerStamp(models.Model):
    """What each gazetteer source looked like when its entries were built (count and last change of
    the ledger rows, or the road network's signature): a lookup rebuilds a source whose stamp moved."""

    source = models.CharField(_("place source"), max_length=32, unique=True)
    stamp = models.CharField(_("source stamp"), max_length=200)
    built_at = models.DateTimeField(_("gazetteer built at"), auto_now=True)

    class Meta:
        verbose_name = _("gazetteer stamp")
