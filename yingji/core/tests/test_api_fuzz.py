"""Property-based API fuzzing from the OpenAPI document (schemathesis).

Whatever a client sends — wrong types, missing fields, huge numbers, odd
strings — the API answers with a 4xx in the one error shape, never a 500, and
every answer conforms to the document: its status code is one the operation
declares, its content type, headers and body match what is declared. Runs over
every operation of every capability router, as the district commander (who may
reach all of them) and as community staff (refused or narrowed on most).

`make test` runs a few examples per operation (YINGJI_FUZZ_EXAMPLES, 4 by default).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from yingji.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXAMPLES = int(os.environ.get("YINGJI_FUZZ_EXAMPLES", "4"))
# Never a 500, and every answer as the document declares it: a declared status code, the declared
# content type and headers, a body matching the declared schema (errors: the one error shape).
# Not yet: negative_data_rejection and positive_data_acceptance (the schemas do not yet say every
# bound a service checks, nor does the API refuse every undeclared query parameter), allow_header_conformance.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():  # type: ignore[no-untyped-def]
    """Called as a plain WSGI app, Django would close the test's database connection after each
    request (request_finished -> close_old_connections); Django's own test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["commander", "officer_a"])
def token(request, cast) -> str:  # type: ignore[no-untyped-def]
    """As the district administrator (who reaches every operation) and as community staff (refused or
    narrowed on most): both must get answers the document declares, never a 500."""
    from yingji.accounts.models import ApiToken

    return ApiToken.issue(getattr(cast, request.param), "fuzz")[1]


@schema.parametrize()
# Derandomised: CI replays exactly the cases a developer's run passed; new cases come with new operations.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_the_api_never_answers_with_a_server_error(case, token):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"}
    response = case.call(headers=headers)
    case.validate_response(response, headers=headers, checks=CHECKS)
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        assert {"detail", "code", "errors"} <= set(body) or "ok" in body, body
