"""Stored script injection, at its root: the Content-Security-Policy and the templates' scripts.

Every HTML page carries a policy without 'unsafe-inline' for scripts; the
scripts templates write carry the request's nonce; no template has an inline
event handler or a javascript: URL (the policy would silently break it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from yingji.core.csp import add_nonces
from yingji.core.testing import web_client
from yingji.core.tests.test_every_page import menu_urls

ROOT = Path(settings.BASE_DIR) / "yingji"
TEMPLATES = sorted(p for p in ROOT.rglob("templates/**/*.html"))
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_an_inline_event_handler_or_a_javascript_url(template):
    source = template.read_text(encoding="utf-8")
    assert not INLINE_HANDLER.search(source), "use page.js behaviours (data-autosubmit, data-confirm) or a script"
    assert "javascript:" not in source.lower()


def test_script_tags_written_in_a_template_get_the_nonce_and_nothing_else_does():
    source = '<script src="/x.js"></script><script>go()</script><scripting>{{ name }}'
    assert add_nonces(source) == (
        '<script nonce="{{ csp_nonce }}" src="/x.js"></script><script nonce="{{ csp_nonce }}">go()</script>'
        "<scripting>{{ name }}")


@pytest.mark.parametrize("who", ["commander", "officer_a"])
def test_every_menu_page_sends_a_policy_without_inline_script_and_nonces_its_own_scripts(cast, who):
    client = web_client(getattr(cast, who))
    for url in menu_urls(getattr(cast, who)):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
        nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
        page = response.content.decode()
        tags = re.findall(r"<script\b[^>]*>", page)
        assert tags, url
        for tag in tags:
            if 'type="application/json"' in tag:
                continue  # json_script: data, never run
            assert f'nonce="{nonce}"' in tag, (url, tag)


def test_each_request_gets_a_fresh_nonce(cast):
    client = web_client(cast.officer_a)
    first, second = client.get("/")["Content-Security-Policy"], client.get("/")["Content-Security-Policy"]
    assert first != second


def test_the_public_pages_send_the_policy_too(client):
    response = client.get("/accounts/login/")
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]


def _script_src(response) -> str:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    return next(part for part in policy.split(";") if part.strip().startswith("script-src"))


@pytest.mark.parametrize("url", ["/warnings/public/", "/incidents/report/", "/hazards/report/", "/accounts/login/",
                                 "/no-such-page/", "/incidents/1/"])
def test_every_html_answer_to_anyone_carries_the_policy_whatever_its_status(client, db, url):
    """Public pages, a 404, a login redirect's page: the middleware sets it on every text/html answer."""
    response = client.get(url, follow=True)
    assert response["Content-Type"].startswith("text/html"), url
    assert "'nonce-" in _script_src(response) and "'unsafe-inline'" not in _script_src(response), url


def test_error_pages_partials_and_refused_forms_carry_the_policy(cast):
    client = web_client(cast.officer_a)
    answers = {"404": client.get("/resources/stations/999999/"),
               "422 form": client.post("/hazards/points/new/", {"name": ""}),
               "htmx partial": client.get("/supplies/?q=x", HTTP_HX_REQUEST="true")}
    for what, response in answers.items():
        assert response["Content-Type"].startswith("text/html"), what
        assert "'unsafe-inline'" not in _script_src(response) and "'nonce-" in _script_src(response), what
    assert answers["404"].status_code == 404 and answers["422 form"].status_code == 422
