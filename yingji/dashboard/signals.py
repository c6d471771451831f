"""Changes that make the dashboard's cached answers stale: any write to a ledger it shows.

A bump of one counter in the cache (services.bump_generation) per write; the next request computes
afresh. Connected here, not in the owning apps: they know nothing of the dashboard.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save


def connect() -> None:
    from yingji.dashboard.services import bump_generation
    from yingji.hazards.models import Hazard, RiskPoint
    from yingji.incidents.models import Incident
    from yingji.iot.models import Device
    from yingji.messaging.signals import acknowledged
    from yingji.resources.models import Facility, Station, Team
    from yingji.supplies.models import StockBalance
    from yingji.warnings.models import EarlyWarning

    for model in (Incident, Hazard, RiskPoint, EarlyWarning, Device, Station, Team, Facility, StockBalance):
        post_save.connect(bump_generation, sender=model, dispatch_uid=f"dashboard.bump.{model.__name__}.save")
        post_delete.connect(bump_generation, sender=model, dispatch_uid=f"dashboard.bump.{model.__name__}.delete")
    # A recipient acknowledged a warning (an UPDATE of its recipient row, no save): 今日待办 counts who has not.
    # Connected after warnings' own receiver (dashboard comes later in YINGJI_APPS): the row is marked first.
    acknowledged.connect(bump_generation, dispatch_uid="dashboard.bump.acknowledged")
