"""Rename the risk-point table to the hazards app's and move its content type.

The audit log (audit.ChangeRecord) and the permissions refer to the content
type, not to the app label: moving the content type row to app_label
"hazards" keeps every change record of every risk point attached to it.
"""

from django.db import migrations

OLD, NEW = ("coverage", "riskpoint"), ("hazards", "riskpoint")


def move_content_type(apps, schema_editor):  # type: ignore[no-untyped-def]
    ContentType = apps.get_model("contenttypes", "ContentType")
    ChangeRecord = apps.get_model("audit", "ChangeRecord")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    old = ContentType.objects.using(db).filter(app_label=OLD[0], model=OLD[1]).first()
    if old is None:
        return  # a new database: the content type is created after migrating, under hazards
    new = ContentType.objects.using(db).filter(app_label=NEW[0], model=NEW[1]).first()
    if new is None:
        old.app_label = NEW[0]
        old.save(update_fields=["app_label"])
        return
    # Both exist (the new one was made by an earlier partial migrate): the history moves to the new one.
    ChangeRecord.objects.using(db).filter(content_type=old).update(content_type=new)
    Permission.objects.using(db).filter(content_type=old).delete()
    old.delete()


def move_content_type_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label=NEW[0], model=NEW[1]).update(app_label=OLD[0])


class Migration(migrations.Migration):

    dependencies = [
        ("hazards", "0001_initial"),
        ("coverage", "0002_riskpoint_moved_to_hazards"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("audit", "0002_lean_indexes"),
    ]

    operations = [
        migrations.AlterModelTable(name="riskpoint", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
        migrations.RenameField(model_name="riskpoint", old_name="kind", new_name="category"),
    ]
