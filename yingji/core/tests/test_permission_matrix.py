"""Every role × own subtree / sibling subtree / ancestor, over every foundation endpoint, API and web.

The expectations are written out by hand from the cast (see core/testing.py),
not computed by the code under test. Capability apps keep their own matrices.
"""

from __future__ import annotations

import pytest

from yingji.core.testing import api_client, web_client

ROLES = ["commander", "street_officer", "officer_a", "keeper_a", "responder_a", "grid_worker_a", "expert", "auditor"]
TARGETS = ["own", "sibling", "ancestor"]  # community A, community B, street S1 (for a community A user)

# Who sees what: district-wide roles see all three; the street officer sits on S1;
# community A roles see A only; the grid worker sits below A and sees none of them.
SEES = {
    "commander": {"own", "sibling", "ancestor"},
    "expert": {"own", "sibling", "ancestor"},
    "auditor": {"own", "sibling", "ancestor"},
    "street_officer": {"own", "sibling", "ancestor"},
    "officer_a": {"own"},
    "keeper_a": {"own"},
    "responder_a": {"own"},
    "grid_worker_a": set(),
}
# Only the district changes the jurisdiction tree.
CHANGES = {"commander": {"own", "sibling", "ancestor"}}


def target_jurisdiction(cast, target: str):  # type: ignore[no-untyped-def]
    return {"own": cast.community_a, "sibling": cast.community_b, "ancestor": cast.street_1}[target]


def target_user(cast, target: str):  # type: ignore[no-untyped-def]
    return {"own": cast.officer_a, "sibling": cast.officer_b, "ancestor": cast.street_officer}[target]


def expected_read(role: str, target: str) -> int:
    return 200 if target in SEES[role] else 404


def expected_write(role: str, target: str, ok: int) -> int:
    if target in CHANGES.get(role, set()):
        return ok
    return 403 if target in SEES[role] else 404


MATRIX = [(role, target) for role in ROLES for target in TARGETS]


@pytest.mark.parametrize("role,target", MATRIX)
def test_api_read_jurisdiction(cast, role, target):
    code = target_jurisdiction(cast, target).code
    client = api_client(getattr(cast, role))
    assert client.get(f"/api/v1/jurisdictions/{code}").status_code == expected_read(role, target)
    assert client.get(f"/api/v1/jurisdictions/{code}/history").status_code == expected_read(role, target)
    listed = {i["code"] for i in client.get("/api/v1/jurisdictions/", {"page_size": 500}).json()["items"]}
    assert (code in listed) == (target in SEES[role])
    geo = {f["properties"]["code"] for f in client.get("/api/v1/jurisdictions/geojson").json()["features"]}
    assert (code in geo) == (target in SEES[role])


@pytest.mark.parametrize("role,target", MATRIX)
def test_api_write_jurisdiction(cast, role, target):
    code = target_jurisdiction(cast, target).code
    client = api_client(getattr(cast, role))
    response = client.patch(f"/api/v1/jurisdictions/{code}", {"population": 7}, content_type="application/json")
    assert response.status_code == expected_write(role, target, 200)
    if response.status_code != 200:
        assert target_jurisdiction(cast, target).__class__.objects.get(code=code).population != 7


@pytest.mark.parametrize("role,target", MATRIX)
def test_web_jurisdiction_pages(cast, role, target):
    code = target_jurisdiction(cast, target).code
    client = web_client(getattr(cast, role))
    assert client.get(f"/jurisdictions/{code}/").status_code == expected_read(role, target)
    assert client.get(f"/jurisdictions/{code}/edit/").status_code == expected_write(role, target, 200)
    response = client.post(f"/jurisdictions/{code}/edit/", {"name": "改", "population": 1, "households": 1})
    assert response.status_code == expected_write(role, target, 302)


@pytest.mark.parametrize("role,target", MATRIX)
def test_api_and_web_users(cast, role, target):
    user = target_user(cast, target)
    if getattr(cast, role) == user:
        pytest.skip("one's own record")
    assert api_client(getattr(cast, role)).get(f"/api/v1/accounts/users/{user.pk}").status_code == \
        expected_read(role, target)
    listed = web_client(getattr(cast, role)).get("/accounts/users/", {"q": user.username}).content.decode()
    assert (f"<td>{user.username}</td>" in listed) == (target in SEES[role])


@pytest.mark.parametrize("role,target", MATRIX)
def test_api_audit_changes(cast, role, target):
    from yingji.jurisdictions import services

    jurisdiction = target_jurisdiction(cast, target)
    services.update_jurisdiction(jurisdiction, actor=cast.superuser, population=99)
    changes = api_client(getattr(cast, role)).get("/api/v1/audit/changes",
                                                  {"model": "jurisdictions.jurisdiction"}).json()["items"]
    assert (str(jurisdiction.pk) in {c["object_id"] for c in changes}) == (target in SEES[role])


@pytest.mark.parametrize("role", ROLES)
def test_anonymous_and_every_role_reach_only_what_they_should_on_exports(cast, role):
    from io import BytesIO

    import openpyxl

    response = api_client(getattr(cast, role)).get("/api/v1/jurisdictions/export")
    codes = {row[0] for row in openpyxl.load_workbook(BytesIO(response.getvalue())).active.iter_rows(
        min_row=2, values_only=True)}
    # Exports need the export permission: district admin, street officer, community staff, auditor.
    exporting = {"commander", "street_officer", "officer_a", "auditor"}
    if role not in exporting:
        assert codes == set()
    else:
        for target in TARGETS:
            assert (target_jurisdiction(cast, target).code in codes) == (target in SEES[role])
