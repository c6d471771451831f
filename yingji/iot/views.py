"""Pages of IoT alarms: the device registry with its map, a device with its messages and readings, alarms.

Pages call the same services as the API; the map and the chart read the
scoped endpoints of /api/v1/iot/.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.audit.services import history_rows
from yingji.core.files import xlsx_response
from yingji.core.scope import has_perm_somewhere
from yingji.iot import pages
from yingji.iot.imports import DeviceTable
from yingji.iot.models import Alarm, AlarmStatus, Device, DeviceKind, DeviceMessage, DeviceState
from yingji.iot.rules import label_of


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    queryset = Device.objects.visible_to(request.user).select_related("jurisdiction")
    kind, state, q = request.GET.get("kind", ""), request.GET.get("state", ""), request.GET.get("q", "").strip()
    if kind in DeviceKind.values:
        queryset = queryset.filter(kind=kind)
    if state in DeviceState.values:
        queryset = queryset.filter(state=state)
    if q:
        queryset = queryset.filter(Q(code__icontains=q) | Q(building__icontains=q) | Q(location__icontains=q)
                                   | Q(owner_unit__icontains=q))
    page = Paginator(queryset.order_by("code"), 50).get_page(request.GET.get("page"))
    counts = dict.fromkeys(DeviceState.values, 0)
    for value in Device.objects.visible_to(request.user).values_list("state", flat=True).order_by():
        counts[value] += 1
    context = {
        "page": page, "kind": kind, "state": state, "q": q, "kinds": DeviceKind.choices,
        "states": DeviceState.choices, "counts": [(DeviceState(s), n, pages.STATE_COLOURS[s]) for s, n in counts.items()],
        "may_import": has_perm_somewhere(request.user, "iot.import_device"),
        "geojson": reverse("api:iot_devices_geojson") + (f"?kind={kind}" if kind in DeviceKind.values else ""),
    }
    return render(request, "iot/devices.html", context)


@login_required
def device_export(request: HttpRequest) -> HttpResponse:
    return xlsx_response(DeviceTable(request.user).stream_xlsx(), _("iot-devices"))


@login_required
@require_POST
def device_import(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose an .xlsx or .csv file first."))
        return redirect("iot:devices")
    result = DeviceTable(request.user).import_file(upload.read(), upload.name or "")
    if result.ok:
        messages.success(request, _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                         % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
        return redirect("iot:devices")
    for error in result.errors[:20]:
        messages.error(request, str(error))
    return redirect("iot:devices")


@login_required
def device_detail(request: HttpRequest, code: str) -> HttpResponse:
    device = get_object_or_404(Device.objects.visible_to(request.user).select_related("jurisdiction"), code=code)
    recent = DeviceMessage.objects.filter(device=device).order_by("-received_at", "-id")[:50]
    alarms = Alarm.objects.filter(device=device).select_related("incident", "hazard").order_by("-first_at")[:20]
    context = {
        "device": device, "recent": recent,
        "alarms": [(a, label_of(device.kind, a.alarm_type)) for a in alarms],
        "history": history_rows(device),
        "readings_url": reverse("api:iot_device_readings", args=[device.code]),
        "colour": pages.STATE_COLOURS.get(device.state, "#1565c0"),
    }
    return render(request, "iot/device.html", context)


@login_required
def alarm_list(request: HttpRequest) -> HttpResponse:
    queryset = Alarm.objects.visible_to(request.user).select_related("device", "jurisdiction", "incident", "hazard")
    status = request.GET.get("status", "")
    if status in AlarmStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("-first_at", "-id"), 50).get_page(request.GET.get("page"))
    rows = [(a, label_of(a.device.kind, a.alarm_type)) for a in page]
    return render(request, "iot/alarms.html", {"page": page, "rows": rows, "status": status,
                                               "statuses": AlarmStatus.choices})
