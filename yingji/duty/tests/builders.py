"""Builders of the duty tests: local times, staff, shifts and patterns over the cast (core/testing.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from yingji.accounts.roles import Role
from yingji.core.testing import Cast, make_user
from yingji.duty import times
from yingji.duty.models import RosterPattern, Shift, ShiftKind, ShiftMember
from yingji.duty.services import rosters

DAY_NIGHT = [{"label": "白班", "start": "08:00", "end": "20:00"}, {"label": "夜班", "start": "20:00", "end": "08:00"}]


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime.datetime:
    """An instant given in Beijing time."""
    return times.at_local(datetime.date(year, month, day), datetime.time(hour, minute, second))


def staff_of_a(cast: Cast, n: int = 3) -> list[Any]:
    """n more community staff of community A (who may stand its duty)."""
    return [make_user(f"a_staff_{i}", Role.COMMUNITY_STAFF, cast.community_a, display_name=f"A值班员{i}",
                      phone=f"1390000000{i}") for i in range(1, n + 1)]


def make_shift(jurisdiction: Any, starts_at: datetime.datetime, ends_at: datetime.datetime, leader: Any,
               members: Iterable[Any] = (), *, kind: str = ShiftKind.REGULAR, label: str = "白班") -> Shift:
    """A shift written straight to the table: past shifts too (the service plans only duty to come)."""
    shift = Shift.objects.create(jurisdiction=jurisdiction, starts_at=starts_at, ends_at=ends_at, leader=leader,
                                 kind=kind, label=label)
    ShiftMember.objects.bulk_create([ShiftMember(shift=shift, user=m) for m in members])
    return shift


def day_night_pattern(cast: Cast, crews: list[tuple[Any, list[Any]]], *, jurisdiction: Any = None,
                      holiday_slots: list[dict[str, str]] | None = None,
                      holiday_crews: list[tuple[Any, list[Any]]] | None = None) -> RosterPattern:
    def rows(pairs: list[tuple[Any, list[Any]]]) -> list[dict[str, Any]]:
        return [{"leader": leader.pk, "members": [m.pk for m in members]} for leader, members in pairs]

    return rosters.save_pattern(actor=cast.commander, jurisdiction=jurisdiction or cast.community_a,
                                name="两班倒", slots=DAY_NIGHT, crews=rows(crews),
                                holiday_slots=holiday_slots or [], holiday_crews=rows(holiday_crews or []))
