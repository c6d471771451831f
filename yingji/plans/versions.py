"""Version history of plans: each approval keeps the version as approved (PlanVersion) with what changed
since the version approved before it — fields and card steps — so an officer sees what the revision did."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.plans.models import Plan, PlanVersion

FIELDS = ("title", "kind", "incident_types", "review_due", "summary")


def _steps(plan: Plan) -> list[dict[str, Any]]:
    return [{"order": s.order, "what": s.what, "who": s.who_label(), "how": s.how,
             "time_limit_minutes": s.time_limit_minutes}
            for s in plan.steps.select_related("who_team").order_by("order")]


def _value(name: str, value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _step_text(step: dict[str, Any]) -> str:
    limit = f" ({step['time_limit_minutes']}′)" if step.get("time_limit_minutes") else ""
    return f"{step['what']} / {step['who']} / {step['how']}{limit}".strip()


def diff(before: PlanVersion | None, fields: dict[str, Any], steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What changed from `before` (None: the first version) to these fields and steps."""
    if before is None:
        return [{"field": "created", "before": None, "after": _("First approved version")}]
    changes = []
    for name in FIELDS:
        old, new = _value(name, getattr(before, name)), _value(name, fields[name])
        if old != new:
            changes.append({"field": name, "before": old, "after": new})
    old_steps = {s["order"]: s for s in before.steps}
    new_steps = {s["order"]: s for s in steps}
    for order in sorted(set(old_steps) | set(new_steps)):
        old, new = old_steps.get(order), new_steps.get(order)
        if old == new:
            continue
        changes.append({"field": f"step {order}", "before": _step_text(old) if old else None,
                        "after": _step_text(new) if new else None})
    return changes


def record_approved(plan: Plan, *, actor: Any) -> PlanVersion:
    """Keep `plan` as approved now (in the approval's transaction)."""
    fields = {name: getattr(plan, name) for name in FIELDS}
    steps = _steps(plan)
    before = PlanVersion.objects.filter(plan=plan, version__lt=plan.version).order_by("-version").first()
    return PlanVersion.objects.create(
        plan=plan, version=plan.version, steps=steps, changes=diff(before, fields, steps),
        approved_at=plan.approved_at or timezone.now(), approved_by=actor if getattr(actor, "pk", None) else None,
        **fields)


def field_label(name: str) -> str:
    """A change's field in words."""
    labels = {"title": _("Title"), "kind": _("Kind"), "incident_types": _("Incident types covered"),
              "review_due": _("Review due"), "summary": _("Summary"), "created": _("Version")}
    if name.startswith("step "):
        return _("Step %(n)s") % {"n": name.split(" ", 1)[1]}
    return str(labels.get(name, name))
