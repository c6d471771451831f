"""Rosters as tables (Excel/CSV in and out): one row per shift, through the roster services.

A row names its jurisdiction by code, its day and its local start and end ("20:00" to "08:00"
ends the next day), the leader and the members as "张三（zhangsan）", a user name, or a name
only one person who may stand duty there bears. A row is found again by jurisdiction, start and
name of shift, so a re-import updates instead of duplicating and an unchanged row writes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.tabular import CellError, Column, Parser, TableSpec, date, text
from yingji.duty import times
from yingji.duty.models import Shift, ShiftKind
from yingji.duty.services import rosters
from yingji.jurisdictions.models import Jurisdiction

SEPARATORS = ("、", ",", "，", ";", "；", "\n")
COLUMN_OF = {"starts_at": "start", "ends_at": "end"}


def clock() -> Parser:
    def parse(raw: str) -> datetime.time:
        try:
            return times.parse_clock(raw)
        except ValueError as exc:
            raise CellError(_("Enter a time as HH:MM.")) from exc
    return parse


def people() -> Parser:
    def parse(raw: str) -> list[str]:
        for sep in SEPARATORS[1:]:
            raw = raw.replace(sep, SEPARATORS[0])
        return [item.strip() for item in raw.split(SEPARATORS[0]) if item.strip()]
    return parse


def _local(shift: Shift) -> tuple[datetime.datetime, datetime.datetime]:
    return timezone.localtime(shift.starts_at, times.zone()), timezone.localtime(shift.ends_at, times.zone())


class ShiftTable(TableSpec):
    model = Shift
    title = gettext_lazy("Roster")
    columns = [
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, width=16,
               get=lambda s: s.jurisdiction.code),
        Column("day", gettext_lazy("Date"), required=True, parse=date(), width=12,
               get=lambda s: _local(s)[0].date()),
        Column("label", gettext_lazy("Shift"), required=True, parse=text(40), width=12),
        Column("start", gettext_lazy("Start"), required=True, parse=clock(), width=8,
               get=lambda s: _local(s)[0].strftime("%H:%M")),
        Column("end", gettext_lazy("End"), required=True, parse=clock(), width=8,
               get=lambda s: _local(s)[1].strftime("%H:%M")),
        Column("kind", gettext_lazy("Kind"), choices=ShiftKind, width=12),
        Column("leader", gettext_lazy("Leader"), required=True, parse=text(120), width=18,
               get=lambda s: rosters.person_label(s.leader)),
        Column("members", gettext_lazy("People on duty"), parse=people(), width=40,
               get=lambda s: "、".join(rosters.person_label(m.user) for m in s.staff.all())),
        Column("note", gettext_lazy("Note"), parse=text(200), width=24),
    ]

    def __init__(self, user: Any, *, now: datetime.datetime | None = None) -> None:
        super().__init__(user)
        self.now = now
        self._places: dict[str, Jurisdiction | None] = {}
        self._staff: dict[int, list[Any]] = {}

    def export_queryset(self) -> QuerySet[Shift]:
        return (Shift.objects.restrict(self.user, "export").select_related("jurisdiction", "leader")
                .prefetch_related("staff__user").order_by("jurisdiction__path", "starts_at", "id"))

    def rows(self, objects: Iterable[Any]) -> Iterator[list[Any]]:
        for shift in objects:
            yield [column.value_of(shift) for column in self.columns]

    # -- import
    def _place(self, code: str) -> Jurisdiction:
        if code not in self._places:
            self._places[code] = Jurisdiction.objects.visible_to(self.user).filter(code=code).first()
        place = self._places[code]
        if place is None:
            raise ValidationError({"jurisdiction": _("No jurisdiction with this code in your area.")})
        return place

    def _person(self, place: Jurisdiction, text_value: str, field: str) -> Any:
        if place.pk not in self._staff:
            self._staff[place.pk] = list(rosters.eligible_staff(place))
        try:
            return rosters.find_person(text_value, self._staff[place.pk])
        except ValueError as exc:
            raise ValidationError({field: str(exc)}) from exc

    def _resolve(self, values: dict[str, Any]) -> dict[str, Any]:
        place = self._place(values["jurisdiction"])
        starts_at, ends_at = times.span(values["day"], values["start"], values["end"])
        return {"jurisdiction": place, "label": values["label"], "starts_at": starts_at, "ends_at": ends_at,
                "kind": values.get("kind") or ShiftKind.REGULAR,
                "leader": self._person(place, values["leader"], "leader"),
                "members": [self._person(place, name, "members") for name in values.get("members") or []],
                "note": values.get("note") or ""}

    def find_existing(self, values: dict[str, Any]) -> Shift | None:
        resolved = self._resolve(values)
        values["_resolved"] = resolved
        return (Shift.objects.filter(jurisdiction=resolved["jurisdiction"], starts_at=resolved["starts_at"],
                                     label=resolved["label"]).select_related("jurisdiction").first())

    def has_changes(self, existing: Shift, values: dict[str, Any]) -> bool:
        new = values["_resolved"]
        members = set(existing.staff.values_list("user_id", flat=True))
        return (existing.ends_at != new["ends_at"] or existing.kind != new["kind"]
                or existing.leader_id != new["leader"].pk or members != {m.pk for m in new["members"]}
                or existing.note != new["note"])

    def save_row(self, values: dict[str, Any], existing: Shift | None) -> Shift:
        new = values["_resolved"]
        try:
            if existing is None:
                return rosters.create_shift(actor=self.user, now=self.now, **new)
            changes = {k: v for k, v in new.items() if k not in ("jurisdiction", "label", "starts_at")}
            return rosters.update_shift(existing, actor=self.user, now=self.now, **changes)
        except ValidationError as exc:
            # The service speaks of instants; the sheet has a start and an end column.
            if not hasattr(exc, "error_dict"):
                raise
            raise ValidationError({COLUMN_OF.get(field, field): errors
                                   for field, errors in exc.message_dict.items()}) from exc
