"""API of IoT alarms: /api/v1/iot/.

    /devices[/{code}[/messages|/readings|/history|/secret]]   the device registry
    /devices/export, /devices/import                          Excel/CSV in and out
    /devices.geojson                                          the map layer, by state
    /alarms[/{id}]                                            alarms and what they became
    /ingest                                                   devices' signed HTTP messages (no login)

Every answer is built from the caller's scope; out of scope answers 404.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yingji.audit.services import history_rows
from yingji.core.api import (
    ErrorOut,
    ImportResultOut,
    ListFilters,
    Pagination,
    apply_list_filters,
    request_user,
)
from yingji.core.files import xlsx_response
from yingji.iot import pages, services
from yingji.iot.imports import DeviceTable
from yingji.iot.models import Alarm, Device, DeviceMessage
from yingji.iot.schemas import AlarmOut, DeviceIn, DeviceOut, DevicePatch, MessageOut, SecretOut
from yingji.jurisdictions.models import Jurisdiction

router = Router(tags=["iot"])


def _jurisdiction(request: HttpRequest, code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.visible_to(request_user(request)), code=code)


def _device(request: HttpRequest, code: str) -> Device:
    return get_object_or_404(Device.objects.visible_to(request_user(request)).select_related("jurisdiction"),
                             code=code)


@router.get("/devices", response=list[DeviceOut])
@paginate(Pagination)
def devices(request: HttpRequest, filters: Query[ListFilters], kind: str | None = None,
            state: str | None = None):  # type: ignore[no-untyped-def]
    queryset = Device.objects.visible_to(request_user(request)).select_related("jurisdiction")
    queryset = apply_list_filters(queryset, filters, search_fields=("code", "building", "location", "owner_unit"))
    if kind:
        queryset = queryset.filter(kind=kind)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("code")


@router.post("/devices", response={201: DeviceOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def create_device(request: HttpRequest, payload: DeviceIn) -> Any:
    data = payload.dict()
    jurisdiction = _jurisdiction(request, data.pop("jurisdiction"))
    device = services.create_device(actor=request_user(request), jurisdiction=jurisdiction, **data)
    return Status(201, Device.objects.select_related("jurisdiction").get(pk=device.pk))


@router.get("/devices/export", response={200: None})
def export_devices(request: HttpRequest) -> HttpResponse:
    """The devices you may export, as .xlsx (the import template when you have none)."""
    return xlsx_response(DeviceTable(request_user(request)).stream_xlsx(), _("iot-devices"))


@router.post("/devices/import", response={200: ImportResultOut, 422: ImportResultOut})
def import_devices(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Register or update devices from .xlsx/.csv by device code; all rows or none."""
    result = DeviceTable(request_user(request)).import_file(file.read(), file.name or "")
    return Status(200 if result.ok else 422, result.as_dict())


@router.get("/devices.geojson", response={200: None}, url_name="iot_devices_geojson")
def devices_geojson(request: HttpRequest, kind: str | None = None) -> JsonResponse:
    """Devices you see as points, with their state (the map colours them by it)."""
    return JsonResponse(pages.devices_geojson(request_user(request), kind=kind))


@router.get("/devices/{code}", response={200: DeviceOut, 404: ErrorOut})
def device(request: HttpRequest, code: str) -> Device:
    return _device(request, code)


@router.patch("/devices/{code}", response={200: DeviceOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def change_device(request: HttpRequest, code: str, payload: DevicePatch) -> Device:
    found = _device(request, code)
    data = payload.dict(exclude_unset=True)
    nulls = [name for name, value in data.items() if value is None and name not in ("install_date", "low_threshold")]
    if nulls:
        raise ValidationError({name: _("This field cannot be empty.") for name in nulls})
    where = _jurisdiction(request, data.pop("jurisdiction")) if "jurisdiction" in data else None
    services.update_device(found, actor=request_user(request), jurisdiction=where, **data)
    return _device(request, code)


@router.delete("/devices/{code}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_device(request: HttpRequest, code: str) -> Any:
    services.delete_device(_device(request, code), actor=request_user(request))
    return Status(204, None)


@router.post("/devices/{code}/secret", response={200: SecretOut, 403: ErrorOut, 404: ErrorOut})
def device_secret(request: HttpRequest, code: str) -> dict[str, str]:
    """A new HTTP signing key for the device (shown this once; the old one stops working)."""
    return {"secret": services.issue_secret(_device(request, code), actor=request_user(request))}


@router.get("/devices/{code}/history", response={200: list[dict], 404: ErrorOut})
def device_history(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    return history_rows(_device(request, code))


@router.get("/devices/{code}/messages", response=list[MessageOut])
@paginate(Pagination)
def device_messages(request: HttpRequest, code: str, accepted: bool | None = None):  # type: ignore[no-untyped-def]
    """What the device sent, newest first, refused ones with the field at fault."""
    found = _device(request, code)
    queryset = DeviceMessage.objects.filter(device=found)
    if accepted is not None:
        queryset = queryset.filter(accepted=accepted)
    return queryset.order_by("-received_at", "-id")


@router.get("/devices/{code}/readings", response={200: dict, 404: ErrorOut}, url_name="iot_device_readings")
def device_readings(request: HttpRequest, code: str, hours: int = 24) -> dict[str, Any]:
    """The device's readings over the last hours, as [time, value] pairs for its chart."""
    found = _device(request, code)
    return pages.readings(found, since=datetime.timedelta(hours=max(1, min(hours, 24 * 31))))


@router.get("/alarms", response=list[AlarmOut])
@paginate(Pagination)
def alarms(request: HttpRequest, device: str | None = None, status: str | None = None):  # type: ignore[no-untyped-def]
    queryset = Alarm.objects.visible_to(request_user(request)).select_related("device", "jurisdiction")
    if device:
        queryset = queryset.filter(device__code=device)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-first_at", "-id")


@router.get("/alarms/{pk}", response={200: AlarmOut, 404: ErrorOut})
def alarm(request: HttpRequest, pk: int) -> Alarm:
    return get_object_or_404(Alarm.objects.visible_to(request_user(request)).select_related("device", "jurisdiction"),
                             pk=pk)


@router.post("/ingest", auth=None, response={200: dict, 401: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: dict})
def ingest_http(request: HttpRequest) -> Any:
    """A device's signed messages (docs/iot.md: headers X-Yingji-Device, -Timestamp, -Nonce, -Signature)."""
    from yingji.iot.http import receive

    status, answer = receive(request.headers, request.body, request.path)
    return Status(status, answer)
