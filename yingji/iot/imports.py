"""The device registry as a table (Excel/CSV in and out), rows matched by device code.

Vendors hand over their device lists as spreadsheets; the same columns are
exported, so an export edited and imported again changes what was edited.
The signing key and what the devices report (state, last seen) are not columns.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.scope import ensure
from yingji.core.tabular import Column, TableSpec, date, integer, number, text
from yingji.iot import services
from yingji.iot.models import Device, DeviceKind
from yingji.jurisdictions.models import Jurisdiction


class DeviceTable(TableSpec):
    model = Device
    title = gettext_lazy("IoT devices")
    natural_key = ("code",)
    columns = [
        Column("code", gettext_lazy("Device code"), required=True, parse=text(64), width=18),
        Column("kind", gettext_lazy("Device type"), required=True, choices=DeviceKind, width=18),
        Column("jurisdiction", gettext_lazy("Jurisdiction code"), required=True, parse=text(20), width=18,
               get=lambda d: d.jurisdiction.code),
        Column("model", gettext_lazy("Model"), parse=text(80)),
        Column("vendor", gettext_lazy("Vendor"), parse=text(80)),
        Column("building", gettext_lazy("Building"), parse=text(120), width=22),
        Column("location", gettext_lazy("Location"), parse=text(200), width=24),
        Column("lon", gettext_lazy("Longitude"), required=True, parse=number(-180, 180)),
        Column("lat", gettext_lazy("Latitude"), required=True, parse=number(-90, 90)),
        Column("owner_unit", gettext_lazy("Owner unit"), parse=text(120), width=22),
        Column("install_date", gettext_lazy("Install date"), parse=date(), width=12),
        Column("heartbeat_s", gettext_lazy("Heartbeat (seconds)"), parse=integer(10), width=12),
        Column("low_threshold", gettext_lazy("Low reading threshold"), parse=number(0), width=12),
    ]

    def export_queryset(self):  # type: ignore[no-untyped-def]
        return Device.objects.restrict(self.user, "export").select_related("jurisdiction").order_by("code")

    def find_existing(self, values: dict[str, Any]) -> Device | None:
        existing = Device.objects.filter(code=values["code"]).select_related("jurisdiction").first()
        if existing is not None:
            ensure(self.user, "change", existing)  # another area's device: 404, like any lookup
        return existing

    def has_changes(self, existing: Any, values: dict[str, Any]) -> bool:
        if values.get("jurisdiction") != existing.jurisdiction.code:
            return True
        return super().has_changes(existing, values)

    def save_row(self, values: dict[str, Any], existing: Device | None) -> Device:
        jurisdiction = Jurisdiction.objects.visible_to(self.user).filter(code=values["jurisdiction"]).first()
        if jurisdiction is None:
            raise ValidationError({"jurisdiction": _("No jurisdiction with code %(code)s in your area.")
                                   % {"code": values["jurisdiction"]}})
        fields = {name: values[name] for name in services.EDITABLE if name in values}
        for name in ("model", "vendor", "building", "location", "owner_unit"):
            if name in fields:
                fields[name] = fields[name] or ""
        if fields.get("heartbeat_s") is None:
            fields.pop("heartbeat_s", None)
        if existing is None:
            return services.create_device(actor=self.user, jurisdiction=jurisdiction, code=values["code"],
                                          **fields)
        return services.update_device(existing, actor=self.user, jurisdiction=jurisdiction, **fields)
