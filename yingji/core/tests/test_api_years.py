"""Every `year` a client sends is the one bounded type (core.api.Year, 1900–2999).

Generated from the OpenAPI document: every operation with a `year` query parameter is called
with a year out of range and answers 422 naming `year`, so a new one is covered too.
"""

from __future__ import annotations

import re

import pytest

from yingji.core.testing import api_client

pytestmark = pytest.mark.django_db


def year_operations() -> list[tuple[str, str]]:
    from yingji.api import api

    document = api.get_openapi_schema()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            if any(p.get("in") == "query" and p.get("name") == "year" for p in operation.get("parameters", [])):
                found.append((method, path))
    return sorted(found)


def test_every_year_parameter_is_the_bounded_type():
    from yingji.api import api

    document = api.get_openapi_schema()
    operations = year_operations()
    # assessments, drills, training, publicity and incidents' stats at least
    assert len(operations) >= 13, operations
    for method, path in operations:
        (param,) = [p for p in document["paths"][path][method]["parameters"] if p["name"] == "year"]
        schema = param["schema"]
        bounds = [schema] + schema.get("anyOf", [])
        # core.api.Year (1900–2999, what a date column holds), or narrower where a service says so
        # (assessment periods and publicity: 2000–2100).
        assert any(s.get("minimum", 0) >= 1900 and s.get("maximum", 10**9) <= 2999 for s in bounds), (
            method, path, schema)


@pytest.mark.parametrize("year", ["1899", "3000", "-285142866"])
def test_a_year_out_of_range_answers_422_naming_year_on_every_endpoint(cast, year):
    client = api_client(cast.commander)
    for method, path in year_operations():
        url = re.sub(r"\{[^}]+\}", "1", path)
        if method == "get":
            response = client.get(url, {"year": year})
        else:
            response = getattr(client, method)(f"{url}?year={year}", "{}", content_type="application/json")
        assert response.status_code == 422, (method, path, response.status_code, response.content[:300])
        body = response.json()
        assert {"detail", "code", "errors"} <= set(body), (method, path)
        assert "year" in [e["field"] for e in body["errors"]], (method, path, body)


def test_a_year_in_range_is_taken(cast):
    client = api_client(cast.commander)
    for path in ("/api/v1/drills/compliance", "/api/v1/training/coverage", "/api/v1/incidents/stats"):
        response = client.get(path, {"year": "2026"})
        assert response.status_code == 200, (path, response.content[:300])
