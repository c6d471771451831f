"""How far a released warning got, person by person, counted by street and community.

A person's copies are messaging's Delivery rows of the warning's messages (the
release and any reminders), one per channel; a person counts as sent,
delivered or read when any of their copies is, acknowledged when their
`WarningRecipient` says so (messaging's signal). One query joins the
recipients to their deliveries grouped per person — the deliveries name a
person the way `WarningRecipient.key` does: the account, else the contact,
else the address (accounts joined on their id) — and counts per street and community, whatever the number
of people (10,000 in bench/warnings.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count

from yingji.jurisdictions.models import Jurisdiction
from yingji.messaging.models import Delivery
from yingji.warnings import release
from yingji.warnings.models import EarlyWarning, WarningRecipient

FIGURES = ("people", "can_ack", "sent", "delivered", "read", "acknowledged", "undelivered")

_FLAGS = """MAX(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent,
           MAX(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered,
           MAX(CASE WHEN read_at IS NOT NULL THEN 1 ELSE 0 END) AS rd,
           MAX(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead"""
# People with an account are joined on the integer user id (hash-grouped, no text sort of 20,000
# keys); the few without one on the contact or the address, as their deliveries name them.
_SQL = """
SELECT r.street_id, r.community_id, COUNT(*),
       SUM(CASE WHEN r.user_id IS NOT NULL THEN 1 ELSE 0 END),
       SUM(COALESCE(du.sent, dx.sent, 0)), SUM(COALESCE(du.delivered, dx.delivered, 0)),
       SUM(COALESCE(du.rd, dx.rd, 0)),
       SUM(CASE WHEN r.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN COALESCE(du.dead, dx.dead, 0) = 1 AND COALESCE(du.sent, dx.sent, 0) = 0 THEN 1 ELSE 0 END)
FROM {recipients} r
LEFT JOIN (
    SELECT user_id, {flags}
    FROM {deliveries}
    WHERE message_id IN ({messages}) AND user_id IS NOT NULL
    GROUP BY user_id
) du ON du.user_id = r.user_id
LEFT JOIN (
    SELECT CASE WHEN contact_id IS NOT NULL THEN 'c:' || contact_id ELSE 'a:' || address END AS k, {flags}
    FROM {deliveries}
    WHERE message_id IN ({messages}) AND user_id IS NULL AND channel <> 'robot'
    GROUP BY 1
) dx ON r.user_id IS NULL AND dx.k = r.{key}
WHERE r.warning_id = %s
GROUP BY r.street_id, r.community_id
"""


@dataclass
class Counts:
    """The figures of one community, one street or the whole warning."""

    name: str = ""
    jurisdiction_id: int | None = None
    people: int = 0
    can_ack: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    acknowledged: int = 0
    undelivered: int = 0
    communities: list[Counts] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "jurisdiction": self.jurisdiction_id,
                                **{n: getattr(self, n) for n in FIGURES}}
        if self.communities:
            data["communities"] = [c.as_dict() for c in self.communities]
        return data


@dataclass
class Progress:
    total: Counts
    streets: list[Counts]
    by_channel: dict[str, dict[str, int]]
    robots: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total.as_dict(), "streets": [s.as_dict() for s in self.streets],
                "by_channel": self.by_channel, "robots": self.robots}


def _rows(warning: EarlyWarning, message_ids: list[int]) -> list[tuple[Any, ...]]:
    if not message_ids:
        return []
    quote = connection.ops.quote_name
    sql = _SQL.format(recipients=quote(WarningRecipient._meta.db_table), deliveries=quote(Delivery._meta.db_table),
                      messages=", ".join(["%s"] * len(message_ids)), key=quote("key"), flags=_FLAGS)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*message_ids, *message_ids, warning.pk])
        return list(cursor.fetchall())


def of(warning: EarlyWarning) -> Progress:
    """The warning's progress: totals, per street with its communities, per channel and the robots."""
    message_ids = release.warning_messages(warning.pk)
    rows = _rows(warning, message_ids)
    names = dict(Jurisdiction.objects.filter(pk__in={r[0] for r in rows} | {r[1] for r in rows})
                 .values_list("pk", "name"))
    total = Counts(name="")
    streets: dict[int | None, Counts] = {}
    for street_id, community_id, *figures in rows:
        counts = Counts(name=names.get(community_id, ""), jurisdiction_id=community_id,
                        **dict(zip(FIGURES, (int(f or 0) for f in figures), strict=True)))
        street = streets.setdefault(street_id, Counts(name=names.get(street_id, ""), jurisdiction_id=street_id))
        street.add(counts)
        street.communities.append(counts)
        total.add(counts)
    for street in streets.values():
        street.communities.sort(key=lambda c: (c.jurisdiction_id is None, c.name))
    ordered = sorted(streets.values(), key=lambda s: (s.jurisdiction_id is None, s.name))
    by_channel: dict[str, dict[str, int]] = {}
    robots: dict[str, int] = {}
    if warning.message_id is not None:
        # Per channel and status of the release message (messaging.progress would also count people,
        # which the query above already did).
        rows_ = (Delivery.objects.filter(message_id=warning.message_id).order_by().values("channel", "status")
                 .annotate(n=Count("id")).values_list("channel", "status", "n"))
        for channel, status, n in rows_:
            target = robots if channel == "robot" else by_channel.setdefault(channel, {})
            target[status] = target.get(status, 0) + n
            target["total"] = target.get("total", 0) + n
    return Progress(total=total, streets=ordered, by_channel=by_channel, robots=robots)


def not_acknowledged(warning: EarlyWarning, street: int | None = None, community: int | None = None) -> Any:
    """Who has not acknowledged yet (those with an account, who can), for the list under the counts."""
    rows = (WarningRecipient.objects.filter(warning=warning, acknowledged_at=None, user__isnull=False)
            .select_related("jurisdiction", "street", "community").order_by("street__path", "community__path", "pk"))
    if street:
        rows = rows.filter(street_id=street)
    if community:
        rows = rows.filter(community_id=community)
    return rows
