"""Issue 13: who manages whom. The district manages everyone in the district; a street manages the
people whose memberships all lie in its communities; nobody grants outside their jurisdiction or a
role above their own; a community's staff manage nobody. Every change is in the user's history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yingji.accounts import services
from yingji.accounts.models import ApiToken, Membership, User
from yingji.accounts.roles import Role
from yingji.audit.models import ChangeRecord
from yingji.core.testing import make_user

pytestmark = pytest.mark.django_db


def test_the_district_manages_everyone_but_the_superuser(cast) -> None:  # type: ignore[no-untyped-def]
    managed = set(services.users_managed_by(cast.commander).values_list("username", flat=True))
    assert {"officer_a", "officer_b", "officer_c", "street_officer", "grid_worker_a", "auditor"} <= managed
    assert "root" not in managed


def test_a_street_manages_the_people_of_its_communities_only(cast) -> None:  # type: ignore[no-untyped-def]
    managed = set(services.users_managed_by(cast.street_officer).values_list("username", flat=True))
    assert managed == {"street_officer", "officer_a", "officer_b", "keeper_a", "responder_a", "grid_worker_a"}
    # Someone who also holds a post in the other street is the district's to manage.
    Membership.objects.create(user=cast.officer_b, jurisdiction=cast.community_c, role=Role.COMMUNITY_STAFF)
    assert not services.may_manage(cast.street_officer, cast.officer_b)
    assert services.may_manage(cast.commander, cast.officer_b)


def test_community_staff_and_field_roles_manage_nobody(cast) -> None:  # type: ignore[no-untyped-def]
    for person in (cast.officer_a, cast.keeper_a, cast.grid_worker_a, cast.expert, cast.auditor):
        assert services.manage_grants(person) == []
        assert not services.users_managed_by(person).exists()
    with pytest.raises(PermissionDenied):
        services.create_user(actor=cast.officer_a, username="x1", display_name="某某", role=Role.GRID_WORKER,
                             jurisdiction=cast.grid_a1)
    with pytest.raises(PermissionDenied):  # a colleague in sight, not theirs to manage
        services.assign(actor=cast.officer_a, user=cast.keeper_a, role=Role.GRID_WORKER, jurisdiction=cast.grid_a1)
    with pytest.raises(Http404):  # someone out of sight
        services.reset_password(cast.officer_c, actor=cast.officer_a)


def test_a_street_cannot_grant_a_district_role_or_a_post_in_another_street(cast) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as above:
        services.create_user(actor=cast.street_officer, username="boss", display_name="某某",
                             role=Role.DISTRICT_ADMIN, jurisdiction=cast.community_a)
    assert "role" in above.value.message_dict
    with pytest.raises(ValidationError) as elsewhere:
        services.assign(actor=cast.street_officer, user=cast.officer_a, role=Role.COMMUNITY_STAFF,
                        jurisdiction=cast.community_c)
    assert "jurisdiction" in elsewhere.value.message_dict
    with pytest.raises(ValidationError):
        services.assign(actor=cast.street_officer, user=cast.officer_a, role=Role.GRID_WORKER,
                        jurisdiction=cast.district)
    assert not User.objects.filter(username="boss").exists()
    assert list(cast.officer_a.memberships.values_list("jurisdiction__code", flat=True)) == [cast.community_a.code]
    # Their own rank and below, inside the street: fine.
    services.assign(actor=cast.street_officer, user=cast.officer_a, role=Role.GRID_WORKER, jurisdiction=cast.grid_b1)
    assert [r for r, _label in services.grantable_role_choices(cast.street_officer)] == [
        r for r in Role.values if r != Role.DISTRICT_ADMIN]


def test_nobody_is_managed_by_someone_below_one_of_their_roles(cast) -> None:  # type: ignore[no-untyped-def]
    # A district administrator posted at a community is not the street's to reset.
    chief = make_user("chief", Role.DISTRICT_ADMIN, cast.community_a)
    assert not services.may_manage(cast.street_officer, chief)
    with pytest.raises(PermissionDenied):
        services.reset_password(chief, actor=cast.street_officer)


def test_creating_a_user_validates_each_field_and_changes_nothing_when_wrong(cast) -> None:  # type: ignore[no-untyped-def]
    before = User.objects.count()
    with pytest.raises(ValidationError) as wrong:
        services.create_user(actor=cast.commander, username="officer_a", display_name=" ", phone="1380013800",
                             role=Role.GRID_WORKER, jurisdiction=cast.grid_a1)
    errors = wrong.value.message_dict
    assert set(errors) == {"username", "display_name", "phone"}
    assert "11" in errors["phone"][0]  # the shared validator says what a mobile number is
    with pytest.raises(ValidationError) as weak:
        services.create_user(actor=cast.commander, username="new1", display_name="张三", password="12345",
                             role=Role.GRID_WORKER, jurisdiction=cast.grid_a1)
    assert "password" in weak.value.message_dict
    assert User.objects.count() == before


def test_a_new_user_gets_a_one_time_password_and_must_change_it(cast, client) -> None:  # type: ignore[no-untyped-def]
    user, one_time = services.create_user(actor=cast.street_officer, username="zhang3", display_name="张三",
                                          phone="138 0013 8000", role=Role.GRID_WORKER, jurisdiction=cast.grid_a1)
    assert one_time and user.check_password(one_time) and user.must_change_password
    assert user.phone == "13800138000"
    assert list(user.memberships.values_list("role", "jurisdiction__code")) == [(Role.GRID_WORKER, cast.grid_a1.code)]
    # Signed in, the person can go nowhere but the password page until they choose their own.
    assert client.post("/accounts/login/", {"username": "zhang3", "password": one_time}).status_code == 302
    assert client.get("/").url == "/accounts/password/"
    assert client.get("/api/v1/accounts/me").json()["code"] == "password_change_required"
    assert client.get("/accounts/password/").status_code == 200
    done = client.post("/accounts/password/", {"old_password": one_time, "new_password1": "Own-choice-2026",
                                               "new_password2": "Own-choice-2026"})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password


def test_a_reset_ends_tokens_and_sessions_and_is_audited(cast, client) -> None:  # type: ignore[no-untyped-def]
    ApiToken.issue(cast.officer_a, "script")
    client.force_login(cast.officer_a)
    one_time = services.reset_password(cast.officer_a, actor=cast.street_officer)
    cast.officer_a.refresh_from_db()
    assert cast.officer_a.check_password(one_time) and cast.officer_a.must_change_password
    assert not ApiToken.objects.filter(user=cast.officer_a).exists()
    assert client.get("/accounts/profile/").status_code == 302  # the old session ended with the password
    token = client.post("/api/v1/accounts/token", {"username": "officer_a", "password": one_time},
                        content_type="application/json")
    assert token.status_code == 403 and token.json()["code"] == "password_change_required"
    record = ChangeRecord.objects.filter(object_id=str(cast.officer_a.pk), changes__has_key="password").get()
    assert record.changes["password"] == ["********", "********"]
    assert record.changes["must_change_password"] == [False, True]
    assert record.jurisdiction_path == cast.community_a.path
    assert one_time not in str(record.changes) and cast.officer_a.password not in str(record.changes)
    with pytest.raises(ValidationError):
        services.reset_password(cast.street_officer, actor=cast.street_officer)  # one's own: the account page


def test_deactivating_keeps_the_user_and_stops_their_tokens(cast) -> None:  # type: ignore[no-untyped-def]
    _token, raw = ApiToken.issue(cast.keeper_a, "script")
    services.set_active(cast.keeper_a, False, actor=cast.street_officer)
    assert User.objects.filter(pk=cast.keeper_a.pk, is_active=False).exists()
    from django.test import Client

    assert Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert services.may_manage(cast.street_officer, cast.keeper_a)  # still theirs, to reactivate
    services.set_active(cast.keeper_a, True, actor=cast.street_officer)
    assert User.objects.get(pk=cast.keeper_a.pk).is_active
    with pytest.raises(ValidationError):
        services.set_active(cast.street_officer, False, actor=cast.street_officer)


def test_the_last_membership_stays(cast) -> None:  # type: ignore[no-untyped-def]
    only = cast.keeper_a.memberships.get()
    with pytest.raises(ValidationError):
        services.unassign(only, actor=cast.commander)
    extra = services.assign(actor=cast.commander, user=cast.keeper_a, role=Role.WAREHOUSE_KEEPER,
                            jurisdiction=cast.community_b)
    services.unassign(only, actor=cast.commander)
    assert list(cast.keeper_a.memberships.all()) == [extra]


def test_every_change_is_in_the_users_history_with_the_phone_masked_for_who_may_not_see_it(cast) -> None:  # type: ignore[no-untyped-def]
    from yingji.audit.context import acting_as

    with acting_as(cast.street_officer, source="web"):
        user, _one_time = services.create_user(actor=cast.street_officer, username="li4", display_name="李四",
                                               phone="13900001234", role=Role.GRID_WORKER, jurisdiction=cast.grid_a1)
        services.update_user(user, actor=cast.street_officer, display_name="李四一", phone="13900005678")
        membership = services.assign(actor=cast.street_officer, user=user, role=Role.RESPONDER,
                                     jurisdiction=cast.community_a)
        services.unassign(membership, actor=cast.street_officer)
        services.set_active(user, False, actor=cast.street_officer)
    rows = services.user_history(user, cast.street_officer)
    fields = [{c["field"] for c in row["changes"]} for row in rows]
    assert {"is_active"} in fields and {"display_name", "phone"} in fields
    subjects = [(row["subject"], row["action"]) for row in rows if row["subject"]]
    assert ("岗位授权", "create") in subjects and ("岗位授权", "delete") in subjects
    assert all(row["actor"] == str(cast.street_officer) for row in rows)
    created = next(row for row in rows if row["action"] == "create" and not row["subject"])
    phone = next(c for c in created["changes"] if c["field"] == "phone")
    assert phone["new"] == "13900001234"
    # The expert sees the district but not personal data: the same history, the phone masked.
    masked = services.user_history(user, cast.expert)
    phones = [c["new"] for row in masked for c in row["changes"] if c["field"] == "phone"]
    assert phones and all("****" in p for p in phones)
    user.refresh_from_db()
    assert all(c["field"] != "password" for row in rows for c in row["changes"])  # created with it: not a change
    assert user.password not in str(rows)


def test_the_apis_refusals_name_what_they_are_about_and_the_document_states_them(cast) -> None:  # type: ignore[no-untyped-def]
    """A refusal of the whole row (your own membership, your own account, a user's last membership) names
    the path parameter or field it is about, and each such rule is one the operation's x-refuses lists."""
    from yingji.core.testing import api_client

    client = api_client(cast.commander)
    document = client.get("/api/v1/openapi.json").json()["paths"]

    def stated(path: str, method: str) -> set[str]:
        return {rule["field"] for rule in document[f"/api/v1/accounts{path}"][method]["x-refuses"]}

    def fields(response) -> list[str]:  # type: ignore[no-untyped-def]
        assert response.status_code == 422, response.content
        return [e["field"] for e in response.json()["errors"]]

    own = cast.commander.memberships.get()
    assert fields(client.delete(f"/api/v1/accounts/memberships/{own.pk}")) == ["membership_id"]
    last = cast.keeper_a.memberships.get()
    assert fields(client.delete(f"/api/v1/accounts/memberships/{last.pk}")) == ["membership_id"]
    assert "membership_id" in stated("/memberships/{membership_id}", "delete")
    me = f"/api/v1/accounts/users/{cast.commander.pk}"
    assert fields(client.patch(me, {"is_active": False}, content_type="application/json")) == ["is_active"]
    assert "is_active" in stated("/users/{user_id}", "patch")
    assert fields(client.post(f"{me}/password", {}, content_type="application/json")) == ["user_id"]
    assert "user_id" in stated("/users/{user_id}/password", "post")
    again = client.post(f"/api/v1/accounts/users/{cast.keeper_a.pk}/memberships",
                        {"role": last.role, "jurisdiction_code": last.jurisdiction.code}, content_type="application/json")
    assert fields(again) == ["role"] and "role" in stated("/users/{user_id}/memberships", "post")
    blank = client.patch(f"/api/v1/accounts/users/{cast.keeper_a.pk}", {"display_name": " "},
                         content_type="application/json")
    assert fields(blank) == ["display_name"]
    assert Membership.objects.filter(pk__in=[own.pk, last.pk]).count() == 2
