"""Publicity events as tables (Excel/CSV in and out) through core.tabular and the event services.

A row is found again by jurisdiction code, date and title, so a re-import updates instead of duplicating.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from yingji.core.tabular import CellError, Column, Parser, TableSpec, date, integer, text
from yingji.jurisdictions.models import Jurisdiction
from yingji.publicity import services
from yingji.publicity.models import Campaign, PublicityEvent, Venue


class EventTable(TableSpec):
    model = PublicityEvent
    title = gettext_lazy("Publicity events")
    natural_key = ("jurisdiction", "held_on", "title")

    def __init__(self, user: Any) -> None:
        super().__init__(user)
        self.columns = [
            Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, parse=self._jurisdiction(),
                   width=16, get=lambda e: e.jurisdiction.code),
            Column("held_on", gettext_lazy("Held on"), required=True, parse=date(), width=12),
            Column("title", pgettext_lazy("event", "Title"), required=True, parse=text(200), width=30),
            Column("venue", gettext_lazy("Five-into venue"), choices=Venue, width=12),
            Column("campaign", gettext_lazy("Campaign"), choices=Campaign, width=22),
            Column("place", gettext_lazy("Place"), required=True, parse=text(200), width=24),
            Column("audience", gettext_lazy("People reached"), parse=integer(0), width=10),
            Column("organiser", gettext_lazy("Organiser"), parse=text(100), width=16),
        ]

    def _jurisdiction(self) -> Parser:
        def parse(raw: str) -> Jurisdiction:
            found = Jurisdiction.objects.visible_to(self.user).filter(code=raw.strip()).first()
            if found is None:
                raise CellError(_("No jurisdiction with this code in your area."))
            return found
        return parse

    def export_queryset(self) -> Any:
        return super().export_queryset().select_related("jurisdiction").order_by("-held_on", "id")

    def save_row(self, values: dict[str, Any], existing: PublicityEvent | None) -> PublicityEvent:
        data = {name: values.get(name) for name in ("title", "held_on", "venue", "campaign", "place", "audience",
                                                    "organiser")}
        data["audience"] = data["audience"] or 0
        if existing is None:
            return services.create_event(actor=self.user, jurisdiction=values["jurisdiction"], **data)
        return services.update_event(existing, actor=self.user, **data)
