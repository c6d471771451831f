"""Login, lockout after failed logins, API tokens, CSRF, masking of personal data."""

from __future__ import annotations

import pytest
from django.test import Client

from yingji.accounts.models import ApiToken
from yingji.core.masking import mask_id_number, mask_phone
from yingji.core.testing import PASSWORD, api_client, web_client


def test_it_logs_in_with_the_form_and_lands_on_home(cast):
    client = Client()
    response = client.post("/accounts/login/", {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_an_error_in_chinese(cast):
    response = Client().post("/accounts/login/", {"username": "officer_a", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_five_failed_logins_lock_the_account_even_with_the_right_password(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "officer_a", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 403
    assert "登录失败次数过多" in response.content.decode()
    # Another user from the same address is not locked out.
    assert Client().post("/accounts/login/", {"username": "officer_b", "password": PASSWORD}).status_code == 302


def test_the_token_endpoint_counts_failures_too(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        bad = client.post("/api/v1/accounts/token", {"username": "officer_a", "password": "x"},
                          content_type="application/json")
        assert bad.status_code == 401
    last = client.post("/api/v1/accounts/token", {"username": "officer_a", "password": "x"},
                       content_type="application/json")
    assert last.status_code == 403
    locked = client.post("/api/v1/accounts/token", {"username": "officer_a", "password": PASSWORD},
                         content_type="application/json")
    assert locked.status_code == 403
    assert locked.json()["code"] == "locked_out"


def test_a_token_authenticates_and_is_stored_hashed(cast):
    response = Client().post("/api/v1/accounts/token", {"username": "officer_a", "password": PASSWORD,
                                                         "name": "script"}, content_type="application/json")
    raw = response.json()["token"]
    token = ApiToken.objects.get(name="script")
    assert raw not in token.key_hash and token.key_hash != raw
    me = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/accounts/me").json()
    assert me["username"] == "officer_a"
    assert me["memberships"][0]["jurisdiction_code"] == cast.community_a.code
    assert Client(HTTP_AUTHORIZATION="Bearer yj_forged").get("/api/v1/accounts/me").status_code == 401


def test_an_expired_token_or_inactive_user_is_refused(cast):
    import datetime

    from django.utils import timezone

    token, raw = ApiToken.issue(cast.officer_a, "old", expires_at=timezone.now() - datetime.timedelta(days=1))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/accounts/me").status_code == 401
    _token, raw2 = ApiToken.issue(cast.officer_b, "b")
    cast.officer_b.is_active = False
    cast.officer_b.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw2}").get("/api/v1/accounts/me").status_code == 401


def test_session_calls_to_the_api_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.commander)
    assert client.get("/api/v1/jurisdictions/").status_code == 200
    refused = client.patch(f"/api/v1/jurisdictions/{cast.community_a.code}", {"population": 1},
                           content_type="application/json")
    assert refused.status_code in (401, 403)
    client.get("/accounts/profile/")  # sets the CSRF cookie
    allowed = client.patch(f"/api/v1/jurisdictions/{cast.community_a.code}", {"population": 1},
                           content_type="application/json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert allowed.status_code == 200


def test_the_login_form_needs_csrf(cast):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "officer_a", "password": PASSWORD}).status_code == 403


def test_passwords_use_a_real_hasher_outside_tests(cast, settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    assert make_password("x").startswith("pbkdf2_sha256$")


@pytest.mark.parametrize("phone,masked", [("13812345678", "138****5678"), ("", ""), ("1234", "****")])
def test_phone_masking(phone, masked):
    assert mask_phone(phone) == masked


def test_id_number_masking():
    assert mask_id_number("440304199001011234") == "440304********1234"


def test_phones_are_masked_for_roles_that_do_not_need_them(cast):
    grid_view = {u["username"]: u["phone"] for u in
                 api_client(cast.grid_worker_a).get("/api/v1/accounts/users").json()["items"]}
    staff_view = {u["username"]: u["phone"] for u in
                  api_client(cast.officer_a).get("/api/v1/accounts/users").json()["items"]}
    assert grid_view["grid_worker_a"] == "13812345678"  # one's own number is never masked
    assert staff_view["grid_worker_a"] == "13812345678"
    assert api_client(cast.auditor).get(f"/api/v1/accounts/users/{cast.officer_a.pk}").json()["phone"] == "138****1111"
    page = web_client(cast.expert).get("/accounts/users/").content.decode()
    assert "138****1111" in page and "13800001111" not in page


def test_users_of_another_community_are_404(cast):
    client = api_client(cast.officer_a)
    assert client.get(f"/api/v1/accounts/users/{cast.officer_b.pk}").status_code == 404
    usernames = {u["username"] for u in client.get("/api/v1/accounts/users").json()["items"]}
    assert usernames == {"officer_a", "keeper_a", "responder_a", "grid_worker_a"}


def test_the_district_creates_a_user_with_an_assignment_and_a_community_officer_cannot(cast):
    payload = {"username": "new_grid", "password": "Long-enough-pw-1", "role": "grid_worker",
               "display_name": "王五", "jurisdiction_code": cast.grid_a1.code}
    assert api_client(cast.officer_a).post("/api/v1/accounts/users", payload,
                                           content_type="application/json").status_code == 403
    created = api_client(cast.commander).post("/api/v1/accounts/users", payload, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["memberships"][0]["role"] == "grid_worker"
    weak = dict(payload, username="weak", password="123")
    response = api_client(cast.commander).post("/api/v1/accounts/users", weak, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "password"


def test_memberships_are_added_and_removed_within_scope(cast):
    client = api_client(cast.commander)
    added = client.post(f"/api/v1/accounts/users/{cast.officer_a.pk}/memberships",
                        {"role": "community_staff", "jurisdiction_code": cast.community_c.code},
                        content_type="application/json")
    assert added.status_code == 201
    assert api_client(cast.officer_b).delete(f"/api/v1/accounts/memberships/{added.json()['id']}").status_code == 404
    assert client.delete(f"/api/v1/accounts/memberships/{added.json()['id']}").status_code == 204


def test_web_tokens_are_shown_once_and_revocable(cast):
    client = web_client(cast.officer_a)
    client.post("/accounts/tokens/", {"name": "phone"})
    page = client.get("/accounts/profile/").content.decode()
    assert "data-testid=\"new-key\"" in page
    assert "data-testid=\"new-key\"" not in client.get("/accounts/profile/").content.decode()
    token = ApiToken.objects.get(user=cast.officer_a, name="phone")
    other = web_client(cast.officer_b)
    assert other.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert not ApiToken.objects.filter(pk=token.pk).exists()
