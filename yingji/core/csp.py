"""Content-Security-Policy: no script runs on a page unless the page's own template wrote it.

Two halves of one mechanism:

- `ContentSecurityPolicyMiddleware` gives every request a fresh nonce and sends
  `script-src 'self' 'nonce-…'` (no `'unsafe-inline'`, no `'unsafe-eval'`) on
  every HTML answer, so an injected `<script>`, an `onerror=` attribute or a
  `javascript:` link does not run even if some markup escaped escaping.
- The template loaders below add `nonce="{{ csp_nonce }}"` to each `<script`
  tag written in a template's *source* when the template is compiled. Text a
  template prints from a variable is autoescaped and never passes through this
  rewrite, so only the author's scripts carry the nonce. Inline event handler
  attributes (`onclick=`) are not allowed in templates at all
  (core/tests/test_csp.py); pages use the delegated behaviours of
  core/static/yingji/page.js (`data-autosubmit`, `data-confirm`) instead.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loaders import app_directories, filesystem

_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)
NONCE_ATTRIBUTE = '<script nonce="{{ csp_nonce }}"'


def add_nonces(source: str) -> str:
    """The template source with the request's nonce on each of its script tags."""
    return _SCRIPT_TAG.sub(NONCE_ATTRIBUTE, source)


class FilesystemLoader(filesystem.Loader):
    def get_contents(self, origin: Any) -> str:
        return add_nonces(super().get_contents(origin))


class AppDirectoriesLoader(app_directories.Loader):
    def get_contents(self, origin: Any) -> str:
        return add_nonces(super().get_contents(origin))


def policy(nonce: str) -> str:
    # Images may come from the configured tile servers (any host, intranet ones over http);
    # styles stay inline-capable because Leaflet and ECharts position elements with them.
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src * data: blob:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


class ContentSecurityPolicyMiddleware:
    """Sets `request.csp_nonce` and the policy header on every HTML answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if getattr(settings, "YINGJI_CSP", True) and response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", policy(nonce))
        return response


def nonce(request: HttpRequest) -> dict[str, str]:
    """Context processor: `{{ csp_nonce }}` (empty when a template is rendered outside a request)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
