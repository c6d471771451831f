"""Photos in S3-compatible object storage when YINGJI_S3_BUCKET is set: the settings choose
django-storages' S3 backend, and the photo pipeline writes and the scoped photo view reads through it.

The bucket is moto's S3 (in process): boto3 builds and signs the same requests it sends to MinIO or a
cloud's object storage, moto's S3 answers them as S3 does.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from yingji.core.testing import web_client
from yingji.hazards.models import Photo
from yingji.hazards.services.hazards import report_hazard
from yingji.hazards.tests.builders import jpeg

pytestmark = pytest.mark.django_db
BUCKET = "yingji-photos"


def test_the_settings_choose_s3_only_when_a_bucket_is_named():
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "yingji.settings", "YINGJI_S3_BUCKET": BUCKET,
           "YINGJI_S3_ENDPOINT_URL": "http://127.0.0.1:9000", "YINGJI_S3_PREFIX": "futian",
           "YINGJI_S3_ACCESS_KEY": "minio", "YINGJI_S3_SECRET_KEY": "minio-secret"}
    configured = json.loads(subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                                           env=env, capture_output=True, text=True, check=True).stdout)
    assert configured["BACKEND"] == "storages.backends.s3.S3Storage"
    assert configured["OPTIONS"]["bucket_name"] == BUCKET
    assert configured["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"
    assert configured["OPTIONS"]["location"] == "futian"
    assert configured["OPTIONS"]["default_acl"] is None  # private objects: served by the app after the scope check
    env.pop("YINGJI_S3_BUCKET")
    local = json.loads(subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                                      env=env, capture_output=True, text=True, check=True).stdout)
    assert local["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_photos_are_written_to_and_served_from_the_bucket(cast, settings, monkeypatch):
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        import boto3

        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "region_name": "us-east-1", "location": "futian",
                        "default_acl": None, "file_overwrite": False, "querystring_auth": True}}}
        hazard = report_hazard(actor=cast.grid_worker_a, source="grid_worker", title="消防通道堵塞", lon=114.01,
                               lat=22.51, jurisdiction=cast.grid_a1, photos=[jpeg(size=(1200, 900), exif=b"Exif\x00\x00")])
        photo = Photo.objects.get(hazard=hazard)
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
        assert keys == {f"futian/{photo.file.name}", f"futian/{photo.thumbnail.name}"}
        stored = s3.get_object(Bucket=BUCKET, Key=f"futian/{photo.file.name}")["Body"].read()
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG" and image.size == (1200, 900) and not image.getexif()
        thumb = Image.open(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=f"futian/{photo.thumbnail.name}")["Body"].read()))
        assert max(thumb.size) == 320
        # Served by the app after the scope check, from the bucket; another community gets nothing.
        served = web_client(cast.officer_a).get(f"/hazards/photos/{photo.pk}/")
        assert served.status_code == 200 and b"".join(served.streaming_content) == stored
        assert web_client(cast.officer_c).get(f"/hazards/photos/{photo.pk}/").status_code == 404
        assert web_client(cast.officer_a).get(f"/hazards/photos/{photo.pk}/thumb/").status_code == 200
