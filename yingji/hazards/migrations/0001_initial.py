"""The hazards app takes over the risk points of coverage: first only in Django's model state.

The table stays where it is (coverage_riskpoint) in this step, so no row
moves; 0002 renames the table and moves the content type (with it the audit
history and permissions).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("jurisdictions", "0001_initial"),
        ("coverage", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RiskPoint",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at")),
                        ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                        ("name", models.CharField(max_length=120, verbose_name="name")),
                        ("kind", models.CharField(choices=[("crowded_place", "Crowded place"), ("old_residential", "Old residential area"), ("three_small", "Small shop, workshop or entertainment venue (三小场所)"), ("slope", "Slope"), ("low_lying", "Low-lying area"), ("small_works", "Small construction site"), ("hazmat", "Hazardous chemicals"), ("other", "Other")], default="other", max_length=20, verbose_name="type")),
                        ("grade", models.CharField(choices=[("red", "Major risk (red)"), ("orange", "Significant risk (orange)"), ("yellow", "Moderate risk (yellow)"), ("blue", "Low risk (blue)")], db_index=True, max_length=8, verbose_name="risk grade")),
                        ("lon", models.FloatField(verbose_name="longitude")),
                        ("lat", models.FloatField(verbose_name="latitude")),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                        ("jurisdiction", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="coverage_risk_points", to="jurisdictions.jurisdiction", verbose_name="jurisdiction")),
                    ],
                    options={
                        "verbose_name": "risk point",
                        "verbose_name_plural": "risk points",
                        "ordering": ["code"],
                        "permissions": [("import_riskpoint", "Can import risk points"), ("export_riskpoint", "Can export risk points")],
                        "constraints": [models.CheckConstraint(condition=models.Q(("lat__gte", -90), ("lat__lte", 90), ("lon__gte", -180), ("lon__lte", 180)), name="risk_point_coordinates_in_range")],
                        "db_table": "coverage_riskpoint",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
