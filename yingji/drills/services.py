"""Every write of drills: recording a drill, its follow-ups (one may open a hazard), the frequency rules.

Each function checks the scope (core.scope), validates with errors under the field's name, and runs in
one transaction; the audit records come from LedgerModel's signals.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.drills.models import Drill, DrillRule, DrillScope, DrillType, FollowUp, KeyField, RuleTarget
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.plans.models import Plan
from yingji.resources.models import Member, Team

DRILL_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
FIELDS = ("title", "drill_type", "scope", "key_field", "held_on", "duration_minutes", "place", "participants",
          "findings", "plan")
MAX_DURATION = 7 * 24 * 60


def _clean(actor: Any, jurisdiction: Jurisdiction, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if jurisdiction.level not in DRILL_LEVELS:
        refuse("jurisdiction", _("Drills are held by the district, a street or a community."))
    title = (data.get("title") or "").strip()
    if not title:
        refuse("title", _("Give the drill a title."))
    if data.get("drill_type") not in DrillType.values:
        refuse("drill_type", _("Choose tabletop, functional or full-scale."))
    if data.get("scope") not in DrillScope.values:
        refuse("scope", _("Choose comprehensive or special."))
    key_field = data.get("key_field") or ""
    if key_field and key_field not in KeyField.values:
        refuse("key_field", _("Unknown key field."))
    if data.get("scope") == DrillScope.SPECIAL and not key_field:
        refuse("key_field", _("A special drill names its key field."))
    held_on = data.get("held_on")
    if not isinstance(held_on, datetime.date):
        refuse("held_on", _("Enter the date the drill was held."))
    elif held_on > timezone.localdate() + datetime.timedelta(days=366):
        refuse("held_on", _("The date is more than a year ahead."))
    duration = data.get("duration_minutes")
    if not isinstance(duration, int) or not 0 < duration <= MAX_DURATION:
        refuse("duration_minutes", _("The duration is between 1 minute and 7 days."))
    participants = data.get("participants") or 0
    if not isinstance(participants, int) or participants < 0:
        refuse("participants", _("Enter a number of people, 0 or more."))
    plan = data.get("plan")
    if plan is not None and not jurisdiction.path.startswith(plan.jurisdiction.path) \
            and not plan.jurisdiction.path.startswith(jurisdiction.path):
        refuse("plan", _("The plan exercised belongs to another area."))
    if errors:
        raise ValidationError(errors)
    return {"title": title[:200], "drill_type": data["drill_type"], "scope": data["scope"], "key_field": key_field,
            "held_on": held_on, "duration_minutes": duration, "place": (data.get("place") or "").strip()[:200],
            "participants": participants, "findings": (data.get("findings") or "").strip(), "plan": plan}


def _people(actor: Any, teams: Sequence[str] | None, members: Sequence[int] | None) -> tuple[list[Team], list[Member]]:
    """The teams (by code) and members (by id) the actor sees; an unknown one is refused by name."""
    errors: dict[str, list[str]] = {}
    found_teams: list[Team] = []
    if teams:
        by_code = {t.code: t for t in Team.objects.visible_to(actor).filter(code__in=list(teams))}
        missing = [c for c in teams if c not in by_code]
        if missing:
            errors["teams"] = [_("No team with code %(codes)s in your jurisdiction.") % {"codes": ", ".join(missing)}]
        found_teams = [by_code[c] for c in dict.fromkeys(teams) if c in by_code]
    found_members: list[Member] = []
    if members:
        by_id = {m.pk: m for m in Member.objects.visible_to(actor).filter(pk__in=list(members))}
        missing_ids = [str(i) for i in members if i not in by_id]
        if missing_ids:
            errors["members"] = [_("No member %(ids)s in your jurisdiction.") % {"ids": ", ".join(missing_ids)}]
        found_members = [by_id[i] for i in dict.fromkeys(members) if i in by_id]
    if errors:
        raise ValidationError(errors)
    return found_teams, found_members


def record_drill(*, actor: Any, jurisdiction: Jurisdiction, teams: Sequence[str] | None = None,
                 members: Sequence[int] | None = None, **data: Any) -> Drill:
    """A drill held by `jurisdiction`; `teams` by code, `members` by id, both within the actor's scope."""
    ensure_in(actor, "drills.add_drill", jurisdiction.path)
    fields = _clean(actor, jurisdiction, data)
    found_teams, found_members = _people(actor, teams, members)
    if not fields["participants"]:
        fields["participants"] = len(found_members)
    with transaction.atomic():
        drill = Drill.objects.create(jurisdiction=jurisdiction, **fields)
        drill.teams.set(found_teams)
        drill.members.set(found_members)
    return drill


def update_drill(drill: Drill, *, actor: Any, teams: Sequence[str] | None = None,
                 members: Sequence[int] | None = None, **changes: Any) -> Drill:
    ensure(actor, "change", drill)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    current = {name: getattr(drill, name) for name in FIELDS}
    fields = _clean(actor, drill.jurisdiction, {**current, **changes})
    found_teams, found_members = _people(actor, teams, members)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(drill, name, value)
        drill.save()
        if teams is not None:
            drill.teams.set(found_teams)
        if members is not None:
            drill.members.set(found_members)
    return drill


def add_follow_up(drill: Drill, *, actor: Any, text: str, responsible: str = "",
                  due_on: datetime.date | None = None) -> FollowUp:
    ensure(actor, "change", drill)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Say what must be put right.")})
    if due_on is not None and due_on < drill.held_on:
        raise ValidationError({"due_on": _("The follow-up is due after the drill.")})
    return FollowUp.objects.create(drill=drill, text=text[:300], responsible=(responsible or "").strip()[:100],
                                   due_on=due_on)


def complete_follow_up(follow_up: FollowUp, *, actor: Any, on: datetime.date | None = None) -> FollowUp:
    ensure(actor, "change", follow_up.drill)
    follow_up.done_on = on or timezone.localdate()
    follow_up.save(update_fields=["done_on", "updated_at"])
    return follow_up


def open_hazard(follow_up: FollowUp, *, actor: Any, severity: str = "general", category: str = "other",
                lon: float | None = None, lat: float | None = None) -> Any:
    """Open a hazard in the hazards app (its own service, its own checks) for what the drill found; the
    follow-up keeps the link. Once: a follow-up with a hazard answers that hazard."""
    from yingji.hazards.models import HazardSource
    from yingji.hazards.services.hazards import report_hazard

    ensure(actor, "change", follow_up.drill)
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().select_related("drill__jurisdiction").get(pk=follow_up.pk)
        if locked.hazard_id is not None:
            return locked.hazard
        drill = locked.drill
        place = drill.jurisdiction
        hazard = report_hazard(
            actor=actor, source=HazardSource.STATION, title=locked.text[:200],
            lon=lon if lon is not None else place.centroid_lon, lat=lat if lat is not None else place.centroid_lat,
            jurisdiction=place, category=category, severity=severity, address=drill.place,
            description=_("Found in the drill “%(drill)s” of %(date)s.") % {"drill": drill.title,
                                                                            "date": drill.held_on.isoformat()},
            idempotency_key=f"drill-follow-up-{locked.pk}")
        locked.hazard = hazard
        locked.save(update_fields=["hazard", "updated_at"])
    return hazard


def create_rule(*, actor: Any, jurisdiction: Jurisdiction, applies_to: str, minimum_per_year: int,
                scope: str = "", key_field: str = "", note: str = "") -> DrillRule:
    """A required frequency filed at `jurisdiction` (the district's for every street, a community's own…)."""
    ensure_in(actor, "drills.add_drillrule", jurisdiction.path)
    errors: dict[str, list[str]] = {}
    if applies_to not in RuleTarget.values:
        errors["applies_to"] = [_("Choose every street, every community, or this jurisdiction only.")]
    elif applies_to == RuleTarget.STREET and jurisdiction.level not in (Level.CITY, Level.DISTRICT):
        errors["applies_to"] = [_("Rules for every street are filed by the district.")]
    elif applies_to == RuleTarget.COMMUNITY and jurisdiction.level not in (Level.CITY, Level.DISTRICT, Level.STREET):
        errors["applies_to"] = [_("Rules for every community are filed by the district or a street.")]
    if scope and scope not in DrillScope.values:
        errors["scope"] = [_("Choose comprehensive or special.")]
    if key_field and key_field not in KeyField.values:
        errors["key_field"] = [_("Unknown key field.")]
    if not isinstance(minimum_per_year, int) or not 1 <= minimum_per_year <= 365:
        errors["minimum_per_year"] = [_("Ask for 1 to 365 drills a year.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return DrillRule.objects.create(jurisdiction=jurisdiction, applies_to=applies_to, scope=scope,
                                            key_field=key_field, minimum_per_year=minimum_per_year,
                                            note=(note or "").strip()[:200])
    except IntegrityError as exc:
        raise ValidationError({"minimum_per_year": _("This rule exists already; change its minimum.")}) from exc


def change_rule(rule: DrillRule, *, actor: Any, minimum_per_year: int, note: str | None = None) -> DrillRule:
    ensure(actor, "change", rule)
    if not isinstance(minimum_per_year, int) or not 1 <= minimum_per_year <= 365:
        raise ValidationError({"minimum_per_year": _("Ask for 1 to 365 drills a year.")})
    rule.minimum_per_year = minimum_per_year
    if note is not None:
        rule.note = note.strip()[:200]
    rule.save()
    return rule


def delete_rule(rule: DrillRule, *, actor: Any) -> None:
    ensure(actor, "delete", rule)
    rule.delete()


def plans_for(actor: Any) -> Any:
    """The plans a drill may exercise: those the actor sees."""
    return Plan.objects.visible_to(actor).select_related("jurisdiction").order_by("jurisdiction__path", "title")
