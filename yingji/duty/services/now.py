"""Who is on duty now: the answer the header (every page), the incident page, the street and
community pages, the API and incident intake ask for.

Asking costs two small queries — the shifts covering an instant in some jurisdictions (the index
on jurisdiction and start, bounded below by the longest shift) and their members — and the answer
is then cached per jurisdiction until the next change of shift, at most a minute. Every roster
write bumps a generation number after its commit, which voids every cached answer at once.

Phone numbers are kept here as they are: whoever shows them passes them through
core.masking.phone_for for the viewer.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from yingji.duty.models import Shift, ShiftKind, ShiftMember
from yingji.jurisdictions.models import Jurisdiction, Level

GENERATION_KEY = "duty:generation"
CACHE_SECONDS = 60
TREE_SECONDS = 600
LONGEST_SHIFT = datetime.timedelta(hours=48)  # rosters.MAX_SHIFT: bounds the index scan
POST_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    phone: str


@dataclass(frozen=True)
class DutyShift:
    """A shift under way, as the pages show it."""

    id: int
    jurisdiction_id: int
    label: str
    kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    leader: Person
    members: tuple[Person, ...]
    taken_over: bool

    @property
    def people(self) -> tuple[Person, ...]:
        return (self.leader, *self.members)

    @property
    def is_extra(self) -> bool:
        return self.kind != ShiftKind.REGULAR


@dataclass(frozen=True)
class Post:
    """A command centre (a district, street or community) and its shifts under way."""

    jurisdiction_id: int
    code: str
    name: str
    level: str
    path: str
    shifts: tuple[DutyShift, ...]

    @property
    def leader(self) -> Person | None:
        """The person to call first: the leader of the regular shift, else of an extra one."""
        return self.shifts[0].leader if self.shifts else None


def _name(display_name: str, username: str) -> str:
    return display_name or username


def shifts_at(jurisdiction_ids: Iterable[int], at: datetime.datetime) -> tuple[dict[int, list[DutyShift]],
                                                                             datetime.datetime | None]:
    """The shifts under way at `at` per jurisdiction (regular first), and when that answer next changes
    (the earliest end of those shifts or start of another; None when nothing is planned)."""
    ids = list(jurisdiction_ids)
    rows = list(Shift.objects.filter(jurisdiction_id__in=ids, starts_at__lte=at, starts_at__gt=at - LONGEST_SHIFT,
                                     ends_at__gt=at).order_by()
                .values_list("pk", "jurisdiction_id", "label", "kind", "starts_at", "ends_at", "taken_over_at",
                             "leader_id", "leader__display_name", "leader__username", "leader__phone"))
    members: dict[int, list[Person]] = {}
    if rows:
        for shift_id, user_id, display_name, username, phone in (
                ShiftMember.objects.filter(shift_id__in=[r[0] for r in rows]).order_by("user__display_name", "user_id")
                .values_list("shift_id", "user_id", "user__display_name", "user__username", "user__phone")):
            members.setdefault(shift_id, []).append(Person(user_id, _name(display_name, username), phone))
    found: dict[int, list[DutyShift]] = {}
    for pk, jid, label, kind, starts_at, ends_at, taken_over_at, leader_id, display_name, username, phone in rows:
        found.setdefault(jid, []).append(DutyShift(
            id=pk, jurisdiction_id=jid, label=label, kind=kind, starts_at=starts_at, ends_at=ends_at,
            leader=Person(leader_id, _name(display_name, username), phone), members=tuple(members.get(pk, ())),
            taken_over=taken_over_at is not None))
    for shifts in found.values():
        shifts.sort(key=lambda s: (s.kind != ShiftKind.REGULAR, s.starts_at, s.id))
    next_start = Shift.objects.filter(jurisdiction_id__in=ids, starts_at__gt=at).aggregate(m=Min("starts_at"))["m"]
    changes = [s.ends_at for shifts in found.values() for s in shifts]
    if next_start is not None:
        changes.append(next_start)
    return found, min(changes, default=None)


def roster_changed() -> None:
    """Void every cached answer once the current transaction commits (called by every roster write)."""
    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not set yet (or evicted)
            cache.set(GENERATION_KEY, int(time.time() * 1000), None)
    transaction.on_commit(bump)


def _ancestor_rows(path: str) -> list[tuple[int, str, str, str, str]]:
    """(id, code, name, level, path) of the command centres on a path, nearest first. The tree changes
    rarely: kept ten minutes (a renamed street shows its new name within that time)."""
    key = f"duty:tree:{path}"
    rows = cache.get(key)
    if rows is None:
        codes = [c for c in path.strip("/").split("/") if c]
        rows = sorted(Jurisdiction.objects.filter(code__in=codes, level__in=POST_LEVELS)
                      .values_list("pk", "code", "name", "level", "path"), key=lambda r: -len(r[4]))
        cache.set(key, rows, TREE_SECONDS)
    return rows


def posts_for_path(path: str, at: datetime.datetime | None = None) -> list[Post]:
    """The community, street and district above (and at) `path`, nearest first, each with its shifts under
    way. Without `at` the answer is for now and comes from the cache when it can."""
    if at is not None:
        return _posts(path, at)[0]
    key = f"duty:posts:{path}"
    now = timezone.now()
    cached = cache.get_many([GENERATION_KEY, key])
    entry = cached.get(key)
    if entry is not None and entry[0] == cached.get(GENERATION_KEY) and entry[1] > now:
        return entry[2]
    posts, valid_until = _posts(path, now)
    limit = now + datetime.timedelta(seconds=CACHE_SECONDS)
    valid_until = min(valid_until, limit) if valid_until is not None else limit
    cache.set(key, (cached.get(GENERATION_KEY), valid_until, posts), CACHE_SECONDS)
    return posts


def _posts(path: str, at: datetime.datetime) -> tuple[list[Post], datetime.datetime | None]:
    rows = _ancestor_rows(path)
    found, valid_until = shifts_at([r[0] for r in rows], at)
    posts = [Post(jid, code, name, level, jpath, tuple(found.get(jid, ()))) for jid, code, name, level, jpath in rows]
    return posts, valid_until


def on_duty(jurisdiction: Jurisdiction, at: datetime.datetime | None = None) -> Post:
    """The shifts under way in one jurisdiction (cached for now)."""
    posts = posts_for_path(jurisdiction.path, at)
    for post in posts:
        if post.jurisdiction_id == jurisdiction.pk:
            return post
    return Post(jurisdiction.pk, jurisdiction.code, jurisdiction.name, jurisdiction.level, jurisdiction.path, ())


def nearest_on_duty(path: str, at: datetime.datetime | None = None) -> Post | None:
    """The nearest command centre at or above `path` with someone on duty (a grid's community, say)."""
    return next((p for p in posts_for_path(path, at) if p.shifts), None)


def on_duty_at_level(path: str, level: str, at: datetime.datetime | None = None) -> Post | None:
    """The post of the given level above `path` (the street of an incident in a grid)."""
    return next((p for p in posts_for_path(path, at) if p.level == level), None)
