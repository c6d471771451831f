"""Siting studies as people ask for them: request one (queued as a task), the pending and the latest.

The computation itself is services/siting.py, run by tasks.run_siting.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.scope import ensure_in
from yingji.coverage.models import CoverageRun, PlaceKind, ReplayRun, RunStatus
from yingji.coverage.services.report import check_minutes
from yingji.coverage.services.siting import MAX_NEW_SITES
from yingji.coverage.services.whatif import Request, check
from yingji.coverage.tasks import run_replay, run_siting
from yingji.jurisdictions.models import Jurisdiction
from yingji.resources.models import StationKind


def request_siting(*, actor: Any, area: Jurisdiction, new_sites: int, minutes: float,
                   candidate_kind: str = "", station_kinds: list[str] | None = None) -> CoverageRun:
    """Record a siting study of `area` and queue its computation."""
    ensure_in(actor, "coverage.add_coveragerun", area.path)
    errors: dict[str, str] = {}
    if not 1 <= new_sites <= MAX_NEW_SITES:
        errors["new_sites"] = _("Choose between 1 and %(n)s new stations.") % {"n": MAX_NEW_SITES}
    if candidate_kind and candidate_kind not in PlaceKind.values:
        errors["candidate_kind"] = _("Unknown type of place.")
    kinds = sorted(set(station_kinds or []))
    if any(k not in StationKind.values for k in kinds):
        errors["station_kinds"] = _("Unknown station type.")
    if errors:
        raise ValidationError(errors)
    check_minutes(minutes)
    run = CoverageRun.objects.create(jurisdiction=area, created_by=actor, limit_minutes=minutes,
                                     new_sites=new_sites, candidate_kind=candidate_kind, station_kinds=kinds)
    transaction.on_commit(lambda: run_siting.enqueue(run.pk))
    return run


def pending_run(user: Any, area: Jurisdiction) -> CoverageRun | None:
    """A study of this area still queued or running, if any."""
    return (CoverageRun.objects.visible_to(user)
            .filter(jurisdiction=area, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first())


def latest_run(user: Any, area: Jurisdiction) -> CoverageRun | None:
    """The newest finished study of exactly this area that the user may see."""
    return (CoverageRun.objects.visible_to(user).filter(jurisdiction=area, status=RunStatus.DONE)
            .select_related("created_by").first())


def request_replay(*, actor: Any, req: Request) -> ReplayRun:
    """Record a replay of a large period and queue it (tasks.run_replay)."""
    ensure_in(actor, "coverage.add_replayrun", req.area.path)
    check(req)
    run = ReplayRun.objects.create(jurisdiction=req.area, created_by=actor, start=req.start, end=req.end,
                                   layout=req.layout, siting_run=req.siting_run,
                                   points=[list(p) for p in req.points], keep_existing=req.keep_existing,
                                   turnout_s=req.turnout_s)
    transaction.on_commit(lambda: run_replay.enqueue(run.pk))
    return run
