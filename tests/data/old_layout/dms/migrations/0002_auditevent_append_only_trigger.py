"""The audit trail is append-only in the database too: a trigger refuses UPDATE of an AuditEvent row.
(Removing rows is caught by the hash chain: `audit_verify` names the first missing event; the test
database flush empties the table with DELETE on SQLite, so DELETE is not refused here.)"""

from django.db import migrations

SQL = {
    "postgresql": (
        [
            """CREATE OR REPLACE FUNCTION dms_auditevent_append_only() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'dms_auditevent is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation'; END
               $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER dms_auditevent_no_update BEFORE UPDATE ON dms_auditevent
               FOR EACH ROW EXECUTE FUNCTION dms_auditevent_append_only()""",
        ],
        [
            "DROP TRIGGER IF EXISTS dms_auditevent_no_update ON dms_auditevent",
            "DROP FUNCTION IF EXISTS dms_auditevent_append_only()",
        ],
    ),
    "sqlite": (
        [
            """CREATE TRIGGER dms_auditevent_no_update BEFORE UPDATE ON dms_auditevent
               BEGIN SELECT RAISE(ABORT, 'dms_auditevent is append-only: UPDATE refused'); END""",
        ],
        ["DROP TRIGGER IF EXISTS dms_auditevent_no_update"],
    ),
}


def _run(index):
    def run(apps, schema_editor):
        statements = SQL.get(schema_editor.connection.vendor)
        for sql in statements[index] if statements else []:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("dms", "0001_initial")]
    operations = [migrations.RunPython(_run(0), _run(1), elidable=False)]
