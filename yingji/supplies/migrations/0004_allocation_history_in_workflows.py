"""The allocations' timeline moves to the workflow history (yingji.workflows.WorkflowEvent)."""

from django.db import migrations

STEP = {"requested": "start", "approved": "approve", "dispatched": "dispatch", "received": "receive",
        "rejected": "reject", "cancelled": "cancel"}


def copy_events(apps, schema_editor):
    AllocationEvent = apps.get_model("supplies", "AllocationEvent")
    WorkflowEvent = apps.get_model("workflows", "WorkflowEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _created = ContentType.objects.get_or_create(app_label="supplies", model="allocation")
    rows = []
    previous: dict[int, str] = {}
    for event in AllocationEvent.objects.select_related("allocation__jurisdiction").order_by("allocation_id", "at",
                                                                                            "pk").iterator():
        rows.append(WorkflowEvent(
            content_type_id=content_type.pk, object_id=event.allocation_id, workflow="supplies.allocation",
            transition=STEP.get(event.status, event.status), from_state=previous.get(event.allocation_id, ""),
            to_state=event.status, at=event.at, actor_id=event.actor_id, actor_name=event.actor_name,
            note=event.note, path=event.allocation.jurisdiction.path))
        previous[event.allocation_id] = event.status
        if len(rows) >= 2000:
            WorkflowEvent.objects.bulk_create(rows)
            rows = []
    WorkflowEvent.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ("supplies", "0003_allocation_incident"),
        ("workflows", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_events, migrations.RunPython.noop),
        migrations.DeleteModel(name="AllocationEvent"),
    ]
