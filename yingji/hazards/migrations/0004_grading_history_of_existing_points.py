"""Every risk point that came from coverage gets the first entry of its grading history: its grade then."""

from django.db import migrations


def first_gradings(apps, schema_editor):  # type: ignore[no-untyped-def]
    RiskPoint = apps.get_model("hazards", "RiskPoint")
    RiskGrading = apps.get_model("hazards", "RiskGrading")
    db = schema_editor.connection.alias
    graded = set(RiskGrading.objects.using(db).values_list("risk_point_id", flat=True))
    rows = [RiskGrading(risk_point_id=pk, at=created_at, grade_from="", grade_to=grade,
                        reason="graded before the hazards register")
            for pk, created_at, grade in RiskPoint.objects.using(db).values_list("pk", "created_at", "grade")
            if pk not in graded]
    RiskGrading.objects.using(db).bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [("hazards", "0003_register_patrols_hazards_inspections")]

    operations = [migrations.RunPython(first_gradings, migrations.RunPython.noop)]
