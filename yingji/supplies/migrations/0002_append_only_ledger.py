"""On PostgreSQL, the database itself refuses UPDATE and DELETE of stock movements."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION supplies_movement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock movements are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER supplies_movement_append_only
    BEFORE UPDATE OR DELETE ON supplies_stockmovement
    FOR EACH ROW EXECUTE FUNCTION supplies_movement_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS supplies_movement_append_only ON supplies_stockmovement;
DROP FUNCTION IF EXISTS supplies_movement_append_only();
"""


def forbid(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(forbid, allow)]
