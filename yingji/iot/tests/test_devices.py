"""The device registry: register, change, Excel in and out, pages, and the scope of each."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from yingji.audit.models import ChangeRecord
from yingji.core.testing import api_client, web_client
from yingji.iot.imports import DeviceTable
from yingji.iot.models import Device, DeviceKind, DeviceMessage, MessageKind, Transport
from yingji.iot.tests.builders import device

pytestmark = pytest.mark.django_db
API = "/api/v1/iot"


def _new(code: str = "EL-NEW-1", **extra):  # type: ignore[no-untyped-def]
    return {"code": code, "kind": "elevator", "jurisdiction": "44030400100101", "lon": 114.02, "lat": 22.51,
            "building": "A社区3栋", "owner_unit": "某物业", "heartbeat_s": 300, **extra}


def test_it_registers_a_device_with_an_audit_record(cast):
    c = api_client(cast.officer_a)
    response = c.post(f"{API}/devices", _new(), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["jurisdiction"] == "44030400100101" and body["state"] == "normal" and body["kind_label"] == "电梯监测终端"
    created = Device.objects.get(code="EL-NEW-1")
    assert ChangeRecord.objects.filter(object_id=str(created.pk), action="create").exists()
    # The same code twice is refused, naming the field.
    again = c.post(f"{API}/devices", _new(), content_type="application/json")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "code"


@pytest.mark.parametrize("field,value", [("code", "EL/1/#"), ("kind", "toaster"), ("lat", 95.0), ("heartbeat_s", 3)])
def test_it_refuses_bad_fields_by_name_and_writes_nothing(cast, field, value):
    response = api_client(cast.officer_a).post(f"{API}/devices", _new(**{field: value}),
                                               content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Device.objects.exists()


def test_another_communitys_officer_cannot_register_in_a(cast):
    response = api_client(cast.officer_c).post(f"{API}/devices", _new(), content_type="application/json")
    assert response.status_code == 404  # A's grid is not even visible to C
    assert not Device.objects.exists()


def test_it_changes_and_takes_a_device_out_of_service(cast):
    device(cast.grid_a1, "EL-A-1")
    c = api_client(cast.officer_a)
    response = c.patch(f"{API}/devices/EL-A-1", {"building": "A社区9栋", "state": "disabled"},
                       content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["building"] == "A社区9栋" and response.json()["state"] == "disabled"
    refused = c.patch(f"{API}/devices/EL-A-1", {"state": "alarm"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "state"
    assert c.get(f"{API}/devices/EL-A-1/history").json()


def test_excel_round_trip_and_row_errors(cast):
    device(cast.grid_a1, "EL-A-1", model="HT-EM200")
    device(cast.grid_a1, "HY-A-1", DeviceKind.HYDRANT, low_threshold=0.1)
    content = DeviceTable(cast.officer_a).to_xlsx()
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[0].startswith("设备编号")
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["EL-A-1", "HY-A-1"]
    # Re-importing the export changes nothing; editing a cell changes that device only.
    again = DeviceTable(cast.officer_a).import_file(content, "devices.xlsx")
    assert again.ok and again.unchanged == 2 and again.created == 0
    sheet.cell(row=2, column=headers.index("楼栋") + 1, value="新楼栋")
    sheet.append(["SD-A-9", "烟感探测器", "44030400100101", "", "", "", "", 114.01, 22.51])
    out = io.BytesIO()
    book.save(out)
    result = DeviceTable(cast.officer_a).import_file(out.getvalue(), "devices.xlsx")
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert Device.objects.get(code="EL-A-1").building == "新楼栋"
    assert Device.objects.get(code="SD-A-9").kind == DeviceKind.SMOKE
    # A bad row names its row and column, and nothing of the file is written.
    sheet.append(["SD-A-10", "烤面包机", "44030400100101", "", "", "", "", 114.01, 22.51])
    sheet.append(["SD-A-11", "烟感探测器", "44030400200100", "", "", "", "", 114.01, 22.51])
    out = io.BytesIO()
    book.save(out)
    bad = DeviceTable(cast.officer_a).import_file(out.getvalue(), "devices.xlsx")
    assert not bad.ok
    assert [(e.row, e.column) for e in bad.errors] == [(5, "设备类型"), (6, "辖区代码")]
    assert not Device.objects.filter(code__in=["SD-A-10", "SD-A-11"]).exists()


def test_import_cannot_take_over_another_communitys_device(cast):
    device(cast.community_c, "EL-C-1", lon=114.06, lat=22.52)
    csv = "设备编号,设备类型,辖区代码,经度,纬度\nEL-C-1,电梯监测终端,44030400100101,114.02,22.51\n"
    result = DeviceTable(cast.officer_a).import_file(csv.encode(), "devices.csv")
    assert not result.ok and result.errors[0].row == 2
    assert Device.objects.get(code="EL-C-1").jurisdiction == cast.community_c


def test_every_endpoint_answers_another_community_as_if_the_device_did_not_exist(cast):
    found = device(cast.grid_a1, "EL-A-1")
    DeviceMessage.objects.create(device=found, jurisdiction=found.jurisdiction, device_code="EL-A-1", message_id="1",
                                 transport=Transport.MQTT, received_at=found.created_at, kind=MessageKind.HEARTBEAT,
                                 accepted=True)
    c = api_client(cast.officer_c)
    for url in [f"{API}/devices/EL-A-1", f"{API}/devices/EL-A-1/messages", f"{API}/devices/EL-A-1/readings",
                f"{API}/devices/EL-A-1/history"]:
        assert c.get(url).status_code == 404, url
    assert c.patch(f"{API}/devices/EL-A-1", {"building": "x"}, content_type="application/json").status_code == 404
    assert c.delete(f"{API}/devices/EL-A-1").status_code == 404
    assert c.post(f"{API}/devices/EL-A-1/secret").status_code == 404
    assert c.get(f"{API}/devices").json()["count"] == 0
    assert json.loads(c.get(f"{API}/devices.geojson").content)["features"] == []
    assert b"EL-A-1" not in c.get(f"{API}/devices/export").getvalue()
    web = web_client(cast.officer_c)
    assert web.get("/iot/devices/EL-A-1/").status_code == 404
    assert "EL-A-1" not in web.get("/iot/").content.decode()
    # Community A's officer sees it everywhere, with its messages.
    a = api_client(cast.officer_a)
    assert a.get(f"{API}/devices").json()["count"] == 1
    assert a.get(f"{API}/devices/EL-A-1/messages").json()["count"] == 1
    assert json.loads(a.get(f"{API}/devices.geojson").content)["features"][0]["properties"]["state"] == "normal"


def test_pages_show_the_registry_and_a_device(cast):
    device(cast.grid_a1, "HY-A-1", DeviceKind.HYDRANT, low_threshold=0.1, building="<b>栋</b>")
    web = web_client(cast.officer_a)
    page = web.get("/iot/").content.decode()
    assert "HY-A-1" in page and "消火栓压力传感器" in page and "<b>栋</b>" not in page
    detail = web.get("/iot/devices/HY-A-1/").content.decode()
    assert "HY-A-1" in detail and "&lt;b&gt;栋&lt;/b&gt;" in detail
    assert web.get("/iot/alarms/").status_code == 200
    assert web.get("/iot/export.xlsx").status_code == 200


def test_the_import_page_reports_errors_and_imports(cast):
    web = web_client(cast.officer_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = "设备编号,设备类型,辖区代码,经度,纬度\nFL-A-1,消防通道传感器,44030400100101,114.02,22.51\n"
    response = web.post("/iot/import/", {"file": SimpleUploadedFile("d.csv", good.encode())}, follow=True)
    assert "1" in response.content.decode() and Device.objects.filter(code="FL-A-1").exists()
    bad = "设备编号,设备类型,辖区代码,经度,纬度\nFL-A-2,消防通道传感器,44030400100101,500,22.51\n"
    response = web.post("/iot/import/", {"file": SimpleUploadedFile("d.csv", bad.encode())}, follow=True)
    assert "经度" in response.content.decode() and not Device.objects.filter(code="FL-A-2").exists()


def test_alarms_are_seen_only_in_their_scope(cast):
    import json as _json

    from django.utils import timezone

    from yingji.iot.ingest import Incoming, ingest
    from yingji.iot.models import Alarm

    device(cast.grid_a1, "EL-A-1", lon=114.02, lat=22.51)
    body = {"id": "1", "ts": timezone.now().isoformat(), "type": "alarm", "alarm": "entrapment"}
    ingest([Incoming(topic=f"t/{cast.grid_a1.code}/elevator/EL-A-1", payload=_json.dumps(body).encode())], prefix="t")
    alarm = Alarm.objects.get()
    c = api_client(cast.officer_c)
    assert c.get(f"{API}/alarms/{alarm.pk}").status_code == 404
    assert c.get(f"{API}/alarms").json()["count"] == 0
    assert "EL-A-1" not in web_client(cast.officer_c).get("/iot/alarms/").content.decode()
    a = api_client(cast.officer_a)
    shown = a.get(f"{API}/alarms/{alarm.pk}").json()
    assert shown["device"] == "EL-A-1" and shown["alarm_label"] == "电梯困人" and shown["incident"] == alarm.incident_id
    assert a.get(f"{API}/alarms", {"device": "EL-A-1"}).json()["count"] == 1
    assert "电梯困人" in web_client(cast.officer_a).get("/iot/alarms/").content.decode()
