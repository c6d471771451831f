"""What a grid worker checks at a risk point of each category (the patrol checklist, 巡查要点).

Every item has a stable key (`exits_clear`); check-ins store their answers by
that key, never by the question's text, which changes with the language (and
with a reworded translation). `label` shows an answer's question in the
current language; `key_for` reads the text of an older client or row in any
of the site's languages (the migration and old phones use it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yingji.hazards.models import RiskCategory


@dataclass(frozen=True)
class Item:
    key: str
    text: Promise

    @property
    def label(self) -> str:
        return str(self.text)


COMMON = [Item("no_new_hazard", _("No new hazard seen")), Item("measures_in_place", _("Control measures in place"))]

CHECKLISTS: dict[str, list[Item]] = {
    RiskCategory.CROWDED_PLACE: [Item("evacuation_routes_clear", _("Evacuation routes and exits clear")),
                                 Item("emergency_lighting_works", _("Emergency lighting and signs work")),
                                 Item("extinguishers_in_date", _("Extinguishers present and in date"))],
    RiskCategory.PUBLIC_GATHERING: [Item("exits_unlocked", _("Exits unlocked and unobstructed")),
                                    Item("crowd_plan_posted", _("Crowd control plan posted")),
                                    Item("alarm_panel_no_fault", _("Fire alarm panel shows no fault"))],
    RiskCategory.FIRE_KEY_UNIT: [Item("control_room_staffed", _("Fire control room staffed")),
                                 Item("sprinkler_pressure_normal", _("Sprinkler and hydrant pressure normal")),
                                 Item("fire_doors_working", _("Fire doors closed and working"))],
    RiskCategory.OLD_RESIDENTIAL: [Item("stairwells_clear", _("Stairwells free of clutter and e-bikes")),
                                   Item("wiring_safe", _("Wiring not exposed or overloaded")),
                                   Item("fire_lanes_clear", _("Fire lanes not blocked"))],
    RiskCategory.THREE_SMALL: [Item("nobody_sleeping_in_shop", _("No one sleeping in the shop")),
                               Item("extinguisher_within_reach", _("Extinguisher within reach")),
                               Item("no_illegal_gas_bottles", _("No illegal cooking gas bottles"))],
    RiskCategory.SLOPE: [Item("no_new_cracks", _("No new cracks or bulging")),
                         Item("ditches_clear", _("Drainage ditches clear")),
                         Item("warning_signs", _("Warning signs in place"))],
    RiskCategory.LOW_LYING: [Item("drains_clear", _("Drains and gratings clear")),
                             Item("pumps_sandbags_ready", _("Pumps and sandbags ready")),
                             Item("warning_signs", _("Warning signs in place"))],
    RiskCategory.SMALL_WORKS: [Item("site_enclosed", _("Site enclosed")),
                               Item("helmets_harnesses", _("Workers wear helmets and harnesses")),
                               Item("no_hot_work_without_permit", _("No hot work without permit"))],
    RiskCategory.HAZMAT: [Item("within_licensed_quantity", _("Storage within licensed quantity")),
                          Item("leak_detection_working", _("Leak detection and ventilation working")),
                          Item("licences_displayed", _("Licences displayed"))],
    RiskCategory.GAS_PIPELINE: [Item("no_gas_smell", _("No smell of gas")),
                                Item("nothing_over_the_line", _("No digging or building over the line")),
                                Item("markers_visible", _("Markers and valves visible"))],
    RiskCategory.EBIKE_CHARGING: [Item("timed_cut_off", _("Chargers with timed cut-off")),
                                  Item("no_indoor_charging", _("No charging indoors or in stairwells")),
                                  Item("extinguisher_at_chargers", _("Extinguisher at the charging place"))],
    RiskCategory.SELF_BUILT_HOUSE: [Item("no_structural_cracks", _("No new cracks in walls or beams")),
                                    Item("no_added_floors", _("No unapproved added floors")),
                                    Item("upper_floor_escape", _("Escape route from upper floors"))],
    RiskCategory.INDUSTRIAL_PARK: [Item("nobody_living_in_workshops", _("No people living in workshops")),
                                   Item("hazmat_apart", _("Hazardous materials stored apart")),
                                   Item("fire_lanes_clear", _("Fire lanes clear"))],
}


def checklist(category: str) -> list[Item]:
    """The items of a point of `category`: its category's, then the common ones."""
    return [*CHECKLISTS.get(category, []), *COMMON]


def label(category: str, key: str) -> str:
    """The question of `key` in the current language (the key itself if no longer on the checklist)."""
    return next((item.label for item in checklist(category) if item.key == key), key)


def key_for(category: str, text: str) -> str | None:
    """The key of the item whose question reads `text` in any of the site's languages (or is the key)."""
    text = text.strip()
    for item in checklist(category):
        if text == item.key:
            return item.key
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                if text == str(item.text):
                    return item.key
    return None
