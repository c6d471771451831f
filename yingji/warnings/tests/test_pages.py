"""The centre's pages and the public ones: compose, preview, release, import, feeds, icons, phone view."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from lxml import etree

from yingji.core.testing import web_client
from yingji.resources.models import Facility, FacilityKind
from yingji.warnings import cap, services
from yingji.warnings.models import EarlyWarning, State
from yingji.warnings.tests.builders import RING_IN_A, draft

pytestmark = pytest.mark.django_db


def compose_post(cast, **changes):  # type: ignore[no-untyped-def]
    now = timezone.localtime()
    data = {"jurisdiction": cast.district.code, "level": "yellow", "hazard": "rainstorm",
            "headline": "福田区发布暴雨黄色预警", "instruction": "远离低洼地带。",
            "onset": now.strftime("%Y-%m-%dT%H:%M"), "expires": (now + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "areas": json.dumps([{"kind": "polygon", "ring": RING_IN_A}]), "target_groups": ["grid_workers"],
            "channels": ["in_app", "sms"], "ask_ack": "on", "remind_after_minutes": "20"}
    data.update(changes)
    return data


def test_it_composes_previews_and_releases_from_the_pages(cast):
    client = web_client(cast.commander)
    page = client.get("/warnings/new/").content.decode()
    assert "vendor/leaflet-draw/leaflet.draw.js" in page and "发布对象" in page and "绘制" in page
    response = client.post("/warnings/new/", compose_post(cast))
    assert response.status_code == 302
    warning = EarlyWarning.objects.get()
    detail = client.get(response["Location"]).content.decode()
    assert "grid_worker_a" in detail and 'data-testid="preview-people">1<' in detail
    assert "138****5678" not in detail and "13812345678" in detail  # the district may see phones
    assert client.post(f"/warnings/{warning.pk}/step/release/").status_code == 302
    warning.refresh_from_db()
    assert warning.state == State.RELEASED
    cap.validate(client.get(f"/warnings/{warning.pk}/cap.xml").content)


def test_compose_errors_name_the_field_in_chinese_and_keep_what_was_typed(cast):
    client = web_client(cast.commander)
    response = client.post("/warnings/new/", compose_post(cast, areas="[]", headline="我的标题"))
    page = response.content.decode()
    assert response.status_code == 422 and "请在地图上绘制区域" in page and 'value="我的标题"' in page
    response = client.post("/warnings/new/", compose_post(cast, areas="{not json"))
    assert response.status_code == 422 and "无法读取" in response.content.decode()
    assert not EarlyWarning.objects.exists()


def test_an_orange_draft_shows_it_needs_approval_and_is_not_released(cast):
    client = web_client(cast.commander)
    client.post("/warnings/new/", compose_post(cast, level="orange"))
    warning = EarlyWarning.objects.get()
    page = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert 'data-testid="step-submit"' in page and 'data-testid="step-release"' not in page
    client.post(f"/warnings/{warning.pk}/step/release/")
    warning.refresh_from_db()
    assert warning.state == State.DRAFT


def test_another_community_gets_404_on_every_page_of_a_warning(cast):
    warning = draft(cast, jurisdiction=cast.community_a, actor=cast.officer_a,
                    areas=[services.AreaInput(kind="jurisdiction", jurisdiction=cast.grid_a1.code)])
    client = web_client(cast.officer_b)
    for url in ("", "edit/", "areas.geojson", "cap.xml"):
        assert client.get(f"/warnings/{warning.pk}/{url}").status_code == 404, url
    for url in ("step/release/", "step/submit/", "update/", "cancel/", "delete/"):
        assert client.post(f"/warnings/{warning.pk}/{url}").status_code == 404, url
    assert client.get(f"/warnings/{warning.pk}/phone/").status_code == 404  # a draft is not public
    warning.refresh_from_db()
    assert warning.state == State.DRAFT


def test_the_cap_upload_imports_a_draft_or_shows_the_schema_error(cast):
    xml = services.export_xml(draft(cast))
    EarlyWarning.objects.all().delete()
    client = web_client(cast.commander)
    bad = client.post("/warnings/import/", {"jurisdiction": cast.district.code,
                                            "file": SimpleUploadedFile("w.xml", xml.replace(b"Actual", b"Real"))})
    assert bad.status_code == 422 and "CAP 模式校验" in bad.content.decode()
    good = client.post("/warnings/import/", {"jurisdiction": cast.district.code, "file": SimpleUploadedFile("w.xml", xml)})
    assert good.status_code == 302 and EarlyWarning.objects.get().state == State.DRAFT
    assert web_client(cast.grid_worker_a).get("/warnings/import/").status_code == 403


def test_the_public_page_and_feeds_list_public_warnings_in_force_without_login(cast):
    released = services.release(draft(cast), actor=cast.commander)
    draft(cast, headline="尚未发布的草稿")
    restricted = services.release(draft(cast, headline="内部通报", scope="Restricted", restriction="街道值班室"),
                                  actor=cast.commander)
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = anonymous.get("/warnings/public/").content.decode()
    assert "福田区气象台发布暴雨黄色预警信号" in page and "尚未发布" not in page and "内部通报" not in page
    assert "生效中的预警" in page
    atom = etree.fromstring(anonymous.get("/warnings/public/feed.atom").content)
    links = atom.findall("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}link[@type='application/cap+xml']")
    assert len(links) == 1
    cap_url = links[0].get("href").replace("http://testserver", "")
    data = anonymous.get(cap_url)
    assert data["Content-Type"].startswith("application/cap+xml")
    cap.validate(data.content)
    rss = etree.fromstring(anonymous.get("/warnings/public/feed.rss").content)
    assert [i.findtext("title") for i in rss.iter("item")] == [released.headline]
    assert anonymous.get(f"/warnings/public/cap/{restricted.identifier}.xml").status_code == 404


def test_icons_are_svg_in_the_level_colour(cast):
    client = Client()
    svg = client.get("/warnings/icons/typhoon/red.svg")
    assert svg["Content-Type"].startswith("image/svg+xml") and "#d8141c" in svg.content.decode()
    assert "台风" in svg.content.decode()
    etree.fromstring(svg.content)
    assert client.get("/warnings/icons/volcano/red.svg").status_code == 404
    assert client.get("/warnings/icons/typhoon/purple.svg").status_code == 404


def test_the_phone_view_shows_colour_instructions_and_nearest_shelters_on_foot(cast):
    warning = services.release(draft(cast), actor=cast.commander)
    near = Facility.objects.create(jurisdiction=cast.community_a, code="SH-1", name="南园小学避难场所",
                                   kind=FacilityKind.SHELTER, lon=114.012, lat=22.512, capacity=800)
    Facility.objects.create(jurisdiction=cast.community_c, code="SH-2", name="园岭公园避难场所",
                            kind=FacilityKind.SHELTER, lon=114.08, lat=22.57, capacity=2000)
    Facility.objects.create(jurisdiction=cast.community_a, code="AED-1", name="AED", kind=FacilityKind.AED,
                            lon=114.011, lat=22.511)
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = anonymous.get(f"/warnings/{warning.pk}/phone/").content.decode()
    assert "#f2c200" in page and "远离低洼地带" in page and "最近的避难场所" in page
    shelters = anonymous.get(f"/warnings/{warning.pk}/phone/", {"lon": "114.011", "lat": "22.511"}).content.decode()
    assert shelters.index(near.name) < shelters.index("园岭公园避难场所") and "AED" not in shelters
    assert "步行约" in shelters and "分钟" in shelters
