"""On PostgreSQL, the database itself refuses to alter or delete change records."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION concord_change_log_is_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Change records are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_changerecord_immutable BEFORE UPDATE OR DELETE ON core_changerecord
    FOR EACH ROW EXECUTE FUNCTION concord_change_log_is_immutable();
CREATE TRIGGER core_changerecordpartner_immutable BEFORE UPDATE OR DELETE
    ON core_changerecordpartner FOR EACH ROW EXECUTE FUNCTION concord_change_log_is_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS core_changerecord_immutable ON core_changerecord;
DROP TRIGGER IF EXISTS core_changerecordpartner_immutable ON core_changerecordpartner;
DROP FUNCTION IF EXISTS concord_change_log_is_immutable();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(forward, backward)]
