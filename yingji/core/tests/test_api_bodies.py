"""A JSON body that is not an object, sent where an operation takes an object, answers 422 naming the body.

Generated from the OpenAPI document: every PATCH, POST and PUT whose JSON body is a schema
is called with `[]`, `"x"`, `3` and `null`, so an operation added later is covered too.
"""

from __future__ import annotations

import json
import re

import pytest

from yingji.core.testing import api_client

pytestmark = pytest.mark.django_db

NOT_OBJECTS = ["[]", '"x"', "3", "null"]


def object_body_operations() -> list[tuple[str, str]]:
    from yingji.api import api

    document = api.get_openapi_schema()
    found = []
    for path, item in document["paths"].items():
        for method in ("patch", "post", "put"):
            operation = item.get(method)
            if not operation or "requestBody" not in operation:
                continue
            schema = operation["requestBody"].get("content", {}).get("application/json", {}).get("schema", {})
            ref = schema.get("$ref")
            if ref is None:
                continue  # a list body (plans' steps) or a file upload
            component = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            if component.get("type", "object") == "object":
                found.append((method, path))
    return sorted(found)


def test_every_patch_of_the_document_is_checked():
    patches = [path for method, path in object_body_operations() if method == "patch"]
    # Every PATCH operation of the document takes an object body (none escapes the test below).
    from yingji.api import api

    document = api.get_openapi_schema()
    all_patches = [path for path, item in document["paths"].items() if "patch" in item]
    assert len(all_patches) >= 14 and sorted(patches) == sorted(all_patches)


def test_a_body_that_is_not_an_object_answers_422_on_every_operation(cast):
    client = api_client(cast.commander)
    operations = object_body_operations()
    assert len(operations) > 40
    for method, path in operations:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for body in NOT_OBJECTS:
            response = getattr(client, method)(url, body, content_type="application/json")
            assert response.status_code == 422, (method, path, body, response.status_code, response.content[:300])
            answer = response.json()
            assert {"detail", "code", "errors"} <= set(answer) and answer["code"] == "invalid", (method, path)
            # The body is named (a required query parameter missing at once may be named beside it).
            assert "body" in [e["field"] for e in answer["errors"]], (method, path, body, answer)


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_patch_that_is_not_an_object_changes_nothing(cast, body):
    from yingji.jurisdictions.models import Jurisdiction
    from yingji.supplies.models import Warehouse

    client = api_client(cast.commander)
    community = cast.community_a
    before = Jurisdiction.objects.values().get(pk=community.pk)
    response = client.patch(f"/api/v1/jurisdictions/{community.code}", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "请求内容必须是 JSON 对象。"}]
    assert Jurisdiction.objects.values().get(pk=community.pk) == before

    created = client.post("/api/v1/supplies/warehouses/", json.dumps({
        "code": "WH-BODY", "name": "物资库", "level": "community", "jurisdiction": community.code, "lon": 114.01, "lat": 22.51,
    }), content_type="application/json")
    assert created.status_code == 201, created.content[:300]
    before = Warehouse.objects.values().get(code="WH-BODY")
    response = client.patch("/api/v1/supplies/warehouses/WH-BODY", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body"
    assert Warehouse.objects.values().get(code="WH-BODY") == before


def test_an_object_body_still_works(cast):
    client = api_client(cast.commander)
    community = cast.community_a
    response = client.patch(f"/api/v1/jurisdictions/{community.code}", json.dumps({"name": "新名社区"}),
                            content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["name"] == "新名社区"


def test_an_unknown_field_is_refused_by_name_on_every_operation(cast):
    """A misspelt field was dropped without a word and the record saved without it: now every JSON
    body names each field it does not take, nested ones by their path, and changes nothing."""
    from yingji.jurisdictions.models import Jurisdiction

    client = api_client(cast.commander)
    for method, path in object_body_operations():
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = getattr(client, method)(url, json.dumps({"no_such_field_x": 1}), content_type="application/json")
        if response.status_code in (404, 403, 405):
            continue  # the id 1 names nothing here: the body is never read
        assert response.status_code == 422, (method, path, response.status_code, response.content[:300])
        assert "no_such_field_x" in [e["field"] for e in response.json()["errors"]], (method, path)

    community = cast.community_a
    before = Jurisdiction.objects.values().get(pk=community.pk)
    response = client.patch(f"/api/v1/jurisdictions/{community.code}",
                            json.dumps({"name": "新名社区", "adress": "福田"}), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "adress", "message": "未知字段：请求中没有这一项（请检查字段名）。"}]
    assert Jurisdiction.objects.values().get(pk=community.pk) == before


def test_the_document_says_request_objects_take_no_other_fields():
    from yingji.api import api

    document = api.get_openapi_schema()
    component = document["components"]["schemas"]["JurisdictionIn"]
    assert component["additionalProperties"] is False
    multipart = [media["schema"] for item in document["paths"].values() for op in item.values()
                 if isinstance(op, dict) for kind, media in op.get("requestBody", {}).get("content", {}).items()
                 if kind == "multipart/form-data" and "properties" in media["schema"]]
    assert multipart and all(schema["additionalProperties"] is False for schema in multipart)
