"""Writes of the device registry: register, change, retire a device; issue its signing key.

Every write checks the actor's scope and writes its audit record (LedgerModel
signals). What devices send is handled in iot/ingest.py.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core.scope import ensure, ensure_in
from yingji.core.validators import check_date_not_future, check_point
from yingji.iot.models import CODE_PATTERN, Device, DeviceKind, DeviceState
from yingji.jurisdictions.locate import area_bounds
from yingji.jurisdictions.models import Jurisdiction

EDITABLE = ("kind", "model", "vendor", "building", "location", "lon", "lat", "owner_unit", "install_date",
            "heartbeat_s", "low_threshold")


def _validate(device: Device) -> None:
    errors: dict[str, str] = {}
    if not re.match(CODE_PATTERN, device.code or ""):
        errors["code"] = _("A device code is 1–64 letters, digits, '-', '_' or '.', starting with a letter or digit.")
    if device.kind not in DeviceKind.values:
        errors["kind"] = _("Unknown device type.")
    if not (-180 <= float(device.lon) <= 180):
        errors["lon"] = _("Longitude must lie between -180 and 180.")
    if not (-90 <= float(device.lat) <= 90):
        errors["lat"] = _("Latitude must lie between -90 and 90.")
    if not errors:
        try:  # the one point rule: inside the district (swapped coordinates named as such)
            check_point(float(device.lon), float(device.lat), bounds=area_bounds())
        except ValidationError as error:
            errors["lon"] = error.messages[0]
    if device.heartbeat_s is None or int(device.heartbeat_s) < 10:
        errors["heartbeat_s"] = _("The heartbeat is at least 10 seconds.")
    try:
        check_date_not_future(device.install_date)
    except ValidationError as error:
        errors["install_date"] = error.messages[0]
    if errors:
        raise ValidationError(errors)


def create_device(*, actor: Any, jurisdiction: Jurisdiction, code: str, kind: str, lon: float, lat: float,
                  **fields: Any) -> Device:
    """Register a device in `jurisdiction`; its code must be new."""
    ensure_in(actor, "iot.add_device", jurisdiction.path)
    device = Device(jurisdiction=jurisdiction, code=(code or "").strip(), kind=kind, lon=lon, lat=lat,
                    **{k: v for k, v in fields.items() if k in EDITABLE and v is not None})
    _validate(device)
    if Device.objects.filter(code=device.code).exists():
        raise ValidationError({"code": _("A device with code %(code)s is already registered.") % {"code": device.code}})
    with transaction.atomic():
        device.save()
    return device


def update_device(device: Device, *, actor: Any, jurisdiction: Jurisdiction | None = None, **fields: Any) -> Device:
    """Change what is registered of a device (moving it needs the right in both places)."""
    ensure(actor, "change", device)
    if jurisdiction is not None and jurisdiction.pk != device.jurisdiction_id:
        ensure_in(actor, "iot.change_device", jurisdiction.path)
        device.jurisdiction = jurisdiction
    unknown = set(fields) - set(EDITABLE) - {"state"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    if "state" in fields:
        # Only taking a device out of service and back is a person's decision; the rest is derived.
        if fields["state"] not in (DeviceState.DISABLED, DeviceState.NORMAL):
            raise ValidationError({"state": _("A device can only be taken out of service or back into service.")})
    for name, value in fields.items():
        setattr(device, name, value)
    _validate(device)
    with transaction.atomic():
        device.save()
    return device


def delete_device(device: Device, *, actor: Any) -> None:
    ensure(actor, "delete", device)
    device.delete()


def issue_secret(device: Device, *, actor: Any) -> str:
    """A new HTTP signing key for the device, shown once; the old one stops working."""
    ensure(actor, "change", device)
    key = secrets.token_hex(32)
    Device.objects.filter(pk=device.pk).update(secret=key)
    device.secret = key
    return key
