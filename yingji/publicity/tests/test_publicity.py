"""Publicity events (五进, campaign days), photos through the one upload check, points, counts per street;
the API's scope: another community gets 404."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yingji.core.testing import api_client, web_client
from yingji.publicity import services
from yingji.publicity.models import EventPhoto, PublicityEvent

pytestmark = pytest.mark.django_db
API = "/api/v1/publicity"
JSON = "application/json"
D = datetime.date


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def event(actor, jurisdiction, **fields):
    values = {"title": "防灾减灾日进社区", "held_on": D(2026, 5, 12), "venue": "community", "campaign": "disaster_day",
              "place": "社区广场", "audience": 120}
    values.update(fields)
    return services.create_event(actor=actor, jurisdiction=jurisdiction, **values)


def test_counts_per_street_and_community_by_venue_campaign_and_points(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event(cast.officer_a, cast.community_a)
    event(cast.officer_a, cast.community_a, title="消防月进学校", held_on=D(2026, 11, 9), venue="school",
          campaign="fire_month", audience=300)
    event(cast.officer_b, cast.community_b, title="安全生产月进企业", held_on=D(2026, 6, 16), venue="enterprise",
          campaign="safety_month", audience=40)
    event(cast.street_officer, cast.street_1, title="街道宣传日", held_on=D(2026, 10, 13), venue="",
          campaign="international_day", audience=500)
    event(cast.officer_c, cast.community_c, title="去年的活动", held_on=D(2025, 5, 12), audience=99)
    services.create_point(actor=cast.officer_a, jurisdiction=cast.community_a, name="A社区宣传栏",
                          category="bulletin_board")
    services.create_point(actor=cast.officer_a, jurisdiction=cast.community_a, name="A社区电子屏", category="screen")
    rows = {r["name"]: r for r in services.publicity_counts(cast.district, D(2026, 1, 1), D(2026, 12, 31))}
    assert list(rows) == ["南园街道", "A社区", "B社区", "园岭街道", "C社区"]
    street = rows["南园街道"]  # its own event and both communities'
    assert (street["events"], street["audience"]) == (4, 960)
    assert street["venues"] == {"enterprise": 1, "village": 0, "community": 1, "school": 1, "family": 0}
    assert street["campaigns"] == {"disaster_day": 1, "international_day": 1, "safety_month": 1, "fire_month": 1}
    assert (rows["A社区"]["events"], rows["A社区"]["audience"]) == (2, 420)
    assert rows["A社区"]["points"]["bulletin_board"] == 1 and rows["A社区"]["points"]["screen"] == 1
    assert rows["园岭街道"]["events"] == 0 and rows["C社区"]["events"] == 0


def test_bad_events_are_refused_by_field(cast):
    with pytest.raises(ValidationError) as refused:
        services.create_event(actor=cast.officer_a, jurisdiction=cast.community_a, title="", held_on=D(2026, 7, 1),
                              venue="moon", campaign="fire_month", place="", audience=-1)
    assert set(refused.value.message_dict) == {"title", "place", "venue", "held_on", "audience"}
    # 119 消防宣传月 is November: an event on 1 July cannot be one.
    assert "11" in refused.value.message_dict["held_on"][0]
    assert not PublicityEvent.objects.exists()


def test_photos_pass_the_upload_check_and_a_bad_one_refuses_them_all(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made = event(cast.officer_a, cast.community_a)
    a = api_client(cast.officer_a)
    good = SimpleUploadedFile("a.jpg", _jpeg(), content_type="image/jpeg")
    fake = SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    refused = a.post(f"{API}/events/{made.pk}/photos", {"photos": [good, fake]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "photos"
    assert "evil.jpg" in refused.json()["errors"][0]["message"] and not EventPhoto.objects.exists()
    added = a.post(f"{API}/events/{made.pk}/photos",
                   {"photos": [SimpleUploadedFile("a.jpg", _jpeg(), content_type="image/jpeg")]})
    assert added.status_code == 201 and len(added.json()["photos"]) == 1
    assert added.json()["photos"][0]["width"] == 640


def test_the_api_creates_lists_counts_and_exports(cast):
    a = api_client(cast.officer_a)
    made = a.post(f"{API}/events", {"jurisdiction": cast.community_a.code, "title": "进家庭入户宣传", "held_on": "2026-11-20",
                                    "venue": "family", "campaign": "fire_month", "place": "A社区3栋", "audience": 35},
                  content_type=JSON)
    assert made.status_code == 201, made.content
    wrong = a.post(f"{API}/events", {"jurisdiction": cast.community_a.code, "title": "x", "held_on": "2026-03-01",
                                     "campaign": "disaster_day", "place": "y"}, content_type=JSON)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "held_on"
    assert a.get(f"{API}/events", {"campaign": "fire_month"}).json()["count"] == 1
    counts = a.get(f"{API}/counts", {"start": "2026-01-01", "end": "2026-12-31"}).json()
    assert [(r["name"], r["events"]) for r in counts] == [("A社区", 1)]
    sheet = a.get(f"{API}/events.xlsx")
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("application/vnd.openxml")
    point = a.post(f"{API}/points", {"jurisdiction": cast.community_a.code, "name": "宣传栏", "category": "bulletin_board",
                                     "lon": 114.02}, content_type=JSON)
    assert point.status_code == 422 and point.json()["errors"][0]["field"] == "lon"
    page = web_client(cast.officer_a).get("/publicity/?year=2026").content.decode()
    assert "进家庭入户宣传" in page and "119消防宣传月" in page and "入户" in page


def test_another_community_gets_404_on_every_endpoint(cast):
    made = event(cast.officer_a, cast.community_a)
    for user in (cast.officer_b, cast.officer_c):
        c = api_client(user)
        assert c.get(f"{API}/events/{made.pk}").status_code == 404
        assert c.patch(f"{API}/events/{made.pk}", {"title": "改"}, content_type=JSON).status_code == 404
        assert c.delete(f"{API}/events/{made.pk}").status_code == 404
        assert c.post(f"{API}/events/{made.pk}/photos", {"photos": []}).status_code in (404, 422)
        assert c.get(f"{API}/events").json()["count"] == 0
        assert c.get(f"{API}/counts", {"start": "2026-01-01", "end": "2026-12-31",
                                       "jurisdiction": cast.community_a.code}).status_code == 404
        assert c.post(f"{API}/events", {"jurisdiction": cast.community_a.code, "title": "x", "held_on": "2026-05-12",
                                        "place": "y"}, content_type=JSON).status_code == 404
        assert c.post(f"{API}/points", {"jurisdiction": cast.community_a.code, "name": "x",
                                        "category": "screen"}, content_type=JSON).status_code == 404
        assert web_client(user).get(f"/publicity/{made.pk}/").status_code == 404
    made.refresh_from_db()
    assert made.title == "防灾减灾日进社区" and PublicityEvent.objects.count() == 1
    assert api_client(cast.street_officer).get(f"{API}/events/{made.pk}").status_code == 200


def test_photos_are_added_from_the_events_page_and_another_community_gets_404(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made = event(cast.officer_a, cast.community_a)
    web = web_client(cast.officer_a)
    assert 'data-testid="event-photos"' in web.get(f"/publicity/{made.pk}/").content.decode()
    bad = web.post(f"/publicity/{made.pk}/photos/", {"photos": [SimpleUploadedFile("x.jpg", b"not an image")]},
                   follow=True)
    assert "x.jpg" in bad.content.decode() and not EventPhoto.objects.exists()
    web.post(f"/publicity/{made.pk}/photos/", {"photos": [SimpleUploadedFile("a.jpg", _jpeg())]})
    assert EventPhoto.objects.filter(event=made).count() == 1
    assert web_client(cast.officer_b).post(f"/publicity/{made.pk}/photos/",
                                           {"photos": [SimpleUploadedFile("a.jpg", _jpeg())]}).status_code == 404
    assert EventPhoto.objects.count() == 1
