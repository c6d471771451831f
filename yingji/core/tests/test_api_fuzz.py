"""Property-based API fuzzing from the OpenAPI document (schemathesis), with all its checks.

Whatever a client sends — wrong types, missing fields, huge numbers, odd
strings — the API answers with a 4xx in the one error shape, never a 500, and
every answer conforms to the document: its status code is one the operation
declares, its content type, headers and body match what is declared. A request
the document calls invalid is refused (negative data); one it calls valid is
not refused with 422 (positive data), except by a rule the operation names in
its `x-refuses` (core.api.refuses: a rule across fields, a row that must exist,
an uploaded file's content) and only for the fields named there. Runs over
every operation of every capability router, as the district commander (who may
reach all of them) and as community staff (refused or narrowed on most).

`make test` runs a few examples per operation (YINGJI_FUZZ_EXAMPLES, 4 by default);
`.ci/run` runs 30.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from yingji.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# The test sends each user's token itself: schemathesis does not make up (nor break, in its negative
# cases) an Authorization header that the test then replaces, leaving a valid request judged as invalid.
schema.config.generation.update(with_security_parameters=False)
EXAMPLES = int(os.environ.get("YINGJI_FUZZ_EXAMPLES", "4"))


def _refused_by_a_stated_rule(case, response) -> bool:  # type: ignore[no-untyped-def]
    """A 422 whose every error names a field the operation's `x-refuses` lists (an import's 422, its
    rows' errors, when the operation lists its file)."""
    if response.status_code != 422:
        return False
    stated = {rule["field"] for rule in case.operation.definition.raw.get("x-refuses", [])}
    body = response.json()
    if "ok" in body:  # an import's ImportResultOut: the file's content was refused
        return "file" in stated
    fields = {error["field"] for error in body.get("errors", [])}
    return bool(fields) and fields <= stated


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
    # Every check schemathesis has; the positive-data one not where the operation states the rule.
    excluded = [positive_data_acceptance] if _refused_by_a_stated_rule(case, response) else []
    case.validate_response(response, headers=headers, excluded_checks=excluded)
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        assert {"detail", "code", "errors"} <= set(body) or "ok" in body, body
