"""The rules the registry checks and shows (read-only): the station staffing
standard, and certificates and maintenance about to lapse.

Used by the station page, the district compliance page, the expiring page and
their API endpoints; assessments read the same functions for their scores.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from yingji.resources.models import (
    VEHICLE_KINDS,
    Equipment,
    EquipmentStatus,
    Member,
    MemberCertificate,
    Station,
    StationKind,
    Team,
    TeamKind,
    TeamRole,
)

EXPIRY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class StaffingStandard:
    """What a station's team must have (建设标准: 队长、副队长、通讯员、安全员, 10–30 人, ≥2 台车)."""

    min_members: int = 10
    max_members: int = 30
    min_vehicles: int = 2
    roles: tuple[str, ...] = (TeamRole.CAPTAIN, TeamRole.VICE_CAPTAIN, TeamRole.COMMUNICATOR,
                              TeamRole.SAFETY_OFFICER)


SERVICE_STATION_STANDARD = StaffingStandard()
# Micro fire stations follow the lighter fire-brigade standard (≥ 6 people, one
# vehicle, usually an electric bike) rather than the service-station one.
MICRO_FIRE_STANDARD = StaffingStandard(min_members=6, max_members=30, min_vehicles=1,
                                       roles=(TeamRole.CAPTAIN, TeamRole.SAFETY_OFFICER))
STANDARDS: dict[str, StaffingStandard] = {StationKind.MICRO_FIRE: MICRO_FIRE_STANDARD}


def standard_for(kind: str) -> StaffingStandard:
    return STANDARDS.get(kind, SERVICE_STATION_STANDARD)


@dataclass
class StaffingCheck:
    """How one station measures against its standard, and every shortfall in words."""

    station: Station
    standard: StaffingStandard
    teams: int = 0
    members: int = 0
    roles: dict[str, int] = field(default_factory=dict)
    vehicles: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"station_id": self.station.pk, "station_code": self.station.code, "station_name": self.station.name,
                "jurisdiction": self.station.jurisdiction.name, "ok": self.ok, "teams": self.teams,
                "members": self.members, "vehicles": self.vehicles, "roles": self.roles, "problems": self.problems}


ROLE_MISSING = {
    TeamRole.CAPTAIN: gettext_lazy("no captain"),
    TeamRole.VICE_CAPTAIN: gettext_lazy("no vice captain"),
    TeamRole.COMMUNICATOR: gettext_lazy("no communicator"),
    TeamRole.SAFETY_OFFICER: gettext_lazy("no safety officer"),
}


def staffing_checks(stations: QuerySet[Station]) -> list[StaffingCheck]:
    """Check every active station of `stations` in four grouped queries, whatever their number."""
    stations = stations.filter(is_active=True).select_related("jurisdiction").order_by("jurisdiction__path", "code")
    checks = {s.pk: StaffingCheck(station=s, standard=standard_for(s.kind)) for s in stations}
    if not checks:
        return []
    ids = list(checks)
    station_teams = Team.objects.filter(kind=TeamKind.STATION_TEAM, station_id__in=ids)
    for row in station_teams.values("station_id").annotate(n=Count("pk")):
        checks[row["station_id"]].teams = row["n"]
    members = Member.objects.filter(team__kind=TeamKind.STATION_TEAM, team__station_id__in=ids)
    for row in members.values("team__station_id", "team_role").annotate(n=Count("pk")):
        check = checks[row["team__station_id"]]
        check.members += row["n"]
        check.roles[row["team_role"]] = check.roles.get(row["team_role"], 0) + row["n"]
    vehicles = Equipment.objects.filter(station_id__in=ids, kind__in=VEHICLE_KINDS, status=EquipmentStatus.IN_SERVICE)
    for row in vehicles.values("station_id").annotate(n=Sum("count")):
        checks[row["station_id"]].vehicles = row["n"] or 0
    for check in checks.values():
        check.problems = _problems(check)
    return list(checks.values())


def _problems(check: StaffingCheck) -> list[str]:
    standard = check.standard
    if check.teams == 0:
        problems = [_("no station team")]
    else:
        problems = [str(ROLE_MISSING[role]) for role in standard.roles if not check.roles.get(role)]
        if check.members < standard.min_members:
            problems.append(ngettext("%(n)s member, fewer than %(min)s", "%(n)s members, fewer than %(min)s",
                                     check.members) % {"n": check.members, "min": standard.min_members})
        elif check.members > standard.max_members:
            problems.append(_("%(n)s members, more than %(max)s") % {"n": check.members, "max": standard.max_members})
    if check.vehicles < standard.min_vehicles:
        problems.append(ngettext("%(n)s vehicle in service, fewer than %(min)s",
                                 "%(n)s vehicles in service, fewer than %(min)s", check.vehicles) % {
            "n": check.vehicles, "min": standard.min_vehicles})
    return problems


def station_check(station: Station) -> StaffingCheck:
    checks = staffing_checks(Station.objects.filter(pk=station.pk))
    return checks[0] if checks else StaffingCheck(station=station, standard=standard_for(station.kind))


# ---------------------------------------------------------------- expiry
def expiry_limit(today: datetime.date | None = None, days: int = EXPIRY_WINDOW_DAYS) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=days)


def expiring_certificates(queryset: QuerySet[MemberCertificate], today: datetime.date | None = None,
                          days: int = EXPIRY_WINDOW_DAYS) -> QuerySet[MemberCertificate]:
    """Certificates that have lapsed or lapse within `days`, soonest first."""
    return (queryset.filter(expires_on__isnull=False, expires_on__lte=expiry_limit(today, days))
            .select_related("member__team__jurisdiction").order_by("expires_on", "pk"))


def maintenance_due(queryset: QuerySet[Equipment], today: datetime.date | None = None,
                    days: int = EXPIRY_WINDOW_DAYS) -> QuerySet[Equipment]:
    """Vehicles and equipment whose maintenance is overdue or due within `days`, soonest first."""
    return (queryset.filter(next_maintenance_on__isnull=False, next_maintenance_on__lte=expiry_limit(today, days))
            .exclude(status=EquipmentStatus.OUT_OF_SERVICE)
            .select_related("jurisdiction", "station").order_by("next_maintenance_on", "pk"))


def by_jurisdiction(rows: list[Any], jurisdiction_of: Any) -> list[tuple[Any, list[Any]]]:
    """Group rows per jurisdiction (in tree order), for the per-community expiry lists."""
    groups: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        groups[jurisdiction_of(row)].append(row)
    return sorted(groups.items(), key=lambda item: item[0].path)


def expiry_counts(certificates: QuerySet[MemberCertificate], equipment: QuerySet[Equipment],
                  today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    limit = expiry_limit(today)
    certs = certificates.aggregate(expired=Count("pk", filter=Q(expires_on__lt=today)),
                                   soon=Count("pk", filter=Q(expires_on__gte=today, expires_on__lte=limit)))
    kit = equipment.exclude(status=EquipmentStatus.OUT_OF_SERVICE).aggregate(
        overdue=Count("pk", filter=Q(next_maintenance_on__lt=today)),
        soon=Count("pk", filter=Q(next_maintenance_on__gte=today, next_maintenance_on__lte=limit)))
    return {"certificates_expired": certs["expired"], "certificates_soon": certs["soon"],
            "maintenance_overdue": kit["overdue"], "maintenance_soon": kit["soon"]}
