"""Risk points now belong to the hazards app (hazards 0001/0002 keep the table, its rows and history)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("coverage", "0001_initial"),
        ("hazards", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RiskPoint")],
            database_operations=[],
        ),
    ]
