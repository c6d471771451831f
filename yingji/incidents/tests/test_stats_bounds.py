"""A year the database cannot hold is a field error in the one shape, not a 500 (found by the API fuzz)."""

from __future__ import annotations

import pytest

from yingji.core.testing import api_client

pytestmark = pytest.mark.django_db


def test_a_year_out_of_range_is_a_field_error(cast):
    client = api_client(cast.commander)
    for year in (-285142866, 0, 10**6):
        answer = client.get("/api/v1/incidents/stats", {"year": year})
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "year", (year, answer.content)
    assert client.get("/api/v1/incidents/stats", {"year": 2026}).status_code == 200
