"""Webhook targets' change history recorded whole robot URLs, access key included: keep a fingerprint instead.

From now on the log writes the redacted form itself (WebhookTarget.audit_redact);
this rewrites what was recorded before, the same way.
"""

import hashlib
from urllib.parse import urlsplit

from django.db import migrations


def _redacted(url):
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    return f"{parts.scheme}://{parts.netloc}{parts.path}?…({hashlib.sha256(parts.query.encode()).hexdigest()[:8]})"


def redact(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ChangeRecord = apps.get_model("audit", "ChangeRecord")
    content_type = ContentType.objects.filter(app_label="incidents", model="webhooktarget").first()
    if content_type is None:
        return
    for record in ChangeRecord.objects.filter(content_type=content_type).iterator():
        url = record.changes.get("url")
        if isinstance(url, list):
            redacted = [_redacted(value) for value in url]
            if redacted != url:
                record.changes["url"] = redacted
                record.save(update_fields=["changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_lean_notification_indexes"),
        ("audit", "0002_lean_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
