"""Builders for drills tests."""

from __future__ import annotations

import datetime
from typing import Any

from yingji.drills import services
from yingji.drills.models import Drill, DrillRule


def drill(actor: Any, jurisdiction: Any, held_on: datetime.date, scope: str = "comprehensive",
          key_field: str = "", **fields: Any) -> Drill:
    values = {"title": f"{jurisdiction.name}{held_on:%Y%m%d}演练", "drill_type": "full_scale", "scope": scope,
              "key_field": key_field, "held_on": held_on, "duration_minutes": 90}
    values.update(fields)
    return services.record_drill(actor=actor, jurisdiction=jurisdiction, **values)


def district_rules(cast: Any) -> list[DrillRule]:
    """The rules of the brief: every street ≥ 2 comprehensive a year, ≥ 1 fire and ≥ 1 flood drill; every
    community ≥ 1 comprehensive a year."""
    c = cast.commander
    return [services.create_rule(actor=c, jurisdiction=cast.district, applies_to="street", scope="comprehensive",
                                 minimum_per_year=2),
            services.create_rule(actor=c, jurisdiction=cast.district, applies_to="street", key_field="fire",
                                 minimum_per_year=1),
            services.create_rule(actor=c, jurisdiction=cast.district, applies_to="street", key_field="flood",
                                 minimum_per_year=1),
            services.create_rule(actor=c, jurisdiction=cast.district, applies_to="community",
                                 scope="comprehensive", minimum_per_year=1)]
