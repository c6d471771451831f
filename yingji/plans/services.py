"""Every write of plans: creating and editing a plan, writing its card, the approval steps.

Each function checks the scope (core.scope), validates, runs in one
transaction; the audit records come from LedgerModel's signals and the
approval's history from yingji.workflows (WorkflowEvent rows).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.accounts.roles import Role
from yingji.core.scope import ensure, ensure_in
from yingji.incidents import catalogue
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.plans import versions
from yingji.plans.models import CardStep, Plan, PlanKind, PlanStatus, WhoKind
from yingji.plans.workflows import PLAN
from yingji.resources.models import Team, TeamKind

PLAN_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
EDITABLE_FIELDS = ("title", "kind", "enterprise", "incident_types", "review_due", "summary")
TYPE_CODES = {t.code for t in catalogue.TYPES}


def _clean(jurisdiction: Jurisdiction, data: dict[str, Any]) -> dict[str, Any]:
    """The plan's fields checked and normalised; every problem under its field's name."""
    errors: dict[str, list[str]] = {}
    if jurisdiction.level not in PLAN_LEVELS:
        errors["jurisdiction"] = [_("Plans belong to the district, a street or a community.")]
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the plan a title.")]
    if data.get("kind") not in PlanKind.values:
        errors["kind"] = [_("Choose comprehensive, special or on-site disposal.")]
    types = list(dict.fromkeys(data.get("incident_types") or []))
    unknown = [t for t in types if t not in TYPE_CODES]
    if unknown:
        errors["incident_types"] = [_("Unknown incident types: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}]
    review_due = data.get("review_due")
    if review_due is not None and not isinstance(review_due, datetime.date):
        errors["review_due"] = [_("Enter a date.")]
    if errors:
        raise ValidationError(errors)
    return {"title": title, "kind": data["kind"], "enterprise": (data.get("enterprise") or "").strip(),
            "incident_types": types, "review_due": review_due, "summary": (data.get("summary") or "").strip()}


def create_plan(*, actor: Any, jurisdiction: Jurisdiction, title: str, kind: str,
                incident_types: list[str] | None = None, enterprise: str = "",
                review_due: datetime.date | None = None, summary: str = "") -> Plan:
    """A new plan, version 1, as a draft of `jurisdiction`."""
    ensure_in(actor, "plans.add_plan", jurisdiction.path)
    fields = _clean(jurisdiction, {"title": title, "kind": kind, "incident_types": incident_types,
                                   "enterprise": enterprise, "review_due": review_due, "summary": summary})
    with transaction.atomic():
        plan = Plan.objects.create(jurisdiction=jurisdiction, **fields)
        PLAN.start(plan, actor=actor)
    return plan


def _ensure_draft(plan: Plan) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft can be changed; revise the approved plan first.")
                               if plan.status == PlanStatus.APPROVED
                               else _("The plan is waiting for approval; it cannot be changed now.")})


def update_plan(plan: Plan, *, actor: Any, **changes: Any) -> Plan:
    """Change a draft's fields (those of EDITABLE_FIELDS given)."""
    ensure(actor, "change", plan)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    with transaction.atomic():
        locked = Plan.objects.select_for_update().select_related("jurisdiction").get(pk=plan.pk)
        _ensure_draft(locked)
        current = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
        fields = _clean(locked.jurisdiction, {**current, **changes})
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    return locked


@dataclass
class StepIn:
    """A step of the card as typed in a form or sent to the API."""

    what: str
    who_kind: str
    who: str = ""  # the role, the team type or the team's code, by who_kind
    how: str = ""
    time_limit_minutes: int | None = None


def _step_row(plan: Plan, number: int, step: StepIn, visible_teams: Any) -> tuple[CardStep | None, list[str]]:
    errors = []
    what = (step.what or "").strip()
    if not what:
        errors.append(_("say what is done"))
    row = CardStep(plan=plan, order=number, what=what[:200], who_kind=step.who_kind, how=(step.how or "").strip(),
                   time_limit_minutes=step.time_limit_minutes)
    who = (step.who or "").strip()
    if step.who_kind == WhoKind.ROLE:
        if who not in Role.values:
            errors.append(_("choose the role who does it"))
        row.who_role = who
    elif step.who_kind == WhoKind.TEAM_KIND:
        if who not in TeamKind.values:
            errors.append(_("choose the type of team who does it"))
        row.who_team_kind = who
    elif step.who_kind == WhoKind.TEAM:
        row.who_team = visible_teams.filter(code=who).first() if who else None
        if row.who_team is None:
            errors.append(_("no team with code %(code)s in your jurisdiction") % {"code": who})
    else:
        errors.append(_("say whether a role, a team type or a named team does it"))
    if step.time_limit_minutes is not None and not 0 < step.time_limit_minutes <= 7 * 24 * 60:
        errors.append(_("the time limit is between 1 minute and 7 days"))
    return (None, errors) if errors else (row, [])


def set_steps(plan: Plan, steps: list[StepIn], *, actor: Any) -> list[CardStep]:
    """Replace the card of a draft by `steps`, numbered in the order given; all or nothing."""
    ensure(actor, "change", plan)
    visible_teams = Team.objects.visible_to(actor)
    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        _ensure_draft(locked)
        rows, problems = [], []
        for number, step in enumerate(steps, start=1):
            row, errors = _step_row(locked, number, step, visible_teams)
            if errors:
                problems.append(_("Step %(n)s: %(errors)s.") % {"n": number, "errors": _("; ").join(errors)})
            elif row is not None:
                rows.append(row)
        if problems:
            raise ValidationError({"steps": problems})
        # Deleted and saved one by one so that each change is in the audit log.
        for old in locked.steps.all():
            old.delete()
        for row in rows:
            row.save()
        Plan.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return rows


def submit(plan: Plan, *, actor: Any, note: str = "") -> Plan:
    return PLAN.transition(plan, "submit", actor=actor, note=note)


def approve(plan: Plan, *, actor: Any, note: str = "") -> Plan:
    """Approve a pending plan; the time of approval is kept on the plan."""
    def stamp(p: Plan) -> None:
        p.approved_at = timezone.now()

    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        PLAN.transition(locked, "approve", actor=actor, note=note, effect=stamp, locked=True, save=False)
        locked.save(update_fields=["status", "approved_at", "updated_at"])
        versions.record_approved(locked, actor=actor)  # the version as approved, with what changed
    plan.status, plan.approved_at, plan.version = locked.status, locked.approved_at, locked.version
    return plan


def return_for_changes(plan: Plan, *, actor: Any, note: str = "") -> Plan:
    return PLAN.transition(plan, "return", actor=actor, note=note)


def revise(plan: Plan, *, actor: Any, note: str = "") -> Plan:
    """Open the next version of an approved plan as a draft (the approved version's facts stay in the
    audit log and the workflow history)."""
    def bump(p: Plan) -> None:
        p.version += 1
        p.approved_at = None

    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        PLAN.transition(locked, "revise", actor=actor, note=note, effect=bump, locked=True, save=False)
        locked.save(update_fields=["status", "version", "approved_at", "updated_at"])
    return locked


STEPS = {"submit": submit, "approve": approve, "return": return_for_changes, "revise": revise}


def take_step(plan: Plan, name: str, *, actor: Any, note: str = "") -> Plan:
    """The approval step `name` (submit, approve, return, revise), from a page or the API."""
    return STEPS[name](plan, actor=actor, note=note)
