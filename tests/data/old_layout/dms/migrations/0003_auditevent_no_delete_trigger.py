"""The audit trail refuses DELETE too (and TRUNCATE on PostgreSQL): removing events is a database error, not only
a gap `audit_verify` finds later. `flush` (tests, emptying a whole database) lifts the guard for its run."""

from django.db import migrations

from dms.audit_triggers import install_delete_guard, remove_delete_guard


def forwards(apps, schema_editor):
    install_delete_guard(schema_editor.connection)


def backwards(apps, schema_editor):
    remove_delete_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("dms", "0002_auditevent_append_only_trigger")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
