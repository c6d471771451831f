"""The alarm rules, as data: what each kind of device may report and what it becomes.

One row per (device type, alarm type): the action (an incident of a type of the
incidents catalogue, or a hazard of a category of the hazards ledger), the window
within which repeats of one device are folded into one alarm, and for smoke the
confirmation window during which a cancel from the device (a resident silencing
a false alarm) stops it. Change a row here, not the code that applies them
(iot/ingest.py, iot/jobs.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yingji.hazards.models import HazardSeverity, RiskCategory
from yingji.incidents.models import Severity
from yingji.iot.models import DeviceKind

INCIDENT, HAZARD = "incident", "hazard"


@dataclass(frozen=True)
class Rule:
    device_kind: str
    alarm_type: str
    label: Promise
    action: str
    window: datetime.timedelta
    incident_type: str = ""
    severity: str = Severity.IV
    hazard_category: str = RiskCategory.OTHER
    hazard_severity: str = HazardSeverity.GENERAL
    confirm: datetime.timedelta | None = None


_M = datetime.timedelta(minutes=1)
RULES: list[Rule] = [
    Rule(DeviceKind.ELEVATOR, "entrapment", _("Passengers trapped in the elevator"), INCIDENT, 15 * _M,
         incident_type="91200"),
    Rule(DeviceKind.ELEVATOR, "ebike", _("E-bike taken into the elevator"), HAZARD, 60 * _M,
         hazard_category=RiskCategory.EBIKE_CHARGING, hazard_severity=HazardSeverity.MINOR),
    Rule(DeviceKind.HYDRANT, "low_pressure", _("Hydrant pressure too low"), HAZARD, 24 * 60 * _M,
         hazard_category=RiskCategory.OTHER),
    Rule(DeviceKind.SMOKE, "smoke", _("Smoke detected"), INCIDENT, 15 * _M, incident_type="21100",
         severity=Severity.IV, confirm=datetime.timedelta(seconds=60)),
    Rule(DeviceKind.FIRE_LANE, "blocked", _("Fire lane blocked"), HAZARD, 4 * 60 * _M,
         hazard_category=RiskCategory.OTHER),
]
BY_KEY: dict[tuple[str, str], Rule] = {(r.device_kind, r.alarm_type): r for r in RULES}
# A reading below the device's threshold is this alarm (hydrants report pressure in MPa).
LOW_READING_ALARM = {DeviceKind.HYDRANT: "low_pressure"}
DEFAULT_LOW_THRESHOLD = {DeviceKind.HYDRANT: 0.10}


def rule_for(device_kind: str, alarm_type: str) -> Rule | None:
    return BY_KEY.get((device_kind, alarm_type))


def alarm_types(device_kind: str) -> list[str]:
    return [r.alarm_type for r in RULES if r.device_kind == device_kind]


def label_of(device_kind: str, alarm_type: str) -> Promise | str:
    rule = rule_for(device_kind, alarm_type)
    return rule.label if rule else alarm_type
