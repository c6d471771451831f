"""What a request may hold is what the OpenAPI document says, no more: text without NUL, dates and
times as ISO 8601 text, numbers not true or false, files as files.

Generated from the document where it can be (every list's date and time filters, every request
string), so an operation added later is covered too; found by the API fuzz (test_api_fuzz.py), whose
positive-data check sent NUL the document allowed and whose negative-data check had `?updated_since=0.5`
list everything and a batch intake take `received_at: 0` for 1970 and `lat: false` for 0.
"""

from __future__ import annotations

import json
import re

import pytest

from yingji.core.api import NO_NUL
from yingji.core.testing import api_client

pytestmark = pytest.mark.django_db


def _document() -> dict:
    from yingji.api import api

    return api.get_openapi_schema()


def _branches(schema: dict) -> list[dict]:
    return schema.get("anyOf", [schema])


def _query_parameters(document: dict, formats: set[str]) -> list[tuple[str, str, str]]:
    found = []
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and any(b.get("format") in formats for b in _branches(parameter["schema"])):
                found.append((path, parameter["name"], next(b["format"] for b in _branches(parameter["schema"])
                                                              if b.get("format") in formats)))
    return found


def _refuses_nul(pattern: str) -> bool:
    """A pattern that no text holding NUL matches: anchored, no `.`, no \\S \\W \\D outside a class,
    and every negated class names NUL (the patterns of the document: NO_NUL, NOT_BLANK, a bbox, a
    month, base64url)."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return False
    classes = re.findall(r"\[(\^?)((?:[^\]\\]|\\.)*)\]", pattern)
    outside = re.sub(r"\[(?:[^\]\\]|\\.)*\]", "", pattern)
    if re.search(r"(?<!\\)\.|\\[SWD]", outside):
        return False
    return all(not negated or "\\x00" in body for negated, body in classes) and all(
        "\\x00" not in body for negated, body in classes if not negated)


def test_the_nul_rule_of_patterns_is_read_right():
    assert _refuses_nul(NO_NUL) and _refuses_nul("^[^\\x00]*[^\\s\\x00][^\\x00]*$")
    assert _refuses_nul("^\\d{4}-\\d{2}$") and _refuses_nul("^[A-Za-z0-9_=-]+$")
    assert not _refuses_nul("^.*$") and not _refuses_nul("^[^a]*$") and not _refuses_nul("^\\S+$")
    assert not _refuses_nul("[^\\x00]*")


def test_every_string_of_a_request_is_declared_free_of_nul():
    document = _document()
    plain = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                for branch in _branches(parameter["schema"]):
                    if branch.get("type") == "string" and not {"format", "enum", "pattern"} & set(branch):
                        plain.append((method, path, parameter["name"]))
                    if branch.get("type") == "string" and "format" not in branch and "enum" not in branch:
                        assert _refuses_nul(branch.get("pattern", "")), (method, path, branch)
    assert not plain, plain
    # Bodies too, through their components: a station's name, and a hazard's multipart title.
    station = document["components"]["schemas"]["StationIn"]["properties"]["name"]
    assert station["pattern"] == NO_NUL
    form = document["paths"]["/api/v1/hazards/hazards"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert form["schema"]["properties"]["title"]["pattern"] == NO_NUL


def test_a_nul_in_a_multipart_text_field_is_refused_and_nothing_is_reported(cast):
    from yingji.hazards.models import Hazard

    answer = api_client(cast.grid_worker_a).post("/api/v1/hazards/hazards", {
        "title": "墙体\x00开裂", "description": "", "category": "other", "lon": "114.05", "lat": "22.52"})
    assert answer.status_code == 422, answer.content[:300]
    assert answer.json()["errors"][0]["field"] == "title"
    assert not Hazard.objects.exists()


def test_a_number_for_a_date_or_a_time_is_refused_on_every_list(cast):
    parameters = _query_parameters(_document(), {"date-time", "date"})
    assert len(parameters) > 15, parameters
    client = api_client(cast.commander)
    for path, name, _format in parameters:
        for number in ("0.5", "0", "1700000000"):
            answer = client.get(path, {name: number})
            assert answer.status_code == 422, (path, name, number, answer.status_code, answer.content[:200])
            assert [e["field"] for e in answer.json()["errors"]] == [name], (path, name, answer.json())
    # ISO 8601 text still reads.
    assert client.get("/api/v1/accounts/users", {"updated_since": "2026-12-01T10:00:00"}).status_code == 200
    assert client.get("/api/v1/hazards/inspections/compliance", {"week": "2026-12-01"}).status_code == 200


@pytest.mark.parametrize(("field", "value"), [("received_at", 0), ("received_at", "1700000000"),
                                              ("lat", False), ("lon", True)])
def test_a_json_value_of_another_type_than_documented_is_refused(cast, field, value):
    from yingji.incidents.models import Incident

    call = {"type_code": "fire.building", "channel": "api", "severity": "iv", "lon": 114.05, "lat": 22.52,
            "address": "福田区", "description": "", "received_at": "2026-12-01T10:00:00", field: value}
    answer = api_client(cast.commander).post("/api/v1/incidents/batch", json.dumps({"incidents": [call]}),
                                             content_type="application/json")
    assert answer.status_code == 422, answer.content[:300]
    assert [e["field"] for e in answer.json()["errors"]] == [f"incidents.0.{field}"], answer.json()
    assert not Incident.objects.exists()


def test_text_sent_under_a_file_s_name_is_refused(cast):
    from yingji.hazards.models import Hazard

    answer = api_client(cast.grid_worker_a).post("/api/v1/hazards/hazards", {
        "title": "墙体开裂", "description": "", "category": "other", "lon": "114.05", "lat": "22.52", "photos": "abc"})
    assert answer.status_code == 422, answer.content[:300]
    assert [e["field"] for e in answer.json()["errors"]] == ["photos"], answer.json()
    assert not Hazard.objects.exists()
