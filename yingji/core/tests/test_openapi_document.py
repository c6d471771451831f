"""The OpenAPI document says what the API answers: the one error shape on every operation, and each
schema under a name of its own (issue 12)."""

from __future__ import annotations

import pytest
from ninja import Router, Schema

ERROR = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture(scope="module")
def document():  # type: ignore[no-untyped-def]
    from yingji.api import api

    return api.get_openapi_schema()


def operations(document):  # type: ignore[no-untyped-def]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_declares_the_error_shape_for_every_error_status(document) -> None:  # type: ignore[no-untyped-def]
    seen = 0
    for name, operation in operations(document):
        for status in ("400", "401", "403", "404", "409", "413", "422", "429", "500"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == ERROR or ERROR in schema.get("anyOf", []), (name, status, schema)
        seen += 1
    assert seen > 200
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"detail", "code"}


def test_an_import_documents_its_rows_errors_as_its_422(document) -> None:  # type: ignore[no-untyped-def]
    result = {"$ref": "#/components/schemas/ImportResultOut"}
    imports = [(name, op) for name, op in operations(document)
               if op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema") == result]
    assert len(imports) >= 11
    for name, operation in imports:
        schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
        assert result in schema["anyOf"] and ERROR in schema["anyOf"], name


def test_two_schemas_of_one_name_are_told() -> None:
    from yingji.api import YingjiAPI

    def step_in(field: str) -> type[Schema]:
        return type("StepIn", (Schema,), {"__annotations__": {field: str}})

    api = YingjiAPI(urls_namespace="collision-test")
    for app, field in (("one", "note"), ("two", "reason")):
        router = Router()
        schema = step_in(field)

        def post(request, payload):  # type: ignore[no-untyped-def]
            return {}

        post.__annotations__ = {"payload": schema, "return": dict}  # (annotations here are strings)

        router.post("/step", operation_id=f"{app}_step")(post)
        api.add_router(f"/{app}/", router)
    assert api.get_openapi_schema(path_prefix="").collisions == {"StepIn"}


def test_the_api_document_names_each_schema_once(document) -> None:  # type: ignore[no-untyped-def]
    assert not document.collisions, f"rename one of each: {sorted(document.collisions)}"
    names = document["components"]["schemas"]
    for renamed in ("EquipmentMaintenanceIn", "LotMaintenanceIn", "ResponderStepIn", "WarningStepIn", "DutyStepIn",
                    "AllocationStepIn"):
        assert renamed in names, renamed
    assert "MaintenanceIn" not in names and "StepIn" not in names


@pytest.mark.django_db
def test_an_exact_path_is_not_caught_by_a_parameterised_one_declared_before_it(cast) -> None:  # type: ignore[no-untyped-def]
    """POST /messaging/inbox/read-all was answered 405 by GET /messaging/inbox/{pk}, declared first."""
    from yingji.core.testing import api_client

    client = api_client(cast.commander)
    assert client.post("/api/v1/messaging/inbox/read-all", "{}", content_type="application/json").status_code == 200
    assert client.post("/api/v1/publicity/events/import").status_code == 422  # no file: a field error, not 405
