"""The Chinese warning levels and hazard types, and how they map onto CAP 1.2.

Levels follow the national practice for early warnings (预警级别): blue (IV,
general), yellow (III, heavy), orange (II, serious), red (I, especially
serious). In CAP the level travels as `severity` (blue Minor, yellow Moderate,
orange Severe, red Extreme, the mapping of the national CAP profile) and, so
that a round trip keeps it exactly, as the parameter `yingji:level`; the
hazard type as the event code `yingji:hazard`. A foreign CAP message without
them gets its level from its severity and its hazard from the Chinese name in
its `event`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LEVEL_PARAMETER = "yingji:level"
HAZARD_EVENT_CODE = "yingji:hazard"


class Level(models.TextChoices):
    BLUE = "blue", _("Blue (IV)")
    YELLOW = "yellow", _("Yellow (III)")
    ORANGE = "orange", _("Orange (II)")
    RED = "red", _("Red (I)")


# Low to high; the phone page and lists sort by it.
LEVEL_RANK = {Level.BLUE: 1, Level.YELLOW: 2, Level.ORANGE: 3, Level.RED: 4}
LEVEL_SEVERITY = {Level.BLUE: "Minor", Level.YELLOW: "Moderate", Level.ORANGE: "Severe", Level.RED: "Extreme"}
SEVERITY_LEVEL = {severity: level for level, severity in LEVEL_SEVERITY.items()}
# The colours of the warning signals (national standard colours, as printed on the signal icons).
LEVEL_COLOUR = {Level.BLUE: "#1e5bc6", Level.YELLOW: "#f2c200", Level.ORANGE: "#f27c00", Level.RED: "#d8141c"}
LEVEL_WORD = {Level.BLUE: _("blue"), Level.YELLOW: _("yellow"), Level.ORANGE: _("orange"), Level.RED: _("red")}


class Hazard(models.TextChoices):
    TYPHOON = "typhoon", _("Typhoon")
    RAINSTORM = "rainstorm", _("Rainstorm")
    HIGH_TEMPERATURE = "high_temperature", _("High temperature")
    COLD_WAVE = "cold_wave", _("Cold wave")
    GALE = "gale", _("Gale")
    THUNDER = "thunder", _("Thunder and lightning")
    HAIL = "hail", _("Hail")
    FOG = "fog", _("Heavy fog")
    HAZE = "haze", _("Haze")
    SNOWSTORM = "snowstorm", _("Snowstorm")
    SANDSTORM = "sandstorm", _("Sandstorm")
    DROUGHT = "drought", _("Drought")
    FROST = "frost", _("Frost")
    ROAD_ICING = "road_icing", _("Road icing")
    GEOLOGICAL = "geological", _("Geological hazard")
    FOREST_FIRE = "forest_fire", _("Forest fire danger")
    URBAN_FLOODING = "urban_flooding", _("Urban waterlogging")
    OTHER = "other", _("Other")


@dataclass(frozen=True)
class HazardInfo:
    """How one hazard type is written in CAP: its category and its event name in Chinese."""

    category: str
    event_zh: str
    # What people are told to do when nothing more specific is written (the phone page's default).
    advice: Promise


HAZARDS: dict[str, HazardInfo] = {
    Hazard.TYPHOON: HazardInfo("Met", "台风", _("Stay indoors, secure doors and windows, keep away from hoardings and trees.")),
    Hazard.RAINSTORM: HazardInfo("Met", "暴雨", _("Avoid underpasses and low-lying places; move to higher ground if water rises.")),
    Hazard.HIGH_TEMPERATURE: HazardInfo("Met", "高温", _("Avoid outdoor work at midday, drink water, look after the elderly.")),
    Hazard.COLD_WAVE: HazardInfo("Met", "寒潮", _("Keep warm, protect water pipes, check on people living alone.")),
    Hazard.GALE: HazardInfo("Met", "大风", _("Secure loose objects on balconies and building sites; stay away from hoardings.")),
    Hazard.THUNDER: HazardInfo("Met", "雷电", _("Stay indoors, keep away from open ground, water and tall metal objects.")),
    Hazard.HAIL: HazardInfo("Met", "冰雹", _("Shelter indoors, protect vehicles, keep away from glass.")),
    Hazard.FOG: HazardInfo("Met", "大雾", _("Drive slowly with lights on; avoid unnecessary trips.")),
    Hazard.HAZE: HazardInfo("Met", "霾", _("Reduce outdoor activity; wear a mask outdoors.")),
    Hazard.SNOWSTORM: HazardInfo("Met", "暴雪", _("Avoid trips; clear snow from roofs and walkways safely.")),
    Hazard.SANDSTORM: HazardInfo("Met", "沙尘暴", _("Close doors and windows; wear a mask outdoors.")),
    Hazard.DROUGHT: HazardInfo("Met", "干旱", _("Save water; follow the water supply notices.")),
    Hazard.FROST: HazardInfo("Met", "霜冻", _("Protect crops and water pipes.")),
    Hazard.ROAD_ICING: HazardInfo("Met", "道路结冰", _("Drive slowly, walk carefully, avoid bridges and slopes.")),
    Hazard.GEOLOGICAL: HazardInfo("Geo", "地质灾害", _("Keep away from slopes and retaining walls; evacuate when told.")),
    Hazard.FOREST_FIRE: HazardInfo("Fire", "森林火险", _("No fire in forests and hills; report any smoke at once.")),
    Hazard.URBAN_FLOODING: HazardInfo("Met", "城市内涝", _("Keep out of flooded streets and basements; move vehicles to higher ground.")),
    Hazard.OTHER: HazardInfo("Other", "其他", _("Follow the instructions of the community and the authorities.")),
}


def hazard_from_event(event: str) -> str:
    """The hazard type named in a CAP event text (Chinese or our code), or OTHER."""
    text = (event or "").strip()
    if text in Hazard.values:
        return text
    # Longest names first: "道路结冰" before any shorter name it contains.
    for code, info in sorted(HAZARDS.items(), key=lambda item: -len(item[1].event_zh)):
        if code != Hazard.OTHER and info.event_zh in text:
            return str(code)
    return str(Hazard.OTHER)
