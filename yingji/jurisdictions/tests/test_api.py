"""The jurisdiction API: lists, filters, CRUD, errors in the caller's language, history."""

from __future__ import annotations

import datetime

from django.test import Client
from django.utils import timezone

from yingji.audit.models import ChangeRecord
from yingji.core.testing import api_client
from yingji.jurisdictions.models import Jurisdiction

BASE = "/api/v1/jurisdictions/"


def test_it_lists_only_the_callers_subtree_with_pagination(cast):
    body = api_client(cast.street_officer).get(BASE, {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["items"]) == 2 and body["page"] == 1 and body["page_size"] == 2
    assert body["items"][0]["code"] == cast.street_1.code


def test_it_filters_by_subtree_text_level_and_update_time(cast):
    client = api_client(cast.commander)
    assert {i["code"] for i in client.get(BASE, {"jurisdiction": cast.community_a.code}).json()["items"]} == {
        cast.community_a.code, cast.grid_a1.code}
    assert [i["name"] for i in client.get(BASE, {"q": "B社区"}).json()["items"]] == ["B社区", "B社区第1网格"]
    assert client.get(BASE, {"level": "street"}).json()["count"] == 2
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert client.get(BASE, {"updated_since": later}).json()["count"] == 0


def test_it_refuses_a_filter_outside_the_callers_area(cast):
    body = api_client(cast.officer_a).get(BASE, {"jurisdiction": cast.community_b.code}).json()
    assert body["count"] == 0


def test_it_answers_404_for_a_sibling_community(cast):
    client = api_client(cast.officer_a)
    assert client.get(f"{BASE}{cast.community_b.code}").status_code == 404
    assert client.get(f"{BASE}{cast.community_b.code}/history").status_code == 404
    assert client.patch(f"{BASE}{cast.community_b.code}", {"name": "x"}, content_type="application/json").status_code == 404
    assert client.delete(f"{BASE}{cast.community_b.code}").status_code == 404


def test_the_commander_creates_updates_and_deletes_a_grid_and_each_write_is_audited(cast):
    client = api_client(cast.commander)
    created = client.post(BASE, {"code": "44030400100102", "name": "A社区第2网格", "level": "grid",
                                 "parent_code": cast.community_a.code, "population": 1200},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["path"] == f"{cast.community_a.path}44030400100102/"
    patched = client.patch(f"{BASE}44030400100102", {"population": 1500}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["population"] == 1500
    history = client.get(f"{BASE}44030400100102/history").json()
    assert [h["action"] for h in history] == ["update", "create"]
    assert history[0]["actor"] == "commander"
    assert [(c["field"], c["old"], c["new"]) for c in history[0]["changes"]] == [("population", 1200, 1500)]
    assert client.delete(f"{BASE}44030400100102").status_code == 204
    assert not Jurisdiction.objects.filter(code="44030400100102").exists()
    record = ChangeRecord.objects.filter(object_repr="A社区第2网格", action="delete").get()
    assert record.actor == cast.commander and record.source == "api" and record.ip_address == "127.0.0.1"
    assert record.jurisdiction_path.startswith(cast.community_a.path)


def test_a_community_officer_may_not_change_the_tree(cast):
    client = api_client(cast.officer_a)
    response = client.patch(f"{BASE}{cast.community_a.code}", {"name": "改名"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Jurisdiction.objects.get(pk=cast.community_a.pk).name == "A社区"


def test_errors_name_the_field_in_chinese_by_default_and_english_on_request(cast):
    payload = {"code": "123", "level": "community", "parent_code": cast.street_1.code}
    zh = api_client(cast.commander).post(BASE, payload, content_type="application/json")
    assert zh.status_code == 422
    assert zh.json()["errors"] == [{"field": "name", "message": "这个字段是必填项。"}]
    payload["name"] = "新社区"
    en = api_client(cast.commander, language="en").post(BASE, payload, content_type="application/json")
    body = en.json()
    assert en.status_code == 422
    assert body["errors"][0]["field"] == "code"
    assert "twelve digits" in body["errors"][0]["message"]
    assert Jurisdiction.objects.filter(name="新社区").count() == 0


def test_a_community_code_must_nest_in_its_street(cast):
    response = api_client(cast.commander, language="en").post(
        BASE, {"code": "440304009001", "name": "错位社区", "level": "community", "parent_code": cast.street_1.code},
        content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"
    assert "440304001" in response.json()["errors"][0]["message"]


def test_a_level_must_hang_under_the_level_above(cast):
    response = api_client(cast.commander, language="en").post(
        BASE, {"code": "44030400100199", "name": "网格", "level": "grid", "parent_code": cast.street_1.code},
        content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "parent"


def test_deleting_a_jurisdiction_with_children_is_refused(cast):
    response = api_client(cast.commander).delete(f"{BASE}{cast.community_a.code}")
    assert response.status_code == 422
    assert Jurisdiction.objects.filter(pk=cast.community_a.pk).exists()


def test_an_invalid_boundary_is_refused_with_the_reason(cast):
    bowtie = {"type": "Polygon", "coordinates": [[[114, 22.5], [114.01, 22.51], [114.01, 22.5], [114, 22.51], [114, 22.5]]]}
    response = api_client(cast.commander, language="en").patch(
        f"{BASE}{cast.community_a.code}", {"boundary": bowtie}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "boundary"
    assert "Self-intersection" in response.json()["errors"][0]["message"]


def test_the_geojson_layer_is_scoped(cast):
    features = api_client(cast.officer_a).get(f"{BASE}geojson").json()["features"]
    assert {f["properties"]["code"] for f in features} == {cast.community_a.code, cast.grid_a1.code}
    assert features[0]["geometry"]["type"] == "Polygon"


def test_unauthenticated_calls_get_401_in_the_one_error_shape(db):
    response = Client().get(BASE)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code", "errors"}


def test_the_openapi_document_and_docs_page_are_served(cast):
    client = api_client(cast.commander)
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/jurisdictions/" in schema["paths"]
    assert client.get("/api/v1/docs").status_code in (200, 302)


def test_an_absurdly_large_id_is_404_not_a_crash(cast):
    response = api_client(cast.commander).get("/api/v1/audit/changes", {"object_id": "1"})
    assert response.status_code == 200
    huge = api_client(cast.commander).get(f"/api/v1/accounts/users/{10**30}")
    assert huge.status_code in (404, 422)
