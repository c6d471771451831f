"""Overdue hazards escalate one level up the jurisdiction tree: community → street → district.

A hazard's `escalate_at` is its deadline once assigned; when that passes and
the unit still owes the rectification, the job (hazards/jobs.py) moves the
hazard's attention one level up, records it in the audit log, tells the
people who assign hazards there and its robots (services/notify.py) and sets the
next escalation YINGJI_HAZARD_ESCALATE_HOURS later, until the district. The
read is one indexed range (`hazard_escalation_due`), the writes one UPDATE per
target level and one INSERT of change records, so the job stays fast when a
whole district's backlog falls due at once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from yingji.audit.context import acting_as
from yingji.audit.models import Action, ChangeRecord
from yingji.audit.signals import change_record
from yingji.hazards.models import Hazard
from yingji.hazards.models.hazard import DEADLINE_STATUSES
from yingji.hazards.services import notify
from yingji.jurisdictions.models import Jurisdiction

# Depths of the tree (path "/city/district/street/community/grid/"): the community (3) answers first,
# then the street (2), then the district (1), which is the top of escalation.
COMMUNITY_DEPTH, TOP_DEPTH = 3, 1


def ancestor_path(path: str, depth: int) -> str:
    """The path of the ancestor at `depth` (0 the root) of a materialised path."""
    return "/" + "/".join(path.strip("/").split("/")[: depth + 1]) + "/"


@dataclass
class Escalated:
    """What one run escalated: hazard ids per target jurisdiction (messaging tells each target once)."""

    by_target: dict[Jurisdiction, list[int]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.by_target.values())


def escalate_overdue(now: datetime.datetime, batch: int = 50_000) -> Escalated:
    """Escalate every hazard whose next escalation is due at `now`; answers what moved where."""
    rows = list(Hazard.objects.filter(escalate_at__lte=now, status__in=DEADLINE_STATUSES)
                .order_by("escalate_at").values_list("pk", "escalation_level", "jurisdiction__path",
                                                     "escalated_to_id")[:batch])
    if not rows:
        return Escalated()
    # Grouped by where they go and where they were (the change records name both).
    groups: dict[tuple[str, int, int | None], list[int]] = defaultdict(list)
    for pk, level, path, before in rows:
        depth = max(TOP_DEPTH, min(COMMUNITY_DEPTH, path.count("/") - 2) - level - 1)
        groups[(ancestor_path(path, depth), level, before)].append(pk)
    targets = {j.path: j for j in Jurisdiction.objects.filter(path__in={g[0] for g in groups})}
    later = now + datetime.timedelta(hours=settings.YINGJI_HAZARD_ESCALATE_HOURS)
    result = Escalated()
    with transaction.atomic(), acting_as(None, source="task"):
        records: list[ChangeRecord] = []
        for (path, level, before), ids in groups.items():
            target = targets.get(path)
            if target is None:
                continue
            at_top = target.depth <= TOP_DEPTH
            Hazard.objects.filter(pk__in=ids).update(
                escalation_level=F("escalation_level") + 1, escalated_to=target,
                escalate_at=None if at_top else later)
            for hazard in Hazard.objects.filter(pk__in=ids).select_related("jurisdiction").only(
                    "pk", "reference", "title", "jurisdiction__path"):
                records.append(change_record(hazard, Action.UPDATE, {
                    "escalation_level": [level, level + 1], "escalated_to": [before, target.pk]}))
            result.by_target.setdefault(target, []).extend(ids)
        ChangeRecord.objects.bulk_create(records, batch_size=5000)
        # Announced in the same transaction: a hazard is told about exactly when it escalates.
        notify.escalations(result.by_target)
    return result


def escalation_summary(result: Escalated) -> dict[str, Any]:
    return {"escalated": result.count, "targets": len(result.by_target)}
