"""Who a warning goes to: the people of its target groups in the jurisdictions its areas reach.

- grid workers: accounts with the grid-worker role on a reached grid or community;
- station teams / all response teams: the members of the teams of the reached
  jurisdictions (their account when they have one, else their phone);
- community and street staff: accounts with those roles on a reached jurisdiction;
- key groups: the contacts of the contact lists chosen (schools, building managers, the
  elderly living alone's relatives…), imported from Excel in messaging;

Each person is counted once (a grid worker who is also in a station team gets
one copy; a phone number without an account once), with the jurisdiction they belong to, so that the progress page
can count by street and community. `preview` tells the composer who will
receive the warning through which channel, with counts, before release.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from yingji.accounts.models import Membership
from yingji.accounts.roles import Role
from yingji.jurisdictions.models import Jurisdiction
from yingji.messaging.models import Contact, PushSubscription
from yingji.resources.models import Member, TeamKind
from yingji.warnings.models import TargetGroup

CONTACT_GROUP = "contact_list"

GROUP_ROLES = {TargetGroup.GRID_WORKERS: (Role.GRID_WORKER,),
               TargetGroup.COMMUNITY_STAFF: (Role.COMMUNITY_STAFF, Role.STREET_OFFICER)}
PERSON_CHANNELS = ("in_app", "push", "sms", "email")


@dataclass(frozen=True)
class Person:
    """One recipient: an account, or a team member or contact without one (then phone or email)."""

    group: str
    jurisdiction_id: int | None
    name: str
    user_id: int | None = None
    member_id: int | None = None
    contact_id: int | None = None
    phone: str = ""
    email: str = ""

    @property
    def key(self) -> str:
        """How messaging's deliveries name this person: the account, else the contact, else the phone
        (progress.py joins on it; keep the two in step)."""
        if self.user_id is not None:
            return f"u:{self.user_id}"
        if self.contact_id is not None:
            return f"c:{self.contact_id}"
        if self.phone:
            return f"a:{self.phone}"
        return f"m:{self.member_id}"


def _name(display: str, first: str, last: str, username: str) -> str:
    return display or f"{first} {last}".strip() or username


def people(groups: Iterable[str], reached: list[Jurisdiction], contact_lists: Iterable[int] = ()) -> list[Person]:
    """Everyone the warning goes to, each once, in the order of the groups chosen, then the key groups."""
    reached_ids = [j.pk for j in reached]
    found: dict[str, Person] = {}
    phones: set[str] = set()

    def add(person: Person) -> None:
        phone = person.phone.strip()
        # Messaging sends one SMS per number: someone without an account whose number another
        # recipient already has would get no copy of their own.
        if person.user_id is None and phone and phone in phones:
            return
        if person.key not in found:
            found[person.key] = person
            if phone:
                phones.add(phone)

    groups = list(dict.fromkeys(groups))
    for group in groups:
        if group in GROUP_ROLES:
            rows = (Membership.objects.filter(jurisdiction_id__in=reached_ids, role__in=GROUP_ROLES[group],
                                              user__is_active=True)
                    .order_by("jurisdiction__path", "user_id")
                    .values_list("user_id", "jurisdiction_id", "user__display_name", "user__first_name",
                                 "user__last_name", "user__username", "user__phone", "user__email"))
            for user_id, jid, display, first, last, username, phone, email in rows:
                add(Person(group, jid, _name(display, first, last, username), user_id=user_id,
                           phone=(phone or "").strip(),
                           email=email or ""))
        elif group in (TargetGroup.STATION_TEAMS, TargetGroup.ALL_TEAMS):
            members = Member.objects.filter(team__jurisdiction_id__in=reached_ids, on_duty=True)
            if group == TargetGroup.STATION_TEAMS:
                members = members.filter(team__kind=TeamKind.STATION_TEAM)
            rows = (members.order_by("team__jurisdiction__path", "team_id", "pk")
                    .values_list("pk", "team__jurisdiction_id", "name", "phone", "user_id", "user__email",
                                 "user__is_active"))
            for member_id, jid, name, phone, user_id, email, active in rows:
                if user_id is not None and not active:
                    user_id = None
                add(Person(group, jid, name, user_id=user_id, member_id=member_id, phone=(phone or "").strip(),
                           email=email or ""))
    lists = list(dict.fromkeys(contact_lists))
    if lists:
        rows = (Contact.objects.filter(contact_list_id__in=lists).order_by("contact_list_id", "pk")
                .values_list("pk", "contact_list__jurisdiction_id", "name", "phone", "email"))
        for contact_id, jid, name, phone, email in rows:
            add(Person(CONTACT_GROUP, jid, name, contact_id=contact_id, phone=(phone or "").strip(),
                       email=email or ""))
    return list(found.values())


def reachable(person: Person, channel: str, pushable: set[int]) -> bool:
    """Whether a person can be reached on a channel (an account for in-app, a subscribed phone for
    push, a number for SMS, an address for email)."""
    if channel == "in_app":
        return person.user_id is not None
    if channel == "push":
        return person.user_id is not None and person.user_id in pushable
    if channel == "sms":
        return bool(person.phone)
    if channel == "email":
        return bool(person.email)
    return False


@dataclass
class Preview:
    """Counts before release: people per group, and per channel how many it reaches."""

    people: int
    by_group: dict[str, int]
    by_channel: dict[str, int]
    unreachable: int
    sample: list[Person]
    robots: int = 0
    pushable: set[int] | None = None


def preview(persons: list[Person], channels: Iterable[str], sample: int = 50, robots: int = 0) -> Preview:
    channels = [c for c in channels if c in PERSON_CHANNELS]
    # Who has a phone that agreed to notifications (messaging's subscriptions); only asked when push is chosen.
    pushable: set[int] = set()
    if "push" in channels:
        users = [p.user_id for p in persons if p.user_id is not None]
        for start in range(0, len(users), 5000):
            pushable.update(PushSubscription.objects.filter(user_id__in=users[start:start + 5000])
                            .values_list("user_id", flat=True))
    by_channel = {c: sum(1 for p in persons if reachable(p, c, pushable)) for c in channels}
    unreachable = sum(1 for p in persons if not any(reachable(p, c, pushable) for c in channels))
    return Preview(people=len(persons), by_group=dict(Counter(p.group for p in persons)), by_channel=by_channel,
                   unreachable=unreachable, sample=persons[:sample], robots=robots, pushable=pushable)
