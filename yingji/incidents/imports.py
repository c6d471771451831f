"""Incidents as an Excel table, for the bureau's monthly reports and archives.

Export only: an incident enters the platform through intake (a form, the
API, a platform's push), where it gets its place, its checks and its
timeline, never as a row of a spreadsheet. Each row carries the 1-3-5 clock
(minutes from the call to the first dispatch, arrival and initial handling)
beside the close-out. The reporter's phone is masked for roles without the
personal-data permission, as on the pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yingji.core.tabular import Column, TableSpec
from yingji.incidents import catalogue
from yingji.incidents.models import Channel, Incident, Outcome, Severity, Status


def _minutes(field: str) -> Any:
    def get(incident: Incident) -> float | str:
        at: datetime.datetime | None = getattr(incident, field)
        if at is None:
            return ""
        return round(max(0.0, (at - incident.received_at).total_seconds()) / 60, 1)
    return get


class IncidentTable(TableSpec):
    model = Incident
    title = _("Incidents")

    def __init__(self, user: Any) -> None:
        super().__init__(user)
        self.columns = [
            Column("number", _("incident number"), width=14),
            Column("reference", _("reference"), width=14),
            Column("received_at", _("received at"), width=20),
            Column("type", _("type"), get=lambda i: str(catalogue.get(i.type_code).label), width=18),
            Column("type_code", _("type code"), width=10),
            Column("severity", _("severity"), choices=Severity, width=12),
            Column("channel", _("channel"), choices=Channel, width=14),
            Column("status", _("status"), choices=Status, width=10),
            Column("jurisdiction", _("jurisdiction"), get=lambda i: i.jurisdiction.name, width=16),
            Column("address", _("address"), width=28),
            Column("lon", _("longitude"), width=11),
            Column("lat", _("latitude"), width=11),
            Column("reporter_name", _("reporter"), width=10),
            # Masked for roles without the personal-data permission by the one gate (TableSpec.rows).
            Column("reporter_phone", _("reporter phone"), width=14),
            Column("description", _("description"), width=30),
            Column("dispatch_minutes", _("minutes to dispatch"), get=_minutes("dispatched_at"), width=10),
            Column("arrival_minutes", _("minutes to the scene"), get=_minutes("arrived_at"), width=10),
            Column("handling_minutes", _("minutes to initial handling"), get=_minutes("handled_at"), width=10),
            Column("closed_at", _("closed at"), width=20),
            Column("outcome", _("outcome"), choices=Outcome, width=14),
            Column("deaths", _("deaths"), width=8),
            Column("injuries", _("injuries"), width=8),
            Column("rescued", _("people rescued"), width=8),
            Column("loss_yuan", _("direct loss (yuan)"), width=12),
            Column("evaluation", _("evaluation notes"), width=30),
        ]

    export_fields = ("number", "reference", "received_at", "type_code", "severity", "channel", "status",
                     "jurisdiction__name", "jurisdiction__path", "address", "lon", "lat", "reporter_name",
                     "reporter_phone", "description", "dispatched_at", "arrived_at", "handled_at", "closed_at",
                     "outcome", "deaths", "injuries", "rescued", "loss_yuan", "evaluation")

    def export_queryset(self) -> QuerySet:
        return Incident.objects.restrict(self.user, "export").select_related("jurisdiction").order_by("-received_at")

    def save_row(self, values: dict[str, Any], existing: Any | None) -> Any:
        raise NotImplementedError("incidents are recorded through intake, not imported")
