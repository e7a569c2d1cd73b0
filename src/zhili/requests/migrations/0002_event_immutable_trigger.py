"""On PostgreSQL, refuse UPDATE and DELETE of request events in the database itself
(architecture.md: events are never updated or deleted; the app has no code path that does)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION zhili_refuse_event_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'request events are immutable (%% on requests_requestevent)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER requests_requestevent_immutable
    BEFORE UPDATE OR DELETE ON requests_requestevent
    FOR EACH ROW EXECUTE FUNCTION zhili_refuse_event_change();
"""

DROP = """
DROP TRIGGER IF EXISTS requests_requestevent_immutable ON requests_requestevent;
DROP FUNCTION IF EXISTS zhili_refuse_event_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
