"""The responder page installs on a phone: its manifest, its service worker, and the links to both."""

from __future__ import annotations

import json
import struct

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from yingji.core.testing import web_client

pytestmark = pytest.mark.django_db


def test_it_links_the_responder_manifest_and_registers_the_service_worker(cast):
    page = web_client(cast.responder_a).get("/incidents/me/").content.decode()
    assert '<link rel="manifest" href="/incidents/me/manifest.webmanifest">' in page
    assert 'data-service-worker="/incidents/me/sw.js"' in page
    other = web_client(cast.officer_a).get("/incidents/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in other  # the rest of the site keeps its own


def test_it_serves_a_manifest_that_opens_on_the_call_outs(client: Client):
    response = client.get("/incidents/me/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["start_url"] == manifest["scope"] == "/incidents/me/"
    assert manifest["display"] == "standalone" and manifest["icons"]
    # Install prompts want PNGs of 192 and 512 pixels; they are served.
    pngs = {icon["sizes"]: icon["src"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert set(pngs) == {"192x192", "512x512"}
    for sizes, src in pngs.items():
        path = finders.find(src.removeprefix(settings.STATIC_URL))
        assert path is not None, src
        width, height = struct.unpack(">II", open(path, "rb").read()[16:24])  # the PNG header's size
        assert f"{width}x{height}" == sizes


def test_it_serves_the_service_worker_that_keeps_the_page_shell(client: Client):
    response = client.get("/incidents/me/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    for url in ("/incidents/me/", "/static/incidents/responder.js", "/static/vendor/leaflet/leaflet.js"):
        assert f'"{url}"' in body
    assert 'addEventListener("fetch"' in body
