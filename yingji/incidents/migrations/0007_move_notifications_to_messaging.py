"""Notifications and webhook targets move to the messaging app.

Every webhook target becomes a messaging robot target with the same id (so
its change history, which the audit log keeps by content type and id, follows
it), subscribed to the "incidents" topic; its history records change content
type. Every notification row becomes a delivery of a message: the rows one
call wrote together (same incident, dispatch, kind and payload) are one
message, about the incident (a test post: about the robot target), with the
payload's title and text. Statuses: queued with a next attempt → failed
(waiting for it), failed → dead (given up), the others as they were.
"""

import hashlib
import json
from urllib.parse import urlsplit

from django.core.management.color import no_style
from django.db import migrations

CHANNELS = {"in_app": "in_app", "webhook": "robot", "email": "email", "sms": "sms"}
BATCH = 2000


def _redacted(url):
    parts = urlsplit(url or "")
    if not parts.query:
        return url or ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}?…"


def _status(n):
    if n.status == "failed":
        return "dead"
    if n.status == "queued" and n.attempts and n.next_attempt_at is not None:
        return "failed"
    return n.status


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ChangeRecord = apps.get_model("audit", "ChangeRecord")
    WebhookTarget = apps.get_model("incidents", "WebhookTarget")
    Notification = apps.get_model("incidents", "Notification")
    RobotTarget = apps.get_model("messaging", "RobotTarget")
    Message = apps.get_model("messaging", "Message")
    Delivery = apps.get_model("messaging", "Delivery")

    targets = list(WebhookTarget.objects.order_by("pk"))
    RobotTarget.objects.bulk_create([RobotTarget(
        id=t.pk, jurisdiction_id=t.jurisdiction_id, name=t.name, format=t.format, url=t.url, secret=t.secret,
        topics=["incidents"], is_active=t.is_active) for t in targets])
    for t in targets:  # bulk_create stamped them now: keep when they were made and last changed
        RobotTarget.objects.filter(pk=t.pk).update(created_at=t.created_at, updated_at=t.updated_at)
    if targets:  # ids were given: the sequence continues after them (PostgreSQL)
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [RobotTarget]):
                cursor.execute(sql)

    old_type = ContentType.objects.filter(app_label="incidents", model="webhooktarget").first()
    new_type, _created = ContentType.objects.get_or_create(app_label="messaging", model="robottarget")
    if old_type is not None:
        ChangeRecord.objects.filter(content_type=old_type).update(content_type=new_type)

    incident_type, _created = ContentType.objects.get_or_create(app_label="incidents", model="incident")
    jurisdiction_of_target = {t.pk: t.jurisdiction_id for t in targets}
    messages = {}  # group key -> message id
    pending = []
    rows = (Notification.objects.select_related("incident").order_by("pk").iterator(chunk_size=BATCH))
    for n in rows:
        payload = dict(n.payload or {})
        key = (n.incident_id, n.dispatch_id, n.kind, json.dumps(payload, sort_keys=True, default=str),
               n.pk if n.kind == "test" else None)
        digest = hashlib.sha256(repr(key).encode()).hexdigest()
        message_id = messages.get(digest)
        if message_id is None:
            title = str(payload.pop("title", "") or n.kind)[:200]
            text = str(payload.pop("text", "") or "")
            if n.incident_id is not None:
                jurisdiction_id, subject_type, subject_id = n.incident.jurisdiction_id, incident_type, n.incident_id
            else:
                jurisdiction_id = jurisdiction_of_target.get(n.webhook_id)
                subject_type, subject_id = new_type, n.webhook_id
                if jurisdiction_id is None:
                    continue  # a test post to a target deleted since: nothing to scope it by
            if n.dispatch_id is not None:
                payload.setdefault("dispatch", n.dispatch_id)
            message = Message.objects.create(
                jurisdiction_id=jurisdiction_id, subject_type=subject_type, subject_id=subject_id,
                topic="incidents" if n.incident_id is not None else "system", event=n.kind[:40], title=title,
                body=text, payload=payload, ask_ack=False)
            Message.objects.filter(pk=message.pk).update(created_at=n.created_at)
            message_id = messages[digest] = message.pk
        pending.append(Delivery(
            message_id=message_id, channel=CHANNELS.get(n.channel, n.channel), user_id=n.recipient_id,
            robot_id=n.webhook_id, address=_redacted(n.address) if n.channel == "webhook" else n.address,
            status=_status(n), attempts=n.attempts, last_error=n.last_error,
            next_attempt_at=n.next_attempt_at if _status(n) == "failed" else None, queued_at=n.created_at,
            sent_at=n.sent_at, delivered_at=n.sent_at if n.channel == "webhook" and n.status == "sent" else None,
            read_at=n.read_at))
        if len(pending) >= BATCH:
            Delivery.objects.bulk_create(pending)
            pending = []
    if pending:
        Delivery.objects.bulk_create(pending)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0006_redact_webhook_history"),
        ("messaging", "0001_initial"),
        ("audit", "0002_lean_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
