"""`view_akte_content` was offered (admin, guardian) but never checked: the one access rule grants an Akte as a
whole (akten/access.py). Drop the permission and any grant of it, so nothing offers what is not enforced."""

from django.db import migrations


def drop_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    # guardian's per-Akte grants of it go with it (CASCADE)
    Permission.objects.filter(
        codename="view_akte_content", content_type__app_label="akten", content_type__model="akte"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("akten", "0003_aussonderung"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="akte",
            options={"ordering": ["aktenzeichen"], "verbose_name_plural": "Akten"},
        ),
        migrations.RunPython(drop_permission, migrations.RunPython.noop),
    ]
