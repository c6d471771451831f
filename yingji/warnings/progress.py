"""How far a released warning got, person by person, counted by street and community.

A person's copies are messaging's Delivery rows of the warning's messages (the
release and any reminders), one per channel; a person counts as sent,
delivered or read when any of their copies is, undelivered when some copy was
given up and none sent, acknowledged when their `WarningRecipient` says so
(messaging's `acknowledged` signal).

The page does not aggregate the deliveries on each request (20,001 rows for
10,000 people: 300 ms of CPU a view). Each person's state is kept on their
`WarningRecipient` row (`sent`, `delivered`, `read`, `undelivered`) by
`record`, on messaging's `progressed` signal, which names the deliveries
that changed: one UPDATE per batch re-derives the state of the batch's
people from all their copies (not an increment), under a lock on the
warning's row, so two workers finishing batches at once cannot lose a change
(the later one reads after the earlier one's commit). The page is then one
grouped count over the recipients (`of`). `from_deliveries` counts from the
deliveries themselves, as the page did before: the tests compare the two,
and bench/warnings.py times it as the baseline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q

from yingji.core.prepared import Prepared
from yingji.jurisdictions.models import Jurisdiction
from yingji.messaging.models import Delivery, Message
from yingji.warnings import release
from yingji.warnings.models import EarlyWarning, WarningRecipient

FIGURES = ("people", "can_ack", "sent", "delivered", "read", "acknowledged", "undelivered")

_FLAGS = """MAX(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent,
           MAX(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered,
           MAX(CASE WHEN read_at IS NOT NULL THEN 1 ELSE 0 END) AS rd,
           MAX(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead"""
# How the deliveries without an account name their person (WarningRecipient.key).
_KEY = "CASE WHEN contact_id IS NOT NULL THEN 'c:' || contact_id ELSE 'a:' || address END"
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
    SELECT {person} AS k, {flags}
    FROM {deliveries}
    WHERE message_id IN ({messages}) AND user_id IS NULL AND channel <> 'robot'
    GROUP BY 1
) dx ON r.user_id IS NULL AND dx.k = r.{key}
WHERE r.warning_id = %s
GROUP BY r.street_id, r.community_id
"""
# Re-derive the state of some people (or all) from all their copies: accounts, then the others.
_SET = """SET {sent} = (a.sent = 1), {delivered} = (a.delivered = 1), {read} = (a.rd = 1),
    {undelivered} = (a.dead = 1 AND a.sent = 0)"""
_UPDATE_USERS = """
UPDATE {recipients} {set_} FROM (
    SELECT user_id AS uid, {flags}
    FROM {deliveries}
    WHERE message_id IN ({messages}) AND user_id IS NOT NULL {only_users}
    GROUP BY user_id
) a
WHERE {recipients}.warning_id = %s AND {recipients}.user_id = a.uid
"""
_UPDATE_OTHERS = """
UPDATE {recipients} {set_} FROM (
    SELECT {person} AS k, {flags}
    FROM {deliveries}
    WHERE message_id IN ({messages}) AND user_id IS NULL AND channel <> 'robot'
    GROUP BY 1
) a
WHERE {recipients}.warning_id = %s AND {recipients}.user_id IS NULL AND {recipients}.{key} = a.k {only_others}
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


def _names() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {"recipients": quote(WarningRecipient._meta.db_table), "deliveries": quote(Delivery._meta.db_table),
            "key": quote("key"), "flags": _FLAGS, "person": _KEY}


def _rows_from_deliveries(warning: EarlyWarning, message_ids: list[int]) -> list[tuple[Any, ...]]:
    if not message_ids:
        return []
    sql = _SQL.format(messages=", ".join(["%s"] * len(message_ids)), **_names())
    with connection.cursor() as cursor:
        cursor.execute(sql, [*message_ids, *message_ids, warning.pk])
        return list(cursor.fetchall())


# The page's two counting queries, compiled once (compiling them cost more CPU than running them).
_COUNTS = Prepared(lambda warning_id: (
    WarningRecipient.objects.filter(warning_id=warning_id).order_by().values("street_id", "community_id")
    .annotate(people=Count("id"), can_ack=Count("id", filter=Q(user__isnull=False)),
              sent=Count("id", filter=Q(sent=True)), delivered=Count("id", filter=Q(delivered=True)),
              read=Count("id", filter=Q(read=True)),
              acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
              undelivered=Count("id", filter=Q(undelivered=True)))
    .values_list("street_id", "community_id", *FIGURES)), 1)
_CHANNELS = Prepared(lambda message_id: (
    Delivery.objects.filter(message_id=message_id).order_by().values("channel", "status")
    .annotate(n=Count("id")).values_list("channel", "status", "n")), 1)
# Per channel and status of the release message, kept in the cache per warning until `record` hears
# that a delivery of the warning moved (every change of a delivery's status raises `progressed`).
CHANNELS_KEY = "warnings:progress:channels:{}"
CHANNELS_TTL = 300  # seconds: a safety net only; `record` drops the entry on every change


def _rows(warning: EarlyWarning) -> list[tuple[Any, ...]]:
    """The figures per street and community, counted over the recipients' kept state."""
    return _COUNTS.rows(warning.pk)


def _channel_rows(warning: EarlyWarning, cached: bool) -> list[tuple[str, str, int]]:
    if warning.message_id is None:
        return []
    if not cached:
        return [tuple(r) for r in _CHANNELS.rows(warning.message_id)]  # type: ignore[misc]
    key = CHANNELS_KEY.format(warning.pk)
    found = cache.get(key)
    if found is None or found[0] != warning.message_id:
        found = (warning.message_id, [tuple(r) for r in _CHANNELS.rows(warning.message_id)])
        cache.set(key, found, CHANNELS_TTL)
    return found[1]


def forget(warning_ids: Iterable[int]) -> None:
    """The deliveries of these warnings moved: their kept channel counts are stale."""
    cache.delete_many([CHANNELS_KEY.format(pk) for pk in warning_ids])


def record(message_ids: Iterable[int], delivery_ids: Iterable[int] | None = None) -> int:
    """Deliveries of these messages changed (messaging's `progressed`, after their commit): re-derive
    the state of their people (`delivery_ids` None: of everyone) on the warnings the messages are
    about. Answers how many recipient rows were written."""
    ct = ContentType.objects.get_for_model(EarlyWarning)
    warning_ids = sorted(set(Message.objects.filter(pk__in=list(message_ids), subject_type=ct)
                             .values_list("subject_id", flat=True)))
    ids = None if delivery_ids is None else sorted(set(delivery_ids))
    if not warning_ids or ids == []:
        return 0
    forget(warning_ids)
    changed = 0
    for warning_id in warning_ids:
        with transaction.atomic():
            # One writer per warning at a time; each statement below reads the deliveries as committed
            # after the lock was taken, so the last writer of a person saw every change before it.
            if not list(EarlyWarning.objects.select_for_update().filter(pk=warning_id).values_list("pk", flat=True)):
                continue
            changed += _update(warning_id, release.warning_messages(warning_id), ids)
    return changed


def refresh(warning_id: int) -> int:
    """Re-derive everyone's state on one warning from all their copies (the migration's backfill)."""
    with transaction.atomic():
        list(EarlyWarning.objects.select_for_update().filter(pk=warning_id).values_list("pk", flat=True))
        return _update(warning_id, release.warning_messages(warning_id), None)


def _update(warning_id: int, message_ids: list[int], delivery_ids: list[int] | None) -> int:
    quote = connection.ops.quote_name
    names = _names()
    set_ = _SET.format(**{f: quote(f) for f in ("sent", "delivered", "read", "undelivered")})
    messages = ", ".join(["%s"] * len(message_ids))
    some = ", ".join(["%s"] * len(delivery_ids)) if delivery_ids is not None else ""
    changed = 0
    with connection.cursor() as cursor:
        only = (f"AND user_id IN (SELECT user_id FROM {names['deliveries']} WHERE id IN ({some}))"
                if delivery_ids is not None else "")
        cursor.execute(_UPDATE_USERS.format(set_=set_, messages=messages, only_users=only, **names),
                       [*message_ids, *(delivery_ids or []), warning_id])
        changed += cursor.rowcount
        others = delivery_ids is None or Delivery.objects.filter(
            pk__in=delivery_ids, user__isnull=True).exclude(channel="robot").exists()
        if others:
            only = (f"AND a.k IN (SELECT {_KEY} FROM {names['deliveries']} WHERE id IN ({some}) "
                    f"AND user_id IS NULL)" if delivery_ids is not None else "")
            cursor.execute(_UPDATE_OTHERS.format(set_=set_, messages=messages, only_others=only, **names),
                           [*message_ids, warning_id, *(delivery_ids or [])])
            changed += cursor.rowcount
    return changed


def _build(warning: EarlyWarning, rows: list[tuple[Any, ...]], cached: bool = False) -> Progress:
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
    # Per channel and status of the release message (messaging.progress would also count people,
    # which the query above already did).
    for channel, status, n in _channel_rows(warning, cached):
        target = robots if channel == "robot" else by_channel.setdefault(channel, {})
        target[status] = target.get(status, 0) + n
        target["total"] = target.get("total", 0) + n
    return Progress(total=total, streets=ordered, by_channel=by_channel, robots=robots)


def from_deliveries(warning: EarlyWarning) -> Progress:
    """The same figures counted from the deliveries themselves (one grouped join; the page's query
    before the state was kept on the recipients): what `of` must always agree with."""
    return _build(warning, _rows_from_deliveries(warning, release.warning_messages(warning.pk)))


def of(warning: EarlyWarning, cached: bool = False) -> Progress:
    """The warning's progress: totals, per street with its communities, per channel and the robots.

    `cached`: the channel counts as kept in the cache since the last change (the live page's)."""
    return _build(warning, _rows(warning), cached)


def waiting(street: int | None = None, community: int | None = None) -> Any:
    """Recipients who can acknowledge (those with an account) and have not yet, of any warning: the rows
    of the partial index warning_recipient_waiting, narrowed to a street or a community. The progress
    page lists them per warning (`not_acknowledged`); the dashboard's "needs attention today" counts the
    warnings that still wait for someone of an area (dashboard/services.py)."""
    rows = WarningRecipient.objects.filter(acknowledged_at=None, user__isnull=False)
    if street:
        rows = rows.filter(street_id=street)
    if community:
        rows = rows.filter(community_id=community)
    return rows


def not_acknowledged(warning: EarlyWarning, street: int | None = None, community: int | None = None) -> Any:
    """Who has not acknowledged yet (those with an account, who can), for the list under the counts."""
    # By street and community, then in the order they were written; read through the partial index
    # warning_recipient_waiting (the first page is 50 rows from an index, not a sort of thousands).
    return (waiting(street, community).filter(warning=warning)
            .select_related("jurisdiction", "street", "community").order_by("street_id", "community_id", "pk"))
