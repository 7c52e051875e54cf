"""The kernel's data: departments, roles, stored objects, audit events, the indexing outbox (documents live in
`akten.models`)."""

from django.contrib.auth.models import Group
from django.db import models


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Sachbearbeitung"
    SCAN = "scan", "Scanstelle"
    ARCHIVIST = "archivist", "Archiv"
    ADMIN = "admin", "Administration"
    LEAD = "lead", "Amtsleitung"  # grants and revokes access to the department's Akten (akten.access.may_grant)


ROLE_GROUP_PREFIX = "role:"
DEPARTMENT_GROUP_PREFIX = "dept:"


class Department(models.Model):
    """Organisationseinheit: a department (code `63`, name `Bauordnungsamt`), backed by a Group of its members."""

    code = models.CharField(max_length=20, unique=True, verbose_name="Kennung")
    name = models.CharField(max_length=200, verbose_name="Name")
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="department", verbose_name="Gruppe")

    class Meta:
        ordering = ["code"]
        verbose_name = "Organisationseinheit"
        verbose_name_plural = "Organisationseinheiten"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StoredObject(models.Model):
    """One immutable, content-addressed object in the object store (`sha256/ab/cd/<hash>`)."""

    sha256 = models.CharField(max_length=64, unique=True, verbose_name="SHA-256")
    key = models.CharField(max_length=200, unique=True, verbose_name="Schlüssel")
    size = models.BigIntegerField(verbose_name="Größe (Bytes)")
    media_type = models.CharField(max_length=100, verbose_name="Medientyp")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="gespeichert am")

    class Meta:
        verbose_name = "gespeichertes Objekt"
        verbose_name_plural = "gespeicherte Objekte"

    def __str__(self) -> str:
        return self.key


class AuditEvent(models.Model):
    """Append-only, hash-chained record of a write or a read of document content (docs/architecture.md, "Audit")."""

    seq = models.BigAutoField(primary_key=True, verbose_name="laufende Nummer")
    at = models.DateTimeField(verbose_name="Zeitpunkt")
    actor = models.CharField(max_length=150, blank=True, verbose_name="handelnde Person")
    action = models.CharField(max_length=100, verbose_name="Aktion")
    object_type = models.CharField(max_length=100, verbose_name="Objekttyp")
    object_id = models.CharField(max_length=100, blank=True, verbose_name="Objekt-ID")
    before = models.JSONField(null=True, blank=True, verbose_name="vorher")
    after = models.JSONField(null=True, blank=True, verbose_name="nachher")
    prev_hash = models.CharField(max_length=64, verbose_name="Hash des Vorgängers")
    hash = models.CharField(max_length=64, unique=True, verbose_name="Hash")

    class Meta:
        verbose_name = "Audit-Ereignis"
        verbose_name_plural = "Audit-Ereignisse"
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # a user's latest events of one kind (recently opened documents on the start page), newest first
            models.Index(fields=["actor", "action", "seq"], name="audit_actor_action_seq"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}".rstrip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("AuditEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("AuditEvent is append-only")


class AuditHead(models.Model):
    """Singleton row locked while appending so concurrent writers chain one after another."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, verbose_name="ID")
    last_hash = models.CharField(max_length=64, default="0" * 64, verbose_name="letzter Hash")

    class Meta:
        verbose_name = "Kopf der Audit-Kette"
        verbose_name_plural = "Kopf der Audit-Kette"

    def __str__(self):
        return "Kopf der Audit-Kette"


class OutboxEntry(models.Model):
    """Indexing outbox: written in the same transaction as the change (`dms.outbox.outbox_enqueue`), drained by the
    one indexer (`search.services.outbox_drain`). In the kernel so every layer may enqueue; the table keeps its
    name from when it lived in `search`."""

    class Op(models.TextChoices):
        UPSERT = "upsert", "aufnehmen oder aktualisieren"
        DELETE = "delete", "entfernen"

    document_id = models.BigIntegerField(db_index=True, verbose_name="Dokument-ID")
    op = models.CharField(max_length=10, choices=Op.choices, verbose_name="Auftrag")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="erfasst am")

    class Meta:
        verbose_name = "Index-Auftrag"
        verbose_name_plural = "Index-Aufträge"
        db_table = "search_outboxentry"
        ordering = ["id"]

    def __str__(self):
        return f"{self.op} Dokument {self.document_id}"
