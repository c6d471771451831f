"""The catalogue of incident types: the national classification plus service calls.

Emergencies follow the structure of GB/T 35561-2017 (突发事件分类与编码): four
categories (natural disasters, accidents and disasters, public-health events,
social-security events), classes under each and the types a community sees.
The codes below keep the standard's layout — category digit, class digit,
three-digit type — as transcribed for this platform; check them against the
official text before exchanging data with a system that relies on the exact
codes. Service calls handled by the stations (door opening, elevator
entrapment…) are a fifth category, "9", of our own.

Each type carries what dispatch needs: the team specialties that can answer it
(Team.specialties), the station service it matches (Station.services), and the
materials it usually consumes (supplies catalogue names), so that the candidate
list and the warehouse hook can be computed without asking the officer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Category:
    code: str
    label: Promise


@dataclass(frozen=True)
class IncidentType:
    code: str
    label: Promise
    category: str
    specialties: tuple[str, ...] = ()
    service: str = ""
    materials: tuple[str, ...] = field(default=())
    teams_needed: int = 2

    @property
    def is_service_call(self) -> bool:
        return self.category == "9"


CATEGORIES = [
    Category("1", _("Natural disaster")),
    Category("2", _("Accident and disaster")),
    Category("3", _("Public-health event")),
    Category("4", _("Social-security event")),
    Category("9", _("Service call")),
]

_T = IncidentType
TYPES: list[IncidentType] = [
    # 1 natural disasters
    _T("11100", _("Flood"), "1", ("flood_typhoon", "water_rescue"), materials=("sandbag", "life jacket", "water pump")),
    _T("11200", _("Waterlogging"), "1", ("flood_typhoon", "general"), "drainage", ("water pump", "sandbag")),
    _T("12100", _("Typhoon"), "1", ("flood_typhoon",), materials=("sandbag", "raincoat", "tarpaulin")),
    _T("12200", _("Rainstorm"), "1", ("flood_typhoon",), materials=("sandbag", "water pump")),
    _T("12300", _("Lightning"), "1", ("general",)),
    _T("13100", _("Earthquake"), "1", ("earthquake", "search_rescue"), materials=("tent", "quilt", "drinking water"), teams_needed=4),
    _T("14100", _("Landslide"), "1", ("search_rescue",), materials=("tarpaulin", "shovel")),
    _T("14200", _("Ground collapse"), "1", ("search_rescue",), materials=("warning tape",)),
    _T("15100", _("Forest fire"), "1", ("forest_fire", "fire"), materials=("fire beater", "water bag"), teams_needed=3),
    # 2 accidents and disasters
    _T("21100", _("Building fire"), "2", ("fire",), materials=("fire extinguisher", "fire hose", "breathing apparatus")),
    _T("21200", _("Vehicle fire"), "2", ("fire",), materials=("fire extinguisher",)),
    _T("21300", _("Electric bicycle fire"), "2", ("fire",), materials=("fire extinguisher",)),
    _T("21400", _("Gas leak"), "2", ("hazmat", "fire"), materials=("gas detector",)),
    _T("22100", _("Hazardous chemical leak"), "2", ("hazmat",), materials=("protective suit", "absorbent"), teams_needed=3),
    _T("22200", _("Explosion"), "2", ("fire", "hazmat", "search_rescue"), teams_needed=4),
    _T("23100", _("Road traffic accident"), "2", ("search_rescue", "medical"), materials=("hydraulic cutter",)),
    _T("23200", _("Building collapse"), "2", ("search_rescue",), materials=("hydraulic cutter", "shoring"), teams_needed=4),
    _T("23300", _("Construction site accident"), "2", ("search_rescue",)),
    _T("24100", _("Drowning"), "2", ("water_rescue",), materials=("life buoy", "life jacket")),
    _T("25100", _("Power, water or gas outage"), "2", ("general",), materials=("drinking water", "generator")),
    # 3 public-health events
    _T("31100", _("Infectious disease outbreak"), "3", ("medical",), materials=("mask", "disinfectant")),
    _T("32100", _("Food poisoning"), "3", ("medical",)),
    _T("33100", _("Sudden illness in public"), "3", ("medical",), materials=("AED", "first-aid kit"), teams_needed=1),
    # 4 social-security events
    _T("41100", _("Crowd gathering"), "4", ("general",), teams_needed=2),
    _T("42100", _("Stampede risk"), "4", ("general", "medical"), teams_needed=3),
    _T("43100", _("Public security incident"), "4", ("general",)),
    # 9 service calls of the stations
    _T("91100", _("Door opening"), "9", ("general",), "door_opening", teams_needed=1),
    _T("91200", _("Elevator entrapment"), "9", ("elevator", "general"), "elevator_entrapment", teams_needed=1),
    _T("91300", _("Drainage"), "9", ("general", "flood_typhoon"), "drainage", ("water pump",), teams_needed=1),
    _T("91400", _("Fallen tree"), "9", ("general",), "fallen_tree", ("chainsaw",), teams_needed=1),
    _T("91500", _("Water delivery"), "9", ("general",), "water_delivery", ("drinking water",), teams_needed=1),
    _T("91600", _("Wasp and pest removal"), "9", ("general",), "pest_removal", ("protective suit",), teams_needed=1),
    _T("91900", _("Other assistance"), "9", ("general",), teams_needed=1),
]


# The materials above are search keys of the supplies catalogue (its aliases); people read
# them through these labels, in their own language.
MATERIAL_LABELS: dict[str, Promise] = {
    "AED": pgettext_lazy("material", "AED"),
    "absorbent": pgettext_lazy("material", "absorbent"),
    "breathing apparatus": pgettext_lazy("material", "breathing apparatus"),
    "chainsaw": pgettext_lazy("material", "chainsaw"),
    "disinfectant": pgettext_lazy("material", "disinfectant"),
    "drinking water": pgettext_lazy("material", "drinking water"),
    "fire beater": pgettext_lazy("material", "fire beater"),
    "fire extinguisher": pgettext_lazy("material", "fire extinguisher"),
    "fire hose": pgettext_lazy("material", "fire hose"),
    "first-aid kit": pgettext_lazy("material", "first-aid kit"),
    "gas detector": pgettext_lazy("material", "gas detector"),
    "generator": pgettext_lazy("material", "generator"),
    "hydraulic cutter": pgettext_lazy("material", "hydraulic cutter"),
    "life buoy": pgettext_lazy("material", "life buoy"),
    "life jacket": pgettext_lazy("material", "life jacket"),
    "mask": pgettext_lazy("material", "mask"),
    "protective suit": pgettext_lazy("material", "protective suit"),
    "quilt": pgettext_lazy("material", "quilt"),
    "raincoat": pgettext_lazy("material", "raincoat"),
    "sandbag": pgettext_lazy("material", "sandbag"),
    "shoring": pgettext_lazy("material", "shoring"),
    "shovel": pgettext_lazy("material", "shovel"),
    "tarpaulin": pgettext_lazy("material", "tarpaulin"),
    "tent": pgettext_lazy("material", "tent"),
    "warning tape": pgettext_lazy("material", "warning tape"),
    "water bag": pgettext_lazy("material", "water bag"),
    "water pump": pgettext_lazy("material", "water pump"),
}


def material_label(key: str) -> str:
    """The name a person reads for a material key of this catalogue."""
    label = MATERIAL_LABELS.get(key)
    return str(label) if label is not None else key

BY_CODE: dict[str, IncidentType] = {t.code: t for t in TYPES}
CATEGORY_LABELS: dict[str, Promise] = {c.code: c.label for c in CATEGORIES}
FIRE_CODES = frozenset({"21100", "21200", "21300", "15100"})


def get(code: str) -> IncidentType:
    return BY_CODE[code]


def choices() -> list[tuple[str, list[tuple[str, Promise]]]]:
    """Grouped choices for forms: [(category label, [(code, label), …]), …]."""
    return [(str(c.label), [(t.code, t.label) for t in TYPES if t.category == c.code]) for c in CATEGORIES]


def flat_choices() -> list[tuple[str, Promise]]:
    return [(t.code, t.label) for t in TYPES]
