"""API tokens expire, end with a password change, and their owner lists and revokes them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from yingji.accounts.models import ApiToken
from yingji.core.testing import api_client

pytestmark = pytest.mark.django_db


def test_a_token_expires_after_the_configured_days(cast, settings, client):
    settings.YINGJI_API_TOKEN_DAYS = 30
    token, raw = ApiToken.issue(cast.officer_a, "script")
    assert token.expires_at is not None
    assert abs((token.expires_at - timezone.now()) - datetime.timedelta(days=30)) < datetime.timedelta(minutes=1)
    assert client.get("/api/v1/audit/changes", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/v1/audit/changes", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_password_change_revokes_every_token(cast, client):
    _token, raw = ApiToken.issue(cast.officer_a, "script")
    assert client.get("/api/v1/audit/changes", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    cast.officer_a.set_password("a-new-Passw0rd!")
    cast.officer_a.save()
    assert not ApiToken.objects.filter(user=cast.officer_a).exists()
    assert client.get("/api/v1/audit/changes", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_saving_a_user_without_a_new_password_keeps_the_tokens(cast):
    ApiToken.issue(cast.officer_a, "script")
    cast.officer_a.first_name = "甲"
    cast.officer_a.save()
    assert ApiToken.objects.filter(user=cast.officer_a).count() == 1


def test_the_owner_lists_and_revokes_their_tokens_and_nobody_elses(cast):
    mine, _raw = ApiToken.issue(cast.officer_a, "script")
    theirs, _raw = ApiToken.issue(cast.officer_b, "other")
    client = api_client(cast.officer_a)
    listed = client.get("/api/v1/accounts/tokens").json()
    assert mine.pk in {t["id"] for t in listed} and theirs.pk not in {t["id"] for t in listed}
    assert all("key_hash" not in t and "token" not in t for t in listed)
    assert client.delete(f"/api/v1/accounts/tokens/{theirs.pk}").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert client.delete(f"/api/v1/accounts/tokens/{mine.pk}").status_code == 204
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
