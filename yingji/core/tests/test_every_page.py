"""Every page in the menu opens, in Chinese and in English, for the district and for a community officer."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from yingji.core.context_processors import navigation
from yingji.core.testing import web_client


def menu_urls(user) -> list[str]:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = user
    return ["/", "/accounts/profile/", *[item["url"] for item in navigation(request)]]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["commander", "officer_a", "grid_worker_a"])
def test_every_menu_page_opens(cast, who, language):
    user = getattr(cast, who)
    client = web_client(user, language=language)
    urls = menu_urls(user)
    assert len(urls) >= 8  # home, profile and the capabilities' entries
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert f'lang="{language}"' in response.content.decode()


def test_the_jurisdiction_list_pages_and_searches(cast):
    client = web_client(cast.commander)
    page = client.get("/jurisdictions/", {"q": "A社区"}).content.decode()
    assert "A社区第1网格" in page and "B社区" not in page
    assert "第 1 / 1 页" in page
    partial = client.get("/jurisdictions/", {"level": "street"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "南园街道" in partial
