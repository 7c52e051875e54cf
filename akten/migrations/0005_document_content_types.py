"""Document, DocumentVersion and Page moved from dms to akten with their tables (issue 14; the move itself is in
0002_initial). Their content types move too, so the model permissions granted on them and the admin's log entries
keep pointing at the models. A fresh database has no content types yet (Django creates them after migrating)."""

from django.db import migrations

MOVED = ["document", "documentversion", "page"]


def relabel(old, new):
    def run(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MOVED:
            if not ContentType.objects.using(db).filter(app_label=new, model=model).exists():
                ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("akten", "0004_drop_view_akte_content"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(relabel("dms", "akten"), relabel("akten", "dms"))]
