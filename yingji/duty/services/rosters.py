"""Rosters: patterns, a month generated from a pattern, shifts edited by form or by drag, extra shifts.

Who may stand duty in a jurisdiction: anyone assigned to it, to a jurisdiction above it (a
district leader leading a street's typhoon duty) or below it. Regular shifts of one jurisdiction
never overlap; holiday and reinforced shifts are extra ones beside them. A shift that has ended
is a record: its times and people no longer change.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.accounts.models import Membership, User
from yingji.accounts.roles import Role, role_allows
from yingji.audit.models import Action
from yingji.audit.signals import change_record, record_created_in_bulk
from yingji.core.scope import ensure, ensure_in
from yingji.core.services import refuse_unknown_fields
from yingji.duty import times
from yingji.duty.models import EXTRA_KINDS, Holiday, RosterPattern, Shift, ShiftKind, ShiftMember
from yingji.duty.services import now as duty_now
from yingji.jurisdictions.models import Jurisdiction, Level

MAX_SHIFT = datetime.timedelta(hours=48)
MAX_EXTRA_DAYS = 62
# Command centres that keep duty: a grid has no duty room of its own.
DUTY_LEVELS = (Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY)


# ---------------------------------------------------------------- people
def duty_roles() -> list[str]:
    """The roles that keep the duty log, hence may stand duty (district, street and community staff)."""
    return [role for role in Role.values if role_allows(role, "duty.add_logentry")]


def eligible_staff(jurisdiction: Jurisdiction) -> QuerySet[User]:
    """Users who may stand duty in `jurisdiction`: assigned to it, above it or below it in a role that
    keeps the duty log."""
    above = [f"/{'/'.join(jurisdiction.ancestor_codes[:n])}/" for n in range(1, len(jurisdiction.ancestor_codes))]
    assigned = Membership.objects.filter(Q(jurisdiction__path__startswith=jurisdiction.path)
                                         | Q(jurisdiction__path__in=above), role__in=duty_roles())
    return User.objects.filter(is_active=True, pk__in=assigned.values("user_id")).order_by("display_name", "username")


def person_label(user: Any) -> str:
    """How a person is written in rosters and Excel: "张三（zhangsan）" — readable and unambiguous."""
    name = user.display_name or user.username
    return name if name == user.username else f"{name}（{user.username}）"


def find_person(text: str, staff: Iterable[User]) -> User:
    """The person a cell or a line names: "张三（zhangsan）", the user name, or a display name that only
    one of `staff` bears. ValueError with the reason otherwise."""
    wanted = text.strip()
    for opening, closing in (("（", "）"), ("(", ")")):
        if wanted.endswith(closing) and opening in wanted:
            wanted = wanted[wanted.rindex(opening) + 1:-1].strip()
            break
    people = list(staff)
    by_username = [u for u in people if u.username == wanted]
    if by_username:
        return by_username[0]
    by_name = [u for u in people if (u.display_name or "") == wanted]
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        raise ValueError(_("Several people are called “%(name)s”: write the user name in brackets.") % {"name": wanted})
    raise ValueError(_("“%(name)s” may not stand duty here (not assigned to this jurisdiction, above or below it).")
                     % {"name": text.strip()})


# ---------------------------------------------------------------- patterns
@dataclass(frozen=True)
class Slot:
    label: str
    start: datetime.time
    end: datetime.time

    def on(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        return times.span(day, self.start, self.end)

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M")}


def _slots(raw: Sequence[Any], field: str) -> list[Slot]:
    slots: list[Slot] = []
    for index, item in enumerate(raw, start=1):
        try:
            label = str(item["label"]).strip()
            start, end = times.parse_clock(str(item["start"])), times.parse_clock(str(item["end"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError({field: _("Shift %(n)s: give a name, a start and an end as HH:MM.") % {"n": index}}) \
                from exc
        if not label or len(label) > 40:
            raise ValidationError({field: _("Shift %(n)s: the name needs 1 to 40 characters.") % {"n": index}})
        slots.append(Slot(label, start, end))
    # Two days of the pattern must not overlap: a night shift ending at 08:00 and a day shift from 08:00 fit.
    day = datetime.date(2001, 1, 1)
    spans = sorted(s.on(day + datetime.timedelta(days=d)) for s in slots for d in (0, 1))
    for (_a, end), (start, _b) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise ValidationError({field: _("The shifts of a day overlap.")})
    return slots


def pattern_slots(pattern: RosterPattern, holiday: bool = False) -> list[Slot]:
    return _slots(pattern.holiday_slots if holiday else pattern.slots, "slots")


def _crews(raw: Sequence[Any], field: str, staff_ids: set[int]) -> list[dict[str, Any]]:
    crews: list[dict[str, Any]] = []
    for index, item in enumerate(raw, start=1):
        try:
            leader = int(item["leader"])
            members = [int(m) for m in item.get("members", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError({field: _("Crew %(n)s: give a leader and members.") % {"n": index}}) from exc
        if leader not in staff_ids or any(m not in staff_ids for m in members):
            raise ValidationError({field: _("Crew %(n)s: someone may not stand duty in this jurisdiction.")
                                   % {"n": index}})
        crews.append({"leader": leader, "members": [m for m in dict.fromkeys(members) if m != leader]})
    return crews


@transaction.atomic
def save_pattern(*, actor: Any, jurisdiction: Jurisdiction, name: str, slots: Sequence[Any],
                 crews: Sequence[Any], holiday_slots: Sequence[Any] = (), holiday_crews: Sequence[Any] = (),
                 pattern: RosterPattern | None = None) -> RosterPattern:
    """Create or change a jurisdiction's roster pattern."""
    if pattern is not None:
        ensure(actor, "change", pattern)
        jurisdiction = pattern.jurisdiction
    else:
        ensure_in(actor, "duty.add_rosterpattern", jurisdiction.path)
    if jurisdiction.level not in DUTY_LEVELS:
        raise ValidationError({"jurisdiction": _("A grid keeps no duty of its own.")})
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError({"name": _("The name needs 1 to 60 characters.")})
    if RosterPattern.objects.filter(jurisdiction=jurisdiction, name=name).exclude(
            pk=getattr(pattern, "pk", None)).exists():
        raise ValidationError({"name": _("This jurisdiction already has a pattern of that name.")})
    parsed = _slots(slots, "slots")
    if not parsed:
        raise ValidationError({"slots": _("Give at least one shift.")})
    staff_ids = set(eligible_staff(jurisdiction).values_list("pk", flat=True))
    crew_rows = _crews(crews, "crews", staff_ids)
    if not crew_rows:
        raise ValidationError({"crews": _("Give at least one crew.")})
    holiday_parsed = _slots(holiday_slots, "holiday_slots")
    holiday_rows = _crews(holiday_crews, "holiday_crews", staff_ids)
    if holiday_parsed and not holiday_rows:
        raise ValidationError({"holiday_crews": _("Holiday shifts need at least one crew.")})
    pattern = pattern or RosterPattern(jurisdiction=jurisdiction)
    pattern.name = name
    pattern.slots = [s.as_dict() for s in parsed]
    pattern.crews = crew_rows
    pattern.holiday_slots = [s.as_dict() for s in holiday_parsed]
    pattern.holiday_crews = holiday_rows
    pattern.save()
    return pattern


def holidays_for(jurisdiction: Jurisdiction, first: datetime.date, last: datetime.date) -> dict[datetime.date, str]:
    """Public holidays declared for the jurisdiction or one above it, between two days."""
    above = [f"/{'/'.join(jurisdiction.ancestor_codes[:n])}/" for n in range(1, len(jurisdiction.ancestor_codes) + 1)]
    rows = Holiday.objects.filter(jurisdiction__path__in=above, day__range=(first, last)).values_list("day", "name")
    return dict(rows)


@dataclass
class Generated:
    created: list[Shift]
    replaced: int
    kept: int


def _crew_for(crews: list[dict[str, Any]], turn: int, slot_index: int, n_slots: int) -> dict[str, Any]:
    # Turns count from the day's ordinal, so that next month goes on where this month stopped.
    return crews[(turn * n_slots + slot_index) % len(crews)]


@transaction.atomic
def generate_month(pattern: RosterPattern, year: int, month: int, *, actor: Any, replace: bool = False,
                   now: datetime.datetime | None = None) -> Generated:
    """A month of shifts from a pattern: its shifts every day, the crews in turn, and the holiday shifts on
    the public holidays. A month that already has regular shifts is refused unless `replace`: then the
    shifts that have not started (and hold no log) are replaced and the others kept."""
    ensure(actor, "view", pattern)
    jurisdiction = pattern.jurisdiction
    ensure_in(actor, "duty.add_shift", jurisdiction.path)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationError({"month": _("Give a month as YYYY-MM.")})
    now = now or timezone.now()
    days = times.month_days(year, month)
    month_start, _end = times.day_bounds(days[0])
    _start, month_end = times.day_bounds(days[-1])
    existing = Shift.objects.filter(jurisdiction=jurisdiction, kind__in=[ShiftKind.REGULAR, ShiftKind.HOLIDAY],
                                    starts_at__gte=month_start, starts_at__lt=month_end)
    replaced = 0
    if existing.exists():
        if not replace:
            raise ValidationError({"month": _("%(month)s already has shifts; choose to replace those that have not "
                                              "started.") % {"month": f"{year}-{month:02d}"}})
        replaceable = existing.filter(starts_at__gt=now, taken_over_at__isnull=True, log_entries__isnull=True)
        ids = list(replaceable.values_list("pk", flat=True))
        for shift in Shift.objects.filter(pk__in=ids):
            shift.delete()  # one by one: each deletion is in the audit log
        replaced = len(ids)
    kept = list(existing.values_list("starts_at", "ends_at", "kind"))
    staff = {u.pk: u for u in eligible_staff(jurisdiction)}
    planned: list[tuple[Shift, list[int]]] = []

    def plan(slots: list[Slot], crews: list[dict[str, Any]], day: datetime.date, kind: str, note: str,
             turn: int) -> None:
        for index, slot in enumerate(slots):
            starts_at, ends_at = slot.on(day)
            if any(s < ends_at and starts_at < e and k == kind for s, e, k in kept):
                continue  # a shift already there (started, or holding log) stays as it is
            crew = _crew_for(crews, turn, index, len(slots))
            if crew["leader"] not in staff or any(m not in staff for m in crew["members"]):
                raise ValidationError({"crews": _("Someone in the pattern's crews may no longer stand duty here; "
                                                  "edit the pattern.")})
            planned.append((Shift(jurisdiction=jurisdiction, kind=kind, label=slot.label, starts_at=starts_at,
                                  ends_at=ends_at, leader_id=crew["leader"], pattern=pattern, note=note),
                            crew["members"]))

    slots = pattern_slots(pattern)
    for day in days:
        plan(slots, pattern.crews, day, ShiftKind.REGULAR, "", day.toordinal())
    holiday_slots = pattern_slots(pattern, holiday=True)
    if holiday_slots and pattern.holiday_crews:
        for number, (day, name) in enumerate(sorted(holidays_for(jurisdiction, days[0], days[-1]).items())):
            plan(holiday_slots, pattern.holiday_crews, day, ShiftKind.HOLIDAY, name, day.toordinal() + number)
    shifts = [s for s, _m in planned]
    Shift.objects.bulk_create(shifts, batch_size=500)
    ShiftMember.objects.bulk_create([ShiftMember(shift=s, user_id=m) for s, members in planned for m in members],
                                    batch_size=1000)
    record_created_in_bulk(shifts)
    duty_now.roster_changed()
    return Generated(created=shifts, replaced=replaced, kept=len(kept))


# ---------------------------------------------------------------- one shift
SHIFT_FIELDS = ("label", "kind", "starts_at", "ends_at", "leader", "members", "note")


def _check_shift(shift: Shift, member_ids: list[int]) -> None:
    errors: dict[str, str] = {}
    if shift.jurisdiction.level not in DUTY_LEVELS:
        errors["jurisdiction"] = _("A grid keeps no duty of its own.")
    if not shift.label.strip() or len(shift.label) > 40:
        errors["label"] = _("The name needs 1 to 40 characters.")
    if shift.kind not in ShiftKind.values:
        errors["kind"] = _("Unknown kind of shift.")
    if shift.starts_at is None or shift.ends_at is None:
        errors["starts_at"] = _("Give the start and the end.")
    elif shift.ends_at <= shift.starts_at:
        errors["ends_at"] = _("The shift must end after it starts.")
    elif shift.ends_at - shift.starts_at > MAX_SHIFT:
        errors["ends_at"] = _("A shift lasts at most 48 hours.")
    if len(shift.note) > 200:
        errors["note"] = _("At most %(n)s characters.") % {"n": 200}
    staff = set(eligible_staff(shift.jurisdiction).values_list("pk", flat=True))
    if shift.leader_id is None:
        errors["leader"] = _("Every shift has a leader.")
    elif shift.leader_id not in staff:
        errors["leader"] = _("This person may not stand duty in this jurisdiction.")
    if any(m not in staff for m in member_ids):
        errors["members"] = _("Someone may not stand duty in this jurisdiction.")
    if errors:
        raise ValidationError(errors)
    if shift.kind == ShiftKind.REGULAR:
        clash = Shift.objects.filter(jurisdiction=shift.jurisdiction, kind=ShiftKind.REGULAR,
                                     starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at
                                     ).exclude(pk=shift.pk).first()
        if clash is not None:
            raise ValidationError({"starts_at": _("It overlaps the regular shift “%(shift)s”; regular shifts take "
                                                  "turns. Make it a holiday or reinforced shift to add duty.")
                                   % {"shift": _shift_text(clash)}})


def _shift_text(shift: Shift) -> str:
    start = timezone.localtime(shift.starts_at, times.zone())
    return f"{shift.label} {start:%Y-%m-%d %H:%M}"


def _member_ids(members: Iterable[Any]) -> list[int]:
    return list(dict.fromkeys(int(getattr(m, "pk", m)) for m in members))


def _names(ids: Iterable[int]) -> list[str]:
    people = {u.pk: person_label(u) for u in User.objects.filter(pk__in=list(ids))}
    return sorted(people.values())


def _set_members(shift: Shift, member_ids: list[int]) -> None:
    """Replace the members and log the change on the shift's history (the through rows are no ledger)."""
    old = set(shift.staff.values_list("user_id", flat=True))
    new = set(member_ids) - {shift.leader_id}
    if old == new:
        return
    shift.staff.filter(user_id__in=old - new).delete()
    ShiftMember.objects.bulk_create([ShiftMember(shift=shift, user_id=m) for m in new - old])
    change_record(shift, Action.UPDATE, {"members": [_names(old), _names(new)]}).save()


@transaction.atomic
def create_shift(*, actor: Any, jurisdiction: Jurisdiction, label: str, starts_at: datetime.datetime,
                 ends_at: datetime.datetime, leader: Any, members: Iterable[Any] = (), kind: str = ShiftKind.REGULAR,
                 note: str = "", now: datetime.datetime | None = None) -> Shift:
    ensure_in(actor, "duty.add_shift", jurisdiction.path)
    now = now or timezone.now()
    shift = Shift(jurisdiction=jurisdiction, label=(label or "").strip(), kind=kind, starts_at=starts_at,
                  ends_at=ends_at, leader_id=getattr(leader, "pk", leader), note=(note or "").strip())
    if ends_at is not None and ends_at <= now:
        raise ValidationError({"ends_at": _("This time has passed: a roster plans duty to come.")})
    member_ids = _member_ids(members)
    _check_shift(shift, member_ids)
    shift.save()
    ShiftMember.objects.bulk_create([ShiftMember(shift=shift, user_id=m) for m in member_ids if m != shift.leader_id])
    duty_now.roster_changed()
    return shift


@transaction.atomic
def update_shift(shift: Shift, *, actor: Any, now: datetime.datetime | None = None, **fields: Any) -> Shift:
    """Change a shift's times, kind, people or note; a shift that has ended keeps its record."""
    ensure(actor, "change", shift)
    refuse_unknown_fields(fields, SHIFT_FIELDS)
    now = now or timezone.now()
    shift = Shift.objects.select_for_update().select_related("jurisdiction").get(pk=shift.pk)
    if shift.ends_at <= now and set(fields) - {"note"}:
        raise ValidationError({"starts_at": _("This shift has ended: its times and people are a record now.")})
    if shift.starts_at <= now and ({"starts_at", "kind"} & set(fields)) and (
            fields.get("starts_at", shift.starts_at) != shift.starts_at or fields.get("kind", shift.kind) != shift.kind):
        raise ValidationError({"starts_at": _("This shift has started: only its end, people and note may change.")})
    member_ids = _member_ids(fields.pop("members")) if "members" in fields else \
        list(shift.staff.values_list("user_id", flat=True))
    if "leader" in fields:
        shift.leader_id = getattr(fields.pop("leader"), "pk", None)
    for name, value in fields.items():
        setattr(shift, name, value.strip() if isinstance(value, str) else value)
    _check_shift(shift, member_ids)
    shift.save()
    _set_members(shift, member_ids)
    duty_now.roster_changed()
    return shift


@transaction.atomic
def delete_shift(shift: Shift, *, actor: Any, now: datetime.datetime | None = None) -> None:
    ensure(actor, "delete", shift)
    now = now or timezone.now()
    if shift.starts_at <= now or shift.taken_over_at is not None or shift.log_entries.exists():
        raise ValidationError({"starts_at": _("A shift that has started is a record and cannot be deleted.")})
    shift.delete()
    duty_now.roster_changed()


@transaction.atomic
def move_person(*, actor: Any, user: User, source: Shift | None, target: Shift, as_leader: bool = False,
                now: datetime.datetime | None = None) -> Shift:
    """What a drag on the roster does: a person dropped on a shift joins it (as its leader when dropped on
    the leader's place; the former leader then stays as a member); dragged from another shift, they leave it."""
    now = now or timezone.now()
    if source is not None and source.pk != target.pk:
        ensure(actor, "change", source)
        if source.leader_id == user.pk:
            raise ValidationError({"leader": _("A shift cannot lose its leader: drop another person on the leader "
                                               "first.")})
        update_shift(source, actor=actor, now=now,
                     members=[m for m in source.staff.values_list("user_id", flat=True) if m != user.pk])
    members = list(target.staff.values_list("user_id", flat=True))
    if as_leader:
        if target.leader_id == user.pk:
            return target
        return update_shift(target, actor=actor, now=now, leader=user,
                            members=[m for m in [*members, target.leader_id] if m != user.pk])
    if user.pk == target.leader_id or user.pk in members:
        return target
    return update_shift(target, actor=actor, now=now, members=[*members, user.pk])


@transaction.atomic
def add_extra_shifts(*, actor: Any, jurisdiction: Jurisdiction, kind: str, first_day: datetime.date,
                     last_day: datetime.date, start: datetime.time, end: datetime.time, label: str, leader: Any,
                     members: Iterable[Any] = (), note: str = "",
                     now: datetime.datetime | None = None) -> list[Shift]:
    """Holiday or reinforced duty (台风季加强值守) from `start` to `end` on each day from first to last."""
    if kind not in EXTRA_KINDS:
        raise ValidationError({"kind": _("Extra shifts are holiday or reinforced duty.")})
    if last_day < first_day:
        raise ValidationError({"last_day": _("The last day comes before the first.")})
    if (last_day - first_day).days >= MAX_EXTRA_DAYS:
        raise ValidationError({"last_day": _("At most %(n)s days at once.") % {"n": MAX_EXTRA_DAYS}})
    member_list = list(members)
    shifts = []
    day = first_day
    while day <= last_day:
        starts_at, ends_at = times.span(day, start, end)
        shifts.append(create_shift(actor=actor, jurisdiction=jurisdiction, label=label, starts_at=starts_at,
                                   ends_at=ends_at, leader=leader, members=member_list, kind=kind, note=note,
                                   now=now))
        day += datetime.timedelta(days=1)
    return shifts


# ---------------------------------------------------------------- holidays
@transaction.atomic
def save_holiday(*, actor: Any, jurisdiction: Jurisdiction, day: datetime.date, name: str) -> Holiday:
    """Declare a public holiday for a district or city (re-declaring a day renames it)."""
    ensure_in(actor, "duty.add_holiday", jurisdiction.path)
    if jurisdiction.level not in (Level.CITY, Level.DISTRICT):
        raise ValidationError({"jurisdiction": _("Holidays are declared for a city or a district.")})
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise ValidationError({"name": _("The name needs 1 to 40 characters.")})
    holiday = Holiday.objects.filter(jurisdiction=jurisdiction, day=day).first() or \
        Holiday(jurisdiction=jurisdiction, day=day)
    if holiday.name != name:
        holiday.name = name
        holiday.save()
    return holiday
