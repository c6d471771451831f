"""What a grid worker checks at a risk point of each category (the patrol checklist, 巡查要点)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yingji.hazards.models import RiskCategory

COMMON = [_("No new hazard seen"), _("Control measures in place")]

CHECKLISTS = {
    RiskCategory.CROWDED_PLACE: [_("Evacuation routes and exits clear"), _("Emergency lighting and signs work"),
                                 _("Extinguishers present and in date")],
    RiskCategory.PUBLIC_GATHERING: [_("Exits unlocked and unobstructed"), _("Crowd control plan posted"),
                                    _("Fire alarm panel shows no fault")],
    RiskCategory.FIRE_KEY_UNIT: [_("Fire control room staffed"), _("Sprinkler and hydrant pressure normal"),
                                 _("Fire doors closed and working")],
    RiskCategory.OLD_RESIDENTIAL: [_("Stairwells free of clutter and e-bikes"), _("Wiring not exposed or overloaded"),
                                   _("Fire lanes not blocked")],
    RiskCategory.THREE_SMALL: [_("No one sleeping in the shop"), _("Extinguisher within reach"),
                               _("No illegal cooking gas bottles")],
    RiskCategory.SLOPE: [_("No new cracks or bulging"), _("Drainage ditches clear"), _("Warning signs in place")],
    RiskCategory.LOW_LYING: [_("Drains and gratings clear"), _("Pumps and sandbags ready"),
                             _("Warning signs in place")],
    RiskCategory.SMALL_WORKS: [_("Site enclosed"), _("Workers wear helmets and harnesses"),
                               _("No hot work without permit")],
    RiskCategory.HAZMAT: [_("Storage within licensed quantity"), _("Leak detection and ventilation working"),
                          _("Licences displayed")],
    RiskCategory.GAS_PIPELINE: [_("No smell of gas"), _("No digging or building over the line"),
                                _("Markers and valves visible")],
    RiskCategory.EBIKE_CHARGING: [_("Chargers with timed cut-off"), _("No charging indoors or in stairwells"),
                                  _("Extinguisher at the charging place")],
    RiskCategory.SELF_BUILT_HOUSE: [_("No new cracks in walls or beams"), _("No unapproved added floors"),
                                    _("Escape route from upper floors")],
    RiskCategory.INDUSTRIAL_PARK: [_("No people living in workshops"), _("Hazardous materials stored apart"),
                                   _("Fire lanes clear")],
}


def checklist(category: str) -> list[str]:
    """The questions for a point of `category`, in the current language."""
    return [str(item) for item in CHECKLISTS.get(category, [])] + [str(item) for item in COMMON]
