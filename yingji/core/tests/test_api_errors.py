"""Every API error in the one JSON shape, and no bad input answering 5xx.

Generated where it can be: every GET operation of the OpenAPI document without a
path parameter is called with a NUL character in `q`; every unknown path under
/api/v1/ answers 404 in the shape; an unexpected failure answers 500 in it.
"""

from __future__ import annotations

import datetime
import json
from unittest import mock

import pytest
from django.test import Client

from yingji.core.testing import api_client

pytestmark = pytest.mark.django_db

SHAPE = {"detail", "code", "errors"}


def assert_shape(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert SHAPE <= set(body) and body["detail"], body
    return body


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/incidents/nope/deeper", "/api/v1/", "/api/v2/x"])
def test_an_unknown_api_path_answers_404_in_the_shape(cast, path):
    body = assert_shape(api_client(cast.commander).get(path), 404)
    assert body["code"] == "not_found"


def test_an_unexpected_failure_answers_500_in_the_shape(cast):
    client = api_client(cast.commander)
    client.raise_request_exception = False
    with mock.patch("yingji.audit.models.ChangeRecord.objects.visible_to", side_effect=RuntimeError("boom")):
        body = assert_shape(client.get("/api/v1/audit/changes"), 500)
    assert body["code"] == "server_error" and "boom" not in json.dumps(body)


def get_operations_without_path_parameters() -> list[str]:
    from yingji.api import api

    document = api.get_openapi_schema()
    return sorted(path for path, item in document["paths"].items() if "get" in item and "{" not in path)


def test_a_nul_in_any_query_parameter_answers_422_on_every_list(cast):
    client = api_client(cast.commander)
    paths = get_operations_without_path_parameters()
    assert len(paths) > 40
    for path in paths:
        response = client.get(path, {"q": "a\x00b"})
        body = assert_shape(response, 422)
        assert body["errors"][0]["field"] == "q", path


def test_a_nul_in_a_json_body_answers_422(cast):
    client = api_client(cast.commander)
    body = json.dumps({"type_code": "91200", "address": "路\u0000口"})
    assert_shape(client.post("/api/v1/incidents/", body, content_type="application/json"), 422)


def test_a_nul_in_the_public_report_form_is_refused(db):
    from urllib.parse import urlencode

    from yingji.incidents.models import Incident

    form = {"address": "路\x00口", "type_code": "91200", "reporter_phone": "13800001234"}
    response = Client().post("/incidents/report/", urlencode(form), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    response = Client().post("/incidents/report/", form)  # multipart: the form's own validation
    assert response.status_code < 500 and not Incident.objects.exists()


def test_a_body_over_the_limit_answers_413_in_the_shape(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"type_code": "91200", "description": "长" * 2000})
    result = assert_shape(api_client(cast.commander).post("/api/v1/incidents/", body,
                                                          content_type="application/json"), 413)
    assert result["code"] == "too_large"


def test_a_time_without_offset_is_read_as_beijing_time(cast):
    from yingji.incidents.models import Incident

    client = api_client(cast.street_officer)
    payload = {"type_code": "91200", "lon": 114.02, "lat": 22.52, "received_at": "2026-12-01T10:00:00"}
    response = client.post("/api/v1/incidents/", json.dumps(payload), content_type="application/json")
    assert response.status_code in (200, 201), response.content
    incident = Incident.objects.latest("pk")
    assert incident.received_at == datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)


def test_a_value_past_what_the_database_holds_is_a_client_error(cast):
    client = api_client(cast.commander)
    client.raise_request_exception = False
    from django.db import DataError

    with mock.patch("yingji.audit.models.ChangeRecord.objects.visible_to",
                    side_effect=DataError("integer out of range")):
        assert_shape(client.get("/api/v1/audit/changes"), 422)
