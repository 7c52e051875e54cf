"""The indexing outbox moves from search to the kernel with its table name kept (issue 14): every layer may enqueue.
search 0001_initial no longer creates the table; a fresh database gets it here, a database migrated before keeps
the one it has (with its rows). The content type follows the model."""

from django.db import migrations, models

from dms.migration_ops import CreateModelIfMissing


def relabel(old, new):
    def run(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        if not ContentType.objects.using(db).filter(app_label=new, model="outboxentry").exists():
            ContentType.objects.using(db).filter(app_label=old, model="outboxentry").update(app_label=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("dms", "0003_auditevent_no_delete_trigger"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        CreateModelIfMissing(
            name="OutboxEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("document_id", models.BigIntegerField(db_index=True)),
                ("op", models.CharField(choices=[("upsert", "Upsert"), ("delete", "Delete")], max_length=10)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"db_table": "search_outboxentry", "ordering": ["id"]},
        ),
        migrations.RunPython(relabel("search", "dms"), relabel("dms", "search")),
    ]
