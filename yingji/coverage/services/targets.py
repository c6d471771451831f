"""Station construction targets per street: the "1+3+1" rule.

Shenzhen's service-station programme asks every street for at least one
community station, three industrial-park stations and one street-front
station ("1+3+1"). This counts the in-service stations of each street by type
and says what is still missing; the assessment app reads the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Station, StationKind

#: Station type -> how many every street needs.
ONE_THREE_ONE: dict[str, int] = {
    StationKind.COMMUNITY: 1,
    StationKind.INDUSTRIAL_PARK: 3,
    StationKind.STREET_FRONT: 1,
}
RULE_NAME = _("1+3+1")


@dataclass
class TargetRow:
    street: Jurisdiction
    have: dict[str, int]
    need: dict[str, int]

    @property
    def missing(self) -> dict[str, int]:
        return {kind: max(0, need - self.have.get(kind, 0)) for kind, need in self.need.items()}

    @property
    def missing_total(self) -> int:
        return sum(self.missing.values())

    @property
    def met(self) -> bool:
        return not any(self.missing.values())

    @property
    def cells(self) -> list[tuple[str, int, int, int]]:
        """(kind, have, need, missing) in the rule's order, for templates."""
        return [(kind, self.have.get(kind, 0), need, self.missing[kind]) for kind, need in self.need.items()]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.street.code, "name": self.street.name, "met": self.met,
                "have": {k: self.have.get(k, 0) for k in self.need}, "need": dict(self.need),
                "missing": self.missing}


def construction_targets(user: Any, area: Jurisdiction | None = None,
                         rule: dict[str, int] | None = None) -> list[TargetRow]:
    """One row per street the user sees (inside `area`), with its in-service stations counted by type."""
    rule = dict(rule or ONE_THREE_ONE)
    streets = Jurisdiction.objects.visible_to(user).filter(level=Level.STREET)
    if area is not None:
        streets = streets.in_subtree(area.path)
    streets = list(streets.order_by("path"))
    if not streets:
        return []
    by_path = {s.path: TargetRow(s, {}, rule) for s in streets}
    depth = streets[0].path.count("/") - 1
    counted = (Station.objects.filter(is_active=True, kind__in=list(rule))
               .values("jurisdiction__path", "kind").annotate(n=Count("pk")))
    for item in counted:
        prefix = "/".join(item["jurisdiction__path"].split("/")[: depth + 1]) + "/"
        row = by_path.get(prefix)
        if row is not None:
            row.have[item["kind"]] = row.have.get(item["kind"], 0) + item["n"]
    return list(by_path.values())
