"""Issue 11: the maps' base layer offline — the imported roads served by the platform as GeoJSON."""

from __future__ import annotations

import gzip
import json

import pytest
from django.test import Client

from yingji.coverage.services.networks import install_file
from yingji.routing import Network
from yingji.routing.demo import FUTIAN_NPZ

pytestmark = pytest.mark.django_db


def test_it_serves_every_road_link_of_the_network_in_use_to_anyone_gzipped_and_cached(settings, tmp_path):
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "roads.npz")
    install_file(FUTIAN_NPZ, settings.YINGJI_ROAD_NETWORK)
    network = Network.load(FUTIAN_NPZ)
    links, _signed = network.road_links
    client = Client()  # no login: the public report form draws the streets too
    response = client.get("/roads.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert len(data["features"]) == links.n_links
    minx, miny, maxx, maxy = network.bbox
    for feature in data["features"][::500]:
        assert feature["geometry"]["type"] == "LineString" and len(feature["geometry"]["coordinates"]) >= 2
        for lon, lat in feature["geometry"]["coordinates"]:
            assert minx - 1e-4 <= lon <= maxx + 1e-4 and miny - 1e-4 <= lat <= maxy + 1e-4
    zipped = client.get("/roads.geojson", HTTP_ACCEPT_ENCODING="gzip, br")
    assert zipped["Content-Encoding"] == "gzip" and len(zipped.content) < len(response.content) / 3
    assert json.loads(gzip.decompress(zipped.content)) == data
    again = client.get("/roads.geojson", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_without_a_network_there_are_no_roads_and_pages_say_where_to_find_them(settings, cast):
    from yingji.core.testing import web_client

    settings.YINGJI_ROAD_NETWORK = ""
    assert json.loads(Client().get("/roads.geojson").content)["features"] == []
    page = web_client(cast.officer_a).get("/incidents/new/").content.decode()
    assert '"roads": "/roads.geojson"' in page
    settings.YINGJI_BASEMAP = "https://tiles.example/{z}/{x}/{y}.png"
    page = web_client(cast.officer_a).get("/incidents/new/").content.decode()
    assert '"roads": ""' in page
