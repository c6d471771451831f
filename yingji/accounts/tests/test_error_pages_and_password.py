"""Issue 13: friendly 404/403/500 pages in Chinese (the demo runs without DEBUG), and every user
changes their own password."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from yingji.core.testing import PASSWORD, web_client

pytestmark = pytest.mark.django_db


def test_an_out_of_area_page_answers_a_friendly_404_in_chinese(cast) -> None:  # type: ignore[no-untyped-def]
    page = web_client(cast.officer_a).get(f"/jurisdictions/{cast.community_c.code}/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "不存在，或不在您的辖区内" in text and 'data-testid="error-page"' in text
    assert "URLconf" not in text and "Traceback" not in text


def test_a_refused_step_answers_a_friendly_403(cast) -> None:  # type: ignore[no-untyped-def]
    page = web_client(cast.grid_worker_a).get("/jurisdictions/new/")
    assert page.status_code in (403, 404)
    assert 'data-testid="error-page"' in page.content.decode()


def test_the_500_page_needs_no_context_and_speaks_chinese() -> None:
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("zh-hans"):
        answer = server_error(RequestFactory().get("/"))
    assert answer.status_code == 500 and "服务器出错" in answer.content.decode()


def test_static_files_are_served_without_debug(settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.DEBUG is False and settings.WHITENOISE_USE_FINDERS is True
    assert Client().get("/static/yingji/yingji.css").status_code == 200


def test_a_user_changes_their_password(cast) -> None:  # type: ignore[no-untyped-def]
    client = web_client(cast.keeper_a)
    wrong = client.post("/accounts/password/", {"old_password": "nope", "new_password1": "Xy9-station-2026",
                                                "new_password2": "Xy9-station-2026"})
    assert wrong.status_code == 200 and "旧密码" in wrong.content.decode()
    done = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Xy9-station-2026",
                                               "new_password2": "Xy9-station-2026"})
    assert done.status_code == 302 and done["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200  # still signed in
    login = "/accounts/login/"
    assert Client().post(login, {"username": "keeper_a", "password": "Xy9-station-2026"}).status_code == 302
    assert Client().post(login, {"username": "keeper_a", "password": PASSWORD}).status_code == 200


def test_changing_ones_password_ends_ones_tokens_and_is_in_the_change_log(cast) -> None:  # type: ignore[no-untyped-def]
    from yingji.accounts.models import ApiToken
    from yingji.audit.models import ChangeRecord

    _token, raw = ApiToken.issue(cast.keeper_a, "script")
    client = web_client(cast.keeper_a)
    done = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Xy9-station-2026",
                                               "new_password2": "Xy9-station-2026"})
    assert done.status_code == 302
    assert not ApiToken.objects.filter(user=cast.keeper_a).exists()
    assert Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    record = ChangeRecord.objects.get(content_type__model="user", object_id=str(cast.keeper_a.pk), action="update")
    assert (record.action, record.actor_id, record.source) == ("update", cast.keeper_a.pk, "web")
    assert record.changes == {"password": ["********", "********"]}
    assert record.jurisdiction_path == cast.community_a.path
