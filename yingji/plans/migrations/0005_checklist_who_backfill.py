"""Checklist items copied before migration 0003 kept whom their step names only as words (`who`, in the
language of the request that opened the incident): who_kind and the rest were left empty, so the page
could not word them in the viewer's language and anyone working the incident could tick them
(checklists.is_named). Where the card they came from is still the one approved — the plan approved at
the item's version: a card is edited only in a draft, and revising raises the version — the step with
the same number says whom, and it is copied. Others keep their words (ChecklistItem.who_display falls
back to them, then to "whoever works the incident"). Going back leaves the rows as they are."""

from django.db import migrations

BATCH = 1000


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    ChecklistItem = apps.get_model("plans", "ChecklistItem")
    CardStep = apps.get_model("plans", "CardStep")
    Plan = apps.get_model("plans", "Plan")
    old = ChecklistItem.objects.filter(who_kind="").only("pk", "plan_id", "plan_version", "order")
    plan_ids = set(old.values_list("plan_id", flat=True).distinct())
    current = dict(Plan.objects.filter(pk__in=plan_ids, status="approved").values_list("pk", "version"))
    steps = {(s.plan_id, s.order): s for s in CardStep.objects.filter(plan_id__in=list(current))}
    changed = []
    for item in old.iterator(chunk_size=BATCH):
        step = steps.get((item.plan_id, item.order))
        if step is None or current.get(item.plan_id) != item.plan_version:
            continue
        item.who_kind, item.who_role = step.who_kind, step.who_role
        item.who_team_kind, item.who_team_id = step.who_team_kind, step.who_team_id
        changed.append(item)
    ChecklistItem.objects.bulk_update(changed, ["who_kind", "who_role", "who_team_kind", "who_team"],
                                      batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0004_versions_attachments"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
