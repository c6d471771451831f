"""Issue 13: the user management pages and API — scope refusals (404 out of sight, 403 in sight but
not one's to manage), a community's staff kept out, a street kept to its communities and its rank,
bad input named by field, every change audited."""

from __future__ import annotations

import pytest

from yingji.accounts.models import Membership, User
from yingji.accounts.roles import Role
from yingji.audit.models import ChangeRecord
from yingji.core.testing import api_client, make_user, web_client

pytestmark = pytest.mark.django_db

PAGES = ["/accounts/users/{pk}/", "/accounts/users/{pk}/edit/"]
POSTS = ["/accounts/users/{pk}/active/", "/accounts/users/{pk}/password/", "/accounts/users/{pk}/memberships/"]


def test_the_list_offers_management_only_to_those_who_manage(cast) -> None:  # type: ignore[no-untyped-def]
    street = web_client(cast.street_officer).get("/accounts/users/").content.decode()
    assert 'data-testid="user-create"' in street and "用户管理" in street
    assert f'href="/accounts/users/{cast.officer_a.pk}/"' in street
    assert f'href="/accounts/users/{cast.officer_c.pk}/"' not in street  # listed for the district, not the street
    assert f'href="/accounts/users/{cast.commander.pk}/"' not in street
    staff = web_client(cast.officer_a).get("/accounts/users/").content.decode()
    assert 'data-testid="user-create"' not in staff and 'data-testid="user-manage"' not in staff


def test_a_community_user_cannot_reach_the_management_pages(cast) -> None:  # type: ignore[no-untyped-def]
    client = web_client(cast.officer_a)
    assert client.get("/accounts/users/new/").status_code == 403
    for target, status in ((cast.keeper_a, 403), (cast.officer_c, 404)):  # a colleague in sight; someone out of it
        for url in PAGES:
            assert client.get(url.format(pk=target.pk)).status_code == status
        for url in POSTS:
            assert client.post(url.format(pk=target.pk), {"active": "0", "role": "grid_worker",
                                                          "jurisdiction": cast.grid_a1.pk}).status_code == status
    assert User.objects.get(pk=cast.keeper_a.pk).is_active
    assert cast.keeper_a.memberships.count() == 1


def test_an_out_of_scope_user_answers_404_to_a_street(cast) -> None:  # type: ignore[no-untyped-def]
    client = web_client(cast.street_officer)
    chief = make_user("chief", Role.DISTRICT_ADMIN, cast.community_a)  # in the street's sight, above the street
    for url in PAGES:
        assert client.get(url.format(pk=cast.officer_c.pk)).status_code == 404
        assert client.get(url.format(pk=cast.commander.pk)).status_code == 404
        assert client.get(url.format(pk=999_999)).status_code == 404
        assert client.get(url.format(pk=chief.pk)).status_code == 403
    membership = cast.officer_c.memberships.get()
    assert client.post(f"/accounts/users/{cast.officer_c.pk}/memberships/{membership.pk}/remove/").status_code == 404
    api = api_client(cast.street_officer)
    assert api.patch(f"/api/v1/accounts/users/{cast.officer_c.pk}", {"display_name": "改"},
                     content_type="application/json").status_code == 404
    assert api.post(f"/api/v1/accounts/users/{cast.officer_c.pk}/password", {},
                    content_type="application/json").status_code == 404
    assert api.get(f"/api/v1/accounts/users/{cast.officer_c.pk}/history").status_code == 404
    assert api.delete(f"/api/v1/accounts/memberships/{membership.pk}").status_code == 404
    assert User.objects.get(pk=cast.officer_c.pk).display_name == "officer_c"


def test_a_street_creates_a_user_from_the_page_with_a_one_time_password(cast) -> None:  # type: ignore[no-untyped-def]
    client = web_client(cast.street_officer)
    page = client.get("/accounts/users/new/").content.decode()
    form = page[page.index('data-testid="user-form"'):]
    assert cast.community_c.name not in form and cast.district.name not in form  # pickers limited to the street
    assert f"value=\"{Role.DISTRICT_ADMIN}\"" not in form and "区级管理员" not in form and "园岭街道" not in form
    created = client.post("/accounts/users/new/", {"username": "zhao6", "display_name": "赵六", "phone": "13700001111",
                                                   "role": Role.GRID_WORKER, "jurisdiction": cast.grid_b1.pk})
    user = User.objects.get(username="zhao6")
    assert created.status_code == 302 and created["Location"] == f"/accounts/users/{user.pk}/"
    page = client.get(created["Location"]).content.decode()
    assert 'data-testid="one-time-password"' in page and "赵六" in page
    assert 'data-testid="one-time-password"' not in client.get(created["Location"]).content.decode()  # shown once
    assert user.must_change_password and user.memberships.get().jurisdiction == cast.grid_b1
    assert ChangeRecord.objects.filter(object_id=str(user.pk), action="create",
                                       content_type__model="user").exists()


def test_bad_input_is_named_by_field_in_chinese_and_changes_nothing(cast) -> None:  # type: ignore[no-untyped-def]
    client = web_client(cast.street_officer)
    answer = client.post("/accounts/users/new/", {"username": "bad user!", "display_name": "", "phone": "12345",
                                                  "role": Role.DISTRICT_ADMIN, "jurisdiction": cast.community_c.pk})
    assert answer.status_code == 200
    errors = answer.context["form"].errors
    assert set(errors) >= {"display_name", "role", "jurisdiction"}
    edit = client.post(f"/accounts/users/{cast.officer_a.pk}/edit/", {"display_name": "甲", "phone": "1380013800"})
    assert edit.status_code == 200 and "11 位" in edit.content.decode()
    assert User.objects.get(pk=cast.officer_a.pk).display_name == "officer_a"
    assert not User.objects.filter(username="bad user!").exists()


def test_a_street_cannot_grant_a_district_role_or_in_another_street_from_the_page_or_the_api(cast) -> None:  # type: ignore[no-untyped-def]
    client = web_client(cast.street_officer)
    url = f"/accounts/users/{cast.officer_a.pk}/memberships/"
    client.post(url, {"role": Role.DISTRICT_ADMIN, "jurisdiction": cast.community_a.pk})
    client.post(url, {"role": Role.COMMUNITY_STAFF, "jurisdiction": cast.community_c.pk})
    api = api_client(cast.street_officer)
    api_url = f"/api/v1/accounts/users/{cast.officer_a.pk}/memberships"
    above = api.post(api_url, {"role": "district_admin", "jurisdiction_code": cast.community_a.code},
                     content_type="application/json")
    assert above.status_code == 422 and above.json()["errors"][0]["field"] == "role"
    elsewhere = api.post(api_url, {"role": "community_staff", "jurisdiction_code": cast.street_2.code},
                         content_type="application/json")
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "not_found"  # out of their sight
    assert list(cast.officer_a.memberships.values_list("role", flat=True)) == [Role.COMMUNITY_STAFF]
    added = client.post(url, {"role": Role.GRID_WORKER, "jurisdiction": cast.grid_b1.pk})
    assert added.status_code == 302
    assert cast.officer_a.memberships.filter(role=Role.GRID_WORKER, jurisdiction=cast.grid_b1).exists()


def test_edit_deactivate_reset_and_remove_from_the_pages_all_show_in_the_history(cast) -> None:  # type: ignore[no-untyped-def]
    client = web_client(cast.street_officer)
    pk = cast.keeper_a.pk
    assert client.post(f"/accounts/users/{pk}/edit/", {"display_name": "钱七", "phone": "13600002222"}).status_code == 302
    client.post(f"/accounts/users/{pk}/memberships/", {"role": Role.WAREHOUSE_KEEPER, "jurisdiction": cast.community_b.pk})
    first = Membership.objects.get(user_id=pk, jurisdiction=cast.community_a)
    assert client.post(f"/accounts/users/{pk}/memberships/{first.pk}/remove/").status_code == 302
    client.post(f"/accounts/users/{pk}/active/", {"active": "0"})
    client.post(f"/accounts/users/{pk}/password/", {"password": ""})
    user = User.objects.get(pk=pk)
    assert (user.display_name, user.phone, user.is_active, user.must_change_password) == ("钱七", "13600002222", False, True)
    assert list(user.memberships.values_list("jurisdiction__code", flat=True)) == [cast.community_b.code]
    page = client.get(f"/accounts/users/{pk}/").content.decode()
    history = page[page.index('data-testid="history"'):]
    for text in ("钱七", "仓库管理员", "B社区", "A社区", "岗位授权", str(cast.street_officer)):
        assert text in history
    api = api_client(cast.street_officer).get(f"/api/v1/accounts/users/{pk}/history").json()
    assert {c["field"] for row in api for c in row["changes"]} >= {"display_name", "is_active", "password", "role"}


def test_the_api_manages_users_in_the_one_error_shape(cast) -> None:  # type: ignore[no-untyped-def]
    api = api_client(cast.street_officer)
    created = api.post("/api/v1/accounts/users", {"username": "sun8", "display_name": "孙八", "role": "responder",
                                                  "jurisdiction_code": cast.community_b.code},
                       content_type="application/json")
    assert created.status_code == 201 and len(created.json()["one_time_password"]) == 14
    pk = created.json()["id"]
    wrong = api.patch(f"/api/v1/accounts/users/{pk}", {"phone": "0755"}, content_type="application/json")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "phone" and wrong.json()["detail"]
    off = api.patch(f"/api/v1/accounts/users/{pk}", {"is_active": False, "display_name": "孙八八"},
                    content_type="application/json")
    assert off.status_code == 200 and off.json()["is_active"] is False and off.json()["display_name"] == "孙八八"
    reset = api.post(f"/api/v1/accounts/users/{pk}/password", {"password": "Chosen-by-admin-1"},
                     content_type="application/json")
    assert reset.status_code == 200 and reset.json()["one_time_password"] == ""
    assert User.objects.get(pk=pk).check_password("Chosen-by-admin-1")
    refused = api.post("/api/v1/accounts/users", {"username": "boss", "display_name": "老板", "role": "district_admin",
                                                  "jurisdiction_code": cast.community_b.code},
                       content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "role"
    staff = api_client(cast.officer_a).patch(f"/api/v1/accounts/users/{cast.keeper_a.pk}", {"display_name": "x"},
                                             content_type="application/json")
    assert staff.status_code == 403 and staff.json()["code"]
