"""Issue 11: transferred Akten wait for the archive's 0506 (Aussonderung.ImportBestaetigen) before they are deleted;
failed objects go out again in a new 0503; every xdomea message written or read is kept (idempotency); runs can be
cancelled."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("akten", "0005_document_content_types"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="akte",
            name="state",
            field=models.CharField(
                choices=[
                    ("offen", "offen"),
                    ("zdA", "zu den Akten"),
                    ("angeboten", "angeboten"),
                    ("bewertet_A", "bewertet: archivwürdig"),
                    ("bewertet_V", "bewertet: vernichten"),
                    ("abgabe_ausstehend", "abgegeben, Import ausstehend"),
                    ("abgegeben", "abgegeben"),
                    ("vernichtet", "vernichtet"),
                ],
                db_index=True,
                default="offen",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="disposalrun",
            name="state",
            field=models.CharField(
                choices=[
                    ("proposed", "vorgeschlagen"),
                    ("offered", "angeboten (0501)"),
                    ("evaluated", "bewertet (0502)"),
                    ("approved", "freigegeben"),
                    ("executing", "in Durchführung"),
                    ("awaiting_import", "abgegeben, Importbestätigung ausstehend"),
                    ("done", "abgeschlossen"),
                    ("cancelled", "abgebrochen"),
                ],
                default="proposed",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="disposalitem",
            name="state",
            field=models.CharField(
                choices=[
                    ("offered", "angeboten"),
                    ("evaluated", "bewertet"),
                    ("not_evaluated", "nicht bewertet"),
                    ("skipped_hold", "Löschsperre: übersprungen"),
                    ("removing", "Inhalte entfernt, Objekte werden gelöscht"),
                    ("destroyed", "vernichtet"),
                    ("transferred", "abgegeben"),
                    ("awaiting_import", "abgegeben, Import ausstehend"),
                    ("import_failed", "Import im Archiv fehlgeschlagen"),
                    ("import_confirmed", "Import bestätigt, wird gelöscht"),
                    ("cancelled", "abgebrochen"),
                ],
                default="offered",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="disposalrun",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="disposalrun",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="disposalrun",
            name="cancel_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="Grund des Abbruchs"),
        ),
        migrations.CreateModel(
            name="DisposalTransfer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField()),
                ("prozess_id", models.UUIDField(unique=True)),
                ("akte_uuids", models.JSONField(default=list)),
                ("file", models.CharField(blank=True, max_length=1000)),
                (
                    "sha256",
                    models.CharField(blank=True, help_text="set once the ZIP is written and recorded", max_length=64),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "received_at",
                    models.DateTimeField(blank=True, help_text="0507: the archive received it", null=True),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="transfers", to="akten.disposalrun"
                    ),
                ),
            ],
            options={
                "verbose_name": "Abgabe (0503)",
                "verbose_name_plural": "Abgaben (0503)",
                "ordering": ["run", "number"],
                "constraints": [models.UniqueConstraint(fields=("run", "number"), name="uniq_disposal_transfer")],
            },
        ),
        migrations.CreateModel(
            name="DisposalMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=4, verbose_name="Nachricht")),
                ("direction", models.CharField(choices=[("out", "gesendet"), ("in", "empfangen")], max_length=3)),
                ("file", models.CharField(max_length=1000)),
                ("sha256", models.CharField(max_length=64)),
                ("at", models.DateTimeField(auto_now_add=True)),
                ("summary", models.JSONField(blank=True, default=dict)),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="messages", to="akten.disposalrun"
                    ),
                ),
                (
                    "transfer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="akten.disposaltransfer",
                    ),
                ),
            ],
            options={
                "verbose_name": "xdomea-Nachricht",
                "verbose_name_plural": "xdomea-Nachrichten",
                "ordering": ["run", "at", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("direction", "in")), fields=("sha256",), name="uniq_message_read"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="disposalitem",
            name="transfer",
            field=models.ForeignKey(
                blank=True,
                help_text="the latest 0503 the Akte was sent in",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="items",
                to="akten.disposaltransfer",
            ),
        ),
        migrations.AddField(
            model_name="disposalitem",
            name="archive_id",
            field=models.CharField(blank=True, max_length=500, verbose_name="Archivkennung"),
        ),
        migrations.AddField(
            model_name="disposalitem",
            name="import_error",
            field=models.TextField(blank=True, verbose_name="Fehlermeldung des Archivs"),
        ),
        migrations.AddField(
            model_name="disposalitem",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
